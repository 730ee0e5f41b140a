#pragma once
// The `npe` entry of the algorithm list (host/algorithms/algorithm_list.hpp): neural posterior
// estimation, the algorithm of the `lockstep npe` command (host/cli/npe_command.cpp). It needs
// a prior draw and a simulator (models/contract: prior_draw, simulate) and an observed data
// set (Loaded::sbi_observed).
#include <string>
#include <vector>

#include "host/algorithms/npe/npe_config.hpp"
#include "host/algorithms/npe/npe_runner.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/progress.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"
#include "kernels/core/model_traits.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

struct NpeAlgorithm {
  using Config = NpeConfig;
  static constexpr const char* kName = "npe";
  static constexpr const char* kCommand = "npe";  // the `lockstep npe` command
  static constexpr const char* kNeeds = "prior_draw and simulate (a prior and a simulator)";
  static const char* summary() {
    return "neural posterior estimation: a mixture density network trained on prior simulations run in lanes";
  }
  static std::vector<FlagSpec> flags() { return npe_flags(); }
  static Config configure(const RunSettings& settings, const AlgorithmOptions& o) {
    return npe_config_from(settings, o);
  }
  template <class Model>
  static constexpr bool supports() {
    return traits::has_prior_draw<Model>::value && traits::has_simulate<Model>::value;
  }
  template <class Model>
  static void run(const Loaded<Model>& m, const Config& c, DrawSet& draws, RunInfo& info, Progress* progress) {
    run_npe(m, c, draws, info, progress);
  }
};

}  // namespace lockstep
