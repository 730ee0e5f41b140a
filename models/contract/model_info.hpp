#pragma once
// What `lockstep models` prints about a model, and what a loaded model carries on the host.
// The full model contract: docs/model_contract.md.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/contract/data_store.hpp"

namespace lockstep {

struct ModelOptionInfo {
  std::string name;
  std::string default_value;
  std::string help;
};

struct ModelFieldInfo {
  std::string name;
  std::string help;
};

/// A command-line flag of its own that a model family declares (e.g. the glmm's --formula):
/// the commands that take a model (sample, study, check, ensemble) accept it when that model is
/// chosen, and pass its value as the option `option` (ModelArgs::option_text; repeated values
/// through ModelArgs::option_list).
struct ModelFlagInfo {
  std::string flag;        // "--formula"
  std::string option;      // "formula"
  std::string value_name;  // "F"
  std::string help;
  bool repeatable = false;
};

/// Per variable (the base of indexed names: "theta" for theta[1], theta[2], ...), the names of
/// its dimensions in index order (Loaded::dims, DrawSet::dims).
using VariableDims = std::vector<std::pair<std::string, std::vector<std::string>>>;

struct ModelInfo {
  std::string name;
  std::string summary;
  std::vector<ModelOptionInfo> options;
  std::vector<ModelFlagInfo> flags;  // the model's own command-line flags (usually none)
  std::vector<ModelFieldInfo> data_fields;  // empty: the model needs no data file
  std::string parameters;                   // e.g. "mu, tau, theta[1..J]"
};

/// A model instance ready to run: the device-side model and data, the store that owns the
/// data arrays (filled in by the registry from ModelArgs::store()), and the names of the
/// output quantities (constrained parameters and derived quantities, size model.n_out(data))
/// and, for models with generated_quantities, of those (size model.n_generated(data)).
template <class Model>
struct Loaded {
  Model model;
  typename Model::Data data;
  std::shared_ptr<DataStore> store;
  std::vector<std::string> names;
  std::vector<std::string> generated_names;
  /// The observed data that the generated quantities replicate (posterior predictive checks,
  /// `sample --predict`): its name (ArviZ's observed_data variable, e.g. "y", or the glmm's
  /// response column) and values, one per generated quantity. Empty: the generated quantities
  /// are not replications of data.
  std::string observed_name;
  std::vector<double> observed;
  /// Simulation-based inference (ABC, NPE): the observed data set in simulate()'s layout
  /// (n_simulated values) that simulations are compared with, and optionally each value's
  /// known scale (the peak model: y_err), by which ABC divides the differences; empty scale:
  /// the prior-predictive MAD (pyABC's adaptive distance). Empty sbi_observed: the model
  /// gives no observed data set to condition on.
  std::vector<double> sbi_observed;
  std::vector<double> sbi_scale;
  /// Names for the dimensions of indexed outputs, for ArviZ (netCDF files, the Python
  /// package): {"theta", {"school"}} makes theta[1..J] one variable theta(chain, draw, school)
  /// instead of theta(chain, draw, theta_dim_0). An entry may name the observed data
  /// (observed_name), whose posterior predictive replications share it. Unnamed: <base>_dim_<k>.
  VariableDims dims;
  /// Host-side state a model keeps for its host members (describe, unconstrain): e.g. the
  /// glmm's design column names, group levels and priors. Never seen by kernels.
  std::shared_ptr<const void> host;
  /// What loading did to the data that a user must hear of, one line each (the glmm's
  /// "3 rows with missing values dropped (...)" under --set na=drop): every command that
  /// loads the model prints them on stderr.
  std::vector<std::string> notes;
};

/// "theta[1]", ..., "theta[n]" (1-based, as Stan and posteriordb name them).
inline std::vector<std::string> indexed_names(const std::string& base, int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back(base + "[" + std::to_string(i) + "]");
  return out;
}

}  // namespace lockstep
