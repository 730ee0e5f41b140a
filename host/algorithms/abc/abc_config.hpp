#pragma once
// Rejection ABC's settings (`lockstep abc`): N prior simulations, keep the K nearest or all
// within epsilon.
#include <cmath>
#include <cstdint>
#include <string>

#include "host/algorithms/abc/abc_common.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {

struct AbcConfig {
  std::uint64_t seed = 0;
  int threads = 0;
  std::int64_t sims = 0;   // N
  std::int64_t keep = 0;   // K > 0, or 0 with epsilon
  double epsilon = NAN;    // when keep == 0
  AbcResult* result = nullptr;  // filled by the run when given
};

inline AbcConfig abc_config_from(const RunSettings& s, const AlgorithmOptions& o) {
  AbcConfig c;
  c.seed = s.seed;
  c.threads = s.threads;
  c.sims = abc_count_flag(o, "--sims", 10000, 1);
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
