#pragma once
// Rejection ABC's settings (`lockstep abc`): N prior simulations, keep the K nearest or all
// within epsilon.
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "host/algorithms/abc/abc_common.hpp"
#include "host/algorithms/abc/summary_distance.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {

/// Where rejection ABC stands after a chunk of simulations: the simulations done, the candidates
/// kept so far in their current order (distance, simulation index, theta), the top-K cut and
/// the non-finite count; a run resumed from it gives the bits of an uninterrupted one (every
/// simulation is keyed by seed and index; lockstep abc --checkpoint).
struct AbcState {
  std::int64_t done = 0;
  std::vector<double> distances;
  std::vector<std::uint64_t> indices;
  std::vector<double> theta;  // [kept][n_theta]
  double cut = HUGE_VAL;
  std::int64_t non_finite = 0;
};

struct AbcConfig {
  std::uint64_t seed = 0;
  int threads = 0;
  std::int64_t sims = 0;   // N
  std::int64_t keep = 0;   // K > 0, or 0 with epsilon
  double epsilon = NAN;    // when keep == 0
  bool adjust = true;      // --adjust linear: the regression adjustment of the kept draws
  bool model_statistics = false;  // --statistics model: the distance on the model's summary statistics
  AbcResult* result = nullptr;  // filled by the run when given
  /// Checkpoints: the run continues from `resume` (a state after_chunk was given);
  /// `after_chunk` is called after every chunk of simulations but the last, and may throw to
  /// stop the run (Ctrl-C).
  const AbcState* resume = nullptr;
  std::function<void(const AbcState&)> after_chunk;
};

inline AbcConfig abc_config_from(const RunSettings& s, const AlgorithmOptions& o) {
  AbcConfig c;
  c.seed = s.seed;
  c.threads = s.threads;
  c.sims = abc_count_flag(o, "--sims", 10000, 1);
  c.adjust = abc_adjust_flag(o);
  c.model_statistics = abc_model_statistics_flag(o);
  if (o.given("--keep") && o.given("--epsilon")) throw InputError("--keep, --epsilon: give one of them, not both");
  if (o.given("--epsilon")) {
    c.epsilon = o.get_real("--epsilon", 0);
    if (!(c.epsilon > 0)) throw InputError("--epsilon: must be positive, found " + o.get_text("--epsilon", ""));
  } else {
    c.keep = abc_count_flag(o, "--keep", 1000, 1);
    if (!o.given("--keep") && c.keep > c.sims) c.keep = c.sims;
    if (c.keep > c.sims)
      throw InputError("--keep " + std::to_string(c.keep) + ": more than --sims " + std::to_string(c.sims) +
                       " (the K nearest of N simulations need K <= N)");
  }
  return c;
}

}  // namespace lockstep
