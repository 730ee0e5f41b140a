#pragma once
// The `abc` entry of the algorithm list: rejection ABC, the algorithm of `lockstep abc`.
#include <vector>

#include "host/algorithms/abc/abc_config.hpp"
#include "host/algorithms/abc/abc_sampler.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/progress.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"
#include "kernels/core/model_traits.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

struct AbcAlgorithm {
  using Config = AbcConfig;
  static constexpr const char* kName = "abc";
  static constexpr const char* kCommand = "abc";  // the `lockstep abc` command
  static constexpr const char* kNeeds = "prior_draw and simulate (a prior to draw from and a simulator)";
  static const char* summary() { return "rejection ABC: prior simulations in lanes, the K nearest or all within epsilon"; }
  static std::vector<FlagSpec> flags() {
    return {{"--sims", "N", "Prior simulations", "10000"},
            {"--keep", "K", "Keep the K nearest simulations (K <= N)", "1000"},
            {"--epsilon", "E", "Keep every simulation within distance E instead of --keep", ""},
            {"--statistics", "identity|model",
             "What the distance compares: every simulated value over its scale (identity), or the model's own "
             "summary statistics over their prior-predictive MAD (model; e.g. normal_mean's sample mean, peak's fit)",
             "identity"},
            {"--adjust", "linear|none",
             "Regression adjustment of the accepted draws (Beaumont et al. 2002; local-linear on the model's "
             "summary statistics) or none",
             "linear"}};
  }
  static Config configure(const RunSettings& settings, const AlgorithmOptions& o) { return abc_config_from(settings, o); }
  template <class Model>
  static constexpr bool supports() {
    return traits::has_prior_draw<Model>::value && traits::has_simulate<Model>::value;
  }
  template <class Model>
  static void run(const Loaded<Model>& m, const Config& c, DrawSet& draws, RunInfo& info, Progress* progress) {
    sample_abc(m, c, draws, info, progress);
  }
};

}  // namespace lockstep
