#pragma once
// The `nuts` entry of the algorithm list (host/algorithms/algorithm_list.hpp): Stan's NUTS,
// one chain per lane, Stan's windowed warmup with a diagonal or dense metric.
#include <string>
#include <vector>

#include "host/algorithms/nuts/nuts_config.hpp"
#include "host/algorithms/nuts/nuts_sampler.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/progress.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"
#include "kernels/nuts/nuts_transition.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

struct NutsAlgorithm {
  using Config = NutsConfig;
  static constexpr const char* kName = "nuts";
  static constexpr const char* kCommand = "sample";
  static constexpr unsigned kRunSettings = run_settings::kAll;  // the HMC driver honours every one
  static constexpr const char* kNeeds = "a log density gradient";
  static const char* summary() {
    return "Stan's NUTS (multinomial, generalized U-turn), each chain at its own pace; the default";
  }
  static std::vector<FlagSpec> flags() {
    return {{"--step-size", "E", "Initial step size (before Stan's heuristic; used as is with --warmup 0)", "1"},
            {"--target-accept", "A", "Step-size adaptation target", "0.8"},
            {"--max-depth", "D", "Maximum tree depth (at most 2^D - 1 leapfrog steps per iteration)", "10"},
            {"--metric", "M", "Inverse metric adapted in warmup: diag or dense", "diag"},
            {"--pool-adaptation", "", "Pool step-size and metric adaptation across chains", ""},
            {"--gang", "G", "Advance chains in gangs whose gradients are one SIMD call of the model (CPU SIMD builds): on, off or auto", "auto"}};
  }
  static Config configure(const RunSettings& settings, const AlgorithmOptions& o) {
    Config c;
    static_cast<RunSettings&>(c) = settings;
    c.target_accept = o.get_real_open("--target-accept", c.target_accept, 0, 1);
    c.init_step_size = o.get_positive("--step-size", c.init_step_size);
    c.max_depth = o.get_int("--max-depth", c.max_depth, 1, nuts::kMaxDepthLimit);
    c.metric = o.get_choice("--metric", c.metric, {"diag", "dense"});
    c.pool_adaptation = o.get_switch("--pool-adaptation");
    c.gang = o.get_choice("--gang", c.gang, {"auto", "on", "off"});
    return c;
  }
  template <class Model>
  static constexpr bool supports() {
    return true;
  }
  template <class Model>
  static void run(const Loaded<Model>& m, const Config& c, DrawSet& draws, RunInfo& info, Progress* progress) {
    sample_nuts(m, c, draws, info, progress);
  }
};

}  // namespace lockstep
