#pragma once
// The `chees` entry of the algorithm list (host/algorithms/algorithm_list.hpp): ChEES-HMC
// (Hoffman, Radul & Sountsov 2021), every chain in lock-step, adaptation across chains.
#include <string>
#include <vector>

#include "host/algorithms/chees/chees_config.hpp"
#include "host/algorithms/chees/chees_sampler.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/progress.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

struct CheesAlgorithm {
  using Config = CheesConfig;
  static constexpr const char* kName = "chees";
  static constexpr const char* kCommand = "sample";
  static constexpr unsigned kRunSettings = run_settings::kAll;  // the HMC driver honours every one
  static constexpr const char* kNeeds = "a log density gradient";
  static const char* summary() {
    return "ChEES-HMC: trajectory length by Adam on the ChEES criterion across chains, all chains in lock-step";
  }
  static std::vector<FlagSpec> flags() {
    return {{"--step-size", "E", "Initial step size (before Stan's heuristic; used as is with --warmup 0)", "1"},
            {"--target-accept", "A", "Target of the harmonic-mean acceptance", "0.651"},
            {"--learning-rate", "R", "Adam's learning rate on the log trajectory length", "0.025"},
            {"--max-leapfrog-steps", "N", "Cap on leapfrog steps per iteration", "1000"},
            {"--jitter", "J", "Trajectory-length jitter: halton or uniform", "halton"}};
  }
  static Config configure(const RunSettings& settings, const AlgorithmOptions& o) {
    Config c;
    static_cast<RunSettings&>(c) = settings;
    c.target_accept = o.get_real_open("--target-accept", c.target_accept, 0, 1);
    c.init_step_size = o.get_positive("--step-size", c.init_step_size);
    c.learning_rate = o.get_positive("--learning-rate", c.learning_rate);
    c.max_leapfrog_steps = o.get_int("--max-leapfrog-steps", c.max_leapfrog_steps, 1, 1 << 20);
    c.jitter = o.get_choice("--jitter", "halton", {"halton", "uniform"}) == "uniform" ? chees::Jitter::kUniform
                                                                                       : chees::Jitter::kHalton;
    check_config(c);
    return c;
  }
  template <class Model>
  static constexpr bool supports() {
    return true;
  }
  template <class Model>
  static void run(const Loaded<Model>& m, const Config& c, DrawSet& draws, RunInfo& info, Progress* progress) {
    sample_chees(m, c, draws, info, progress);
  }
};

}  // namespace lockstep
