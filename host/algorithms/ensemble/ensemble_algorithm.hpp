#pragma once
// The `ensemble` entry of the algorithm list (host/algorithms/algorithm_list.hpp): emcee's
// affine-invariant ensemble (red/blue moves), every walker a lane. It is the algorithm of the
// `lockstep ensemble` command and needs the model's density on the constrained scale.
#include <string>
#include <vector>

#include "host/algorithms/ensemble/ensemble_config.hpp"
#include "host/algorithms/ensemble/ensemble_sampler.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/progress.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"
#include "kernels/core/model_traits.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

struct EnsembleAlgorithm {
  using Config = EnsembleConfig;
  static constexpr const char* kName = "ensemble";
  static constexpr const char* kCommand = "ensemble";  // the `lockstep ensemble` command
  static constexpr const char* kNeeds = "log_density_constrained (a log density on the constrained scale)";
  static const char* summary() {
    return "affine-invariant ensemble (emcee's stretch, DE and walk moves), every walker a lane";
  }
  static std::vector<FlagSpec> flags() {
    return {{"--walkers", "N", "Walkers (even, at least twice the dimension)", "32"},
            {"--steps", "S", "Ensemble steps (each updates every walker once)", "1000"},
            {"--move", "M", "stretch, de, walk, or a mixture such as stretch:0.8,de:0.2", "stretch"},
            {"--discard", "D", "Steps dropped at the start", "0"},
            {"--thin", "K", "Keep every K-th step", "1"},
            {"--init-ball", "V", "Start in a ball around v1,v2,... (model parameter order); default: prior draws", ""},
            {"--init-scale", "S", "Radius of the starting ball", "1e-4"}};
  }
  /// RunSettings gives the seed and the threads; everything else is the ensemble's own.
  static Config configure(const RunSettings& settings, const AlgorithmOptions& o) {
    return ensemble_config_from(settings, o);
  }
  template <class Model>
  static constexpr bool supports() {
    return traits::has_log_density_constrained<Model>::value;
  }
  template <class Model>
  static void run(const Loaded<Model>& m, const Config& c, DrawSet& draws, RunInfo& info, Progress* progress) {
    sample_ensemble(m, c, draws, info, progress);
  }
};

}  // namespace lockstep
