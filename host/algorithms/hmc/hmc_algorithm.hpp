#pragma once
// The `hmc` entry of the algorithm list (host/algorithms/algorithm_list.hpp): static HMC with
// a jittered number of leapfrog steps shared by all chains, Stan's windowed warmup. What an
// algorithm entry provides is described in docs/architecture.md ("Adding an algorithm").
#include <string>
#include <vector>

#include "host/algorithms/hmc/hmc_config.hpp"
#include "host/algorithms/hmc/hmc_sampler.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/progress.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

struct HmcAlgorithm {
  using Config = HmcConfig;
  static constexpr const char* kName = "hmc";
  static constexpr const char* kCommand = "sample";  // selected by `sample --algorithm hmc` (and `study`)
  static constexpr unsigned kRunSettings = run_settings::kAll;  // the HMC driver honours every one
  static constexpr const char* kNeeds = "a log density gradient";
  static const char* summary() {
    return "static HMC, jittered step count shared by all chains (SIMD blocks on CPU), Stan's windowed warmup";
  }
  static std::vector<FlagSpec> flags() {
    return {{"--step-size", "E", "Initial step size (before Stan's heuristic; used as is with --warmup 0)", "1"},
            {"--target-accept", "A", "Step-size adaptation target", "0.8"},
            {"--steps", "L", "Mean leapfrog steps per iteration (uniform on 1..2L-1, shared by all chains)", "10"},
            {"--pool-adaptation", "", "Pool step-size and metric adaptation across chains", ""}};
  }
  static Config configure(const RunSettings& settings, const AlgorithmOptions& o) {
    Config c;
    static_cast<RunSettings&>(c) = settings;
    c.target_accept = o.get_real_open("--target-accept", c.target_accept, 0, 1);
    c.init_step_size = o.get_positive("--step-size", c.init_step_size);
    c.steps = o.get_int("--steps", c.steps, 1, 1 << 20);
    c.pool_adaptation = o.get_switch("--pool-adaptation");
    return c;
  }
  template <class Model>
  static constexpr bool supports() {
    return true;
  }
  template <class Model>
  static void run(const Loaded<Model>& m, const Config& c, DrawSet& draws, RunInfo& info, Progress* progress) {
    sample_hmc(m, c, draws, info, progress);
  }
};

}  // namespace lockstep
