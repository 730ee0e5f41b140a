#pragma once
// SMC-ABC's settings (`lockstep smc-abc`): a simulation budget, the population size, the
// tolerance quantile and the stopping rules.
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "host/algorithms/abc/abc_common.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {

/// Where SMC-ABC stands after a generation: all that the next generation reads (its proposals
/// are keyed by (seed, generation, proposal index)), so a run resumed from it gives the bits of
/// an uninterrupted one (lockstep smc-abc --checkpoint).
struct SmcAbcState {
  int generation = 0;                                   // generations completed after the prior's
  std::vector<double> population, distances, weights;  // P rows of theta, distances, weights
  std::vector<std::uint64_t> keys;                      // P rows of (simulation index, generation)
  std::int64_t total = 0;                               // simulations so far
  double rate = 0.5;                                    // the last generation's acceptance rate
  AbcResult result;                                     // schedule and counts so far
};

struct SmcAbcConfig {
  std::uint64_t seed = 0;
  int threads = 0;
  std::int64_t sims = 0;        // the budget: simulations in all (never exceeded)
  std::int64_t particles = 0;   // P
  double quantile = 0.5;        // alpha: epsilon_t = the alpha-quantile of generation t-1's distances
  double target_epsilon = 0;    // stop once epsilon_t <= this (0: no target)
  double min_acceptance = 0.001;  // stop after a generation accepting less than this fraction
  int max_generations = 1000;
  bool adjust = true;           // --adjust linear: the regression adjustment of the final population
  bool model_statistics = false;  // --statistics model: the distance on the model's summary statistics
  double kernel_scale = 0.5;    // the perturbation's covariance: this x the population's weighted covariance
  AbcResult* result = nullptr;  // filled by the run when given
  /// Checkpoints: the run continues from `resume` (a state after_generation was given) instead
  /// of from the prior; `after_generation` is called after every generation the run goes on
  /// from (the prior's included) and may throw to stop it (Ctrl-C).
  const SmcAbcState* resume = nullptr;
  std::function<void(const SmcAbcState&)> after_generation;
};

inline SmcAbcConfig smc_abc_config_from(const RunSettings& s, const AlgorithmOptions& o) {
  SmcAbcConfig c;
  c.seed = s.seed;
  c.threads = s.threads;
  c.sims = abc_count_flag(o, "--sims", 100000, 1);
  c.particles = abc_count_flag(o, "--particles", 1000, 2);
  if (c.particles > c.sims)
    throw InputError("--particles " + std::to_string(c.particles) + ": more than the budget --sims " +
                     std::to_string(c.sims) + " (the first generation alone simulates P)");
  c.quantile = o.get_real_open("--quantile", 0.5, 0, 1);
  c.target_epsilon = o.get_real("--target-epsilon", 0);
  if (c.target_epsilon < 0) throw InputError("--target-epsilon: must not be negative, found " + o.get_text("--target-epsilon", ""));
  c.min_acceptance = o.get_real("--min-acceptance", 0.001);
  if (!(c.min_acceptance >= 0 && c.min_acceptance < 1))
    throw InputError("--min-acceptance: must be in [0, 1), found " + o.get_text("--min-acceptance", ""));
  c.max_generations = o.get_int("--generations", 1000, 1, 1000000);
  c.adjust = abc_adjust_flag(o);
  c.model_statistics = abc_model_statistics_flag(o);
  c.kernel_scale = o.get_positive("--kernel-scale", 0.5);
  return c;
}

}  // namespace lockstep
