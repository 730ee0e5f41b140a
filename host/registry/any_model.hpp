#pragma once
// AnyModel: the run-time face of a compiled model, for the commands, checks and benchmarks.
// Samplers are templates over the model (device code cannot call virtual functions); this
// interface only dispatches on the host to the instantiation chosen by name. Algorithms are
// reached through run(name, ...) — adding an algorithm adds no virtual here (host/algorithms/
// algorithm_list.hpp) — and the optional capabilities of the model contract through the
// evaluate-one-point functions below (for `lockstep check` and tests).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/core/draw_set.hpp"
#include "host/core/progress.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"
#include "models/contract/model_args.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

/// Optional capabilities of the model contract (docs/model_contract.md).
enum class Capability {
  kLogDensityConstrained,  // log_density_constrained: the ensemble sampler
  kPriorDraw,              // prior_draw: ensemble start, simulation-based inference, SBC
  kLogPrior,               // log_prior: SMC-ABC weights, prior checks
  kSimulate,               // simulate: ABC, NPE, SBC
  kGeneratedQuantities,    // generated_quantities: posterior predictive draws
};
/// "log_prior", "simulate", ... (the member's name).
std::string capability_name(Capability c);
/// Every capability, in enum order.
std::vector<Capability> all_capabilities();

class AnyModel {
 public:
  virtual ~AnyModel() = default;
  virtual ModelInfo info() const = 0;
  /// Unconstrained dimension.
  virtual int dim() const = 0;
  /// Output names (constrained parameters and derived quantities), model.n_out(data) of them.
  virtual const std::vector<std::string>& names() const = 0;
  /// Names of the generated quantities (empty without that capability).
  virtual const std::vector<std::string>& generated_names() const = 0;
  /// Loaded::notes: lines about the data that the commands print once the model is loaded.
  virtual const std::vector<std::string>& notes() const = 0;
  /// The observed data the generated quantities replicate (Loaded::observed_name, observed);
  /// empty when they are not replications of data.
  virtual const std::string& observed_name() const = 0;
  virtual const std::vector<double>& observed() const = 0;
  /// Dimension names of indexed outputs (Loaded::dims): {"theta", {"school"}}.
  virtual const VariableDims& dims() const = 0;

  /// Runs the algorithm called `algorithm` (an entry of host/algorithms/algorithm_list.hpp)
  /// with the common settings and the algorithm's own flags. InputError for bad settings or
  /// flags, or when the model lacks what the algorithm needs.
  virtual void run(const std::string& algorithm, const RunSettings& settings, const AlgorithmOptions& options,
                   DrawSet& draws, RunInfo& info, Progress* progress) const = 0;

  /// The same with the algorithm's config already built (C++ callers: benchmarks, tests):
  ///   model.run<HmcAlgorithm>(cfg, draws, info);
  /// A is an entry of the algorithm list and cfg its Config.
  template <class A>
  void run(const typename A::Config& cfg, DrawSet& draws, RunInfo& info, Progress* progress = nullptr) const {
    run_config(A::kName, &cfg, draws, info, progress);
  }
  /// run<A>'s type-erased form: `config` points to the Config of the algorithm called `algorithm`.
  virtual void run_config(const std::string& algorithm, const void* config, DrawSet& draws, RunInfo& info,
                          Progress* progress) const = 0;

  /// Unconstrained point from output values (names() order), for user-given initial values.
  /// InputError if a value is outside the support.
  virtual std::vector<double> unconstrain(const std::vector<double>& outputs) const = 0;
  /// The outputs (names() order) at an unconstrained point: write_out on the backend.
  virtual std::vector<double> constrain(const std::vector<double>& q) const = 0;
  /// Log density and gradient at one unconstrained point (on the backend; host copy back).
  virtual double log_density_and_grad(const std::vector<double>& q, std::vector<double>& grad) const = 0;
  /// The same at every point of `points`, through one of the other views the samplers hand the
  /// model (docs/model_contract.md): kStrided, each point one chain of a structure-of-arrays
  /// array (warmup, initialization, every sampler on a GPU); kBlock, the points W at a time as
  /// the chains of a SIMD block, BlockView<W> with W = backend::kLaneWidth (static HMC, ChEES,
  /// the ensemble on the CPU; in the GPU shape, where W = 1, the strided view again).
  /// log_density_and_grad above is the Dense view (NUTS on the CPU). `lockstep check` compares
  /// them: a model may give a view its own path, and only the views together are the model.
  enum class View { kStrided, kBlock };
  virtual std::vector<double> log_density_and_grad_through(View view, const std::vector<std::vector<double>>& points,
                                                           std::vector<std::vector<double>>& grads) const = 0;

