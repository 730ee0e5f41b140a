#pragma once
// AnyModel: the runtime face of a compiled model, for the CLI and benchmarks. Samplers are
// templates over the model (no virtual calls in device code, DESIGN.md habit 2); this
// interface only dispatches on the host to the instantiation chosen by name.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/io/model_args.hpp"
#include "host/run/chees_config.hpp"
#include "host/run/draw_set.hpp"
#include "host/run/hmc_config.hpp"
#include "host/run/nuts_config.hpp"
#include "host/run/ensemble_config.hpp"
#include "host/run/progress.hpp"
#include "models/model_info.hpp"

namespace lockstep {

class AnyModel {
 public:
  virtual ~AnyModel() = default;
  virtual ModelInfo info() const = 0;
  /// Unconstrained dimension.
  virtual int dim() const = 0;
  /// Output names (constrained parameters and derived quantities).
  virtual const std::vector<std::string>& names() const = 0;
  /// Static HMC with Stan's windowed warmup.
  virtual void sample_hmc(const HmcConfig& cfg, DrawSet& draws, RunInfo& info, Progress* progress) const = 0;
  /// NUTS (Stan's multinomial, generalized U-turn) with the same warmup.
  virtual void sample_nuts(const NutsConfig& cfg, DrawSet& draws, RunInfo& info, Progress* progress) const = 0;
  /// ChEES-HMC (Hoffman, Radul & Sountsov 2021): jittered HMC whose step size, trajectory
  /// length and diagonal metric are adapted across chains (host/run/chees_sampler.hpp).
  virtual void sample_chees(const CheesConfig& cfg, DrawSet& draws, RunInfo& info, Progress* progress) const = 0;
  /// Affine-invariant ensemble (emcee 3's red/blue moves); InputError for models without a
  /// constrained log density.
  virtual void sample_ensemble(const EnsembleConfig& cfg, DrawSet& draws, RunInfo& info, Progress* progress) const = 0;
  /// Unconstrained point from output values (names() order), for user-given initial
  /// values. InputError if a value is outside the support.
  virtual std::vector<double> unconstrain(const std::vector<double>& outputs) const = 0;
  /// Log density and gradient at one unconstrained point (host; for checks and tests).
  virtual double log_density_and_grad(const std::vector<double>& q, std::vector<double>& grad) const = 0;
};

/// One entry of the model table: what `lockstep models` prints and how to build it.
struct ModelEntry {
  ModelInfo info;
  std::unique_ptr<AnyModel> (*make)(ModelArgs& args);
};

/// Every registered model, in display order.
const std::vector<ModelEntry>& model_table();

/// Builds the model called `name` from options and data; InputError for an unknown name or a
/// bad option or field. Unused options are refused.
std::unique_ptr<AnyModel> load_model(const std::string& name, ModelArgs& args);

}  // namespace lockstep
