#pragma once
// The `smc-abc` entry of the algorithm list: population Monte Carlo ABC with an adaptive
// tolerance, the algorithm of `lockstep smc-abc`.
#include <vector>

#include "host/algorithms/smc_abc/smc_abc_config.hpp"
#include "host/algorithms/smc_abc/smc_abc_sampler.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/progress.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"
#include "kernels/core/model_traits.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

struct SmcAbcAlgorithm {
  using Config = SmcAbcConfig;
  static constexpr const char* kName = "smc-abc";
  static constexpr const char* kCommand = "smc-abc";  // the `lockstep smc-abc` command
  static constexpr const char* kNeeds = "prior_draw, log_prior and simulate (a prior to draw from and evaluate, and a simulator)";
  static const char* summary() {
    return "population Monte Carlo ABC (Beaumont et al. 2009) with a quantile-adaptive tolerance, proposals in lanes";
  }
  static std::vector<FlagSpec> flags() {
    return {{"--sims", "N", "Simulation budget (all generations together)", "100000"},
            {"--particles", "P", "Population size", "1000"},
            {"--quantile", "A", "Tolerance: the A-quantile of the previous generation's distances", "0.5"},
            {"--target-epsilon", "E", "Stop once the tolerance reaches E (0: no target)", "0"},
            {"--min-acceptance", "R", "Stop after a generation accepting less than this fraction", "0.001"},
            {"--generations", "G", "At most this many generations after the prior's", "1000"},
            {"--kernel-scale", "F", "Perturbation covariance: F x the population's weighted covariance (Beaumont et al.: 2)", "0.5"},
            {"--statistics", "identity|model",
             "What the distance compares: every simulated value over its scale (identity), or the model's own "
             "summary statistics over their prior-predictive MAD (model; e.g. normal_mean's sample mean, peak's fit)",
             "identity"},
            {"--adjust", "linear|none",
             "Regression adjustment of the accepted draws (Beaumont et al. 2002; local-linear on the model's "
             "summary statistics) or none",
             "linear"}};
  }
  static Config configure(const RunSettings& settings, const AlgorithmOptions& o) {
    return smc_abc_config_from(settings, o);
  }
  template <class Model>
  static constexpr bool supports() {
    return traits::has_prior_draw<Model>::value && traits::has_simulate<Model>::value &&
           traits::has_log_prior<Model>::value;
  }
  template <class Model>
  static void run(const Loaded<Model>& m, const Config& c, DrawSet& draws, RunInfo& info, Progress* progress) {
    sample_smc_abc(m, c, draws, info, progress);
  }
};

}  // namespace lockstep