  /// The resolved model in text (`sample --print-model`): name, dimension, outputs and, for a
  /// model with `static std::string describe(const Loaded<Model>&)`, its own description
  /// (parameter blocks, priors, design, levels).
  virtual std::string describe() const = 0;

  virtual bool has(Capability c) const = 0;
  /// The optional capabilities at one point; std::logic_error when the model lacks one.
  /// theta: the constrained parameters (the first dim() outputs); (seed, index): the Philox
  /// stream of the draw (index = chain or simulation), iteration 0.
  virtual double log_density_constrained(const std::vector<double>& theta) const = 0;
  virtual double log_prior(const std::vector<double>& theta) const = 0;
  virtual std::vector<double> prior_draw(std::uint64_t seed, std::uint32_t index) const = 0;
  virtual std::vector<double> simulate(const std::vector<double>& theta, std::uint64_t seed,
                                       std::uint32_t index) const = 0;
  virtual std::vector<double> generated_quantities(const std::vector<double>& q, std::uint64_t seed,
                                                   std::uint32_t index) const = 0;
  /// generated_quantities at n unconstrained points at once, one lane each (`sample
  /// --predict`): point k is q[k * dim() .. (k + 1) * dim()), drawn with Rng{seed, chain[k]} at
  /// iteration[k]; returns n x generated_names().size() values, point-major.
  /// The same model with its observed data replaced by `y` (n_simulated values, e.g. a data set
  /// simulated from a prior draw: SBC), priors and everything else unchanged. InputError when
  /// the model cannot take other data (no static set_observed member).
  virtual std::unique_ptr<AnyModel> with_observed(const std::vector<double>& y) const = 0;
  /// Fits `replicates` data sets at once, settings.chains chains each, side by side in lanes
  /// (`lockstep sbc`; host/registry/replicates.hpp): `observed` holds the data sets one after
  /// another (n_simulated values each). `draws` gets replicates x C' chains, data set r's being
  /// chains r*C' .. r*C' + C' - 1 with C' = lane_chains_per_replicate(algorithm,
  /// settings.chains). Only for replicates_in_lanes(algorithm, options) (std::logic_error
  /// otherwise); InputError when the model cannot take other data sets.
  virtual void run_replicates(const std::string& algorithm, const RunSettings& settings,
                              const AlgorithmOptions& options, const std::vector<double>& observed, int replicates,
                              DrawSet& draws, RunInfo& info, Progress* progress) const = 0;
  /// The model whose generated quantities replicate the rows of `rows` instead of the observed
  /// data, at the same parameters (`sample --predict --newdata`). InputError when the model
  /// cannot (no static for_newdata member) or the rows do not fit the model.
  virtual std::unique_ptr<AnyModel> with_newdata(const DataSource& rows) const = 0;
  /// The number of values simulate() returns (0 without the capability).
  virtual int n_simulated() const = 0;
  virtual std::vector<double> generated_quantities_many(const std::vector<double>& q, std::uint64_t seed,
                                                        const std::vector<std::uint32_t>& chain,
                                                        const std::vector<std::uint64_t>& iteration) const = 0;
};

/// One entry of the model table: what `lockstep models` prints, how to build the model, and
/// what it can run (known without loading it).
struct ModelEntry {
  ModelInfo info;
  std::unique_ptr<AnyModel> (*make)(ModelArgs& args) = nullptr;
  std::vector<std::string> algorithms;     // names of the algorithms it supports
  std::vector<Capability> capabilities;    // the optional capabilities it has
  bool takes_simulated_data = false;       // prior_draw, simulate and set_observed: what `sbc` needs
  bool supports(const std::string& algorithm) const;
  bool has(Capability c) const;
};

/// Every registered model: the built-in ones (CMakeLists.txt, lockstep_model()) and those
/// added by register_model, in that order.
const std::vector<ModelEntry>& model_table();

/// Adds a model to the table (an executable with its own models calls this, through
/// cli::run_cli's extra_models, before parsing). Registering the same entry again does
/// nothing; InputError if another model has the name.
void register_model(ModelEntry entry);

/// The entry called `name`; InputError listing the known models otherwise.
const ModelEntry& find_model(const std::string& name);

/// Builds the model called `name` from options and data; InputError for an unknown name or a
/// bad option or field. Unused options are refused.
std::unique_ptr<AnyModel> load_model(const std::string& name, ModelArgs& args);

/// InputError unless the model can run `algorithm`: one line saying what the algorithm needs
/// and listing the models that can.
void require_algorithm(const ModelEntry& model, const std::string& algorithm);

/// InputError unless the model has capability c, naming the command (e.g. "--predict") and
/// listing the models that have it.
void require_capability(const ModelEntry& model, Capability c, const std::string& what);

}  // namespace lockstep
