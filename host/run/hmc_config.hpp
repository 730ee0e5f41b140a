#pragma once
// Options of the HMC-family samplers (one config struct with defaults, DESIGN.md habit 6).
#include <cstdint>
#include <string>
#include <vector>

namespace lockstep {

struct HmcConfig {
  int chains = 4;
  int warmup = 1000;
  int draws = 1000;
  int thin = 1;
  std::uint64_t seed = 1;
  double target_accept = 0.8;  // dual averaging target (Stan's delta)
  int steps = 10;              // mean leapfrog steps per iteration (static HMC)
  bool jitter_steps = true;    // uniform on {1..2L-1}, shared by all chains
  double init_step_size = 1.0; // Stan's default stepsize before the heuristic
  bool adapt_metric = true;    // diagonal inverse metric from Welford windows
  bool pool_adaptation = false;  // pool step-size and metric statistics across chains
  bool save_warmup = false;
  double init_radius = 2.0;    // U(-r, r) on the unconstrained scale (Stan's default 2)
  /// Given initial values on the unconstrained scale: empty (random), one vector for every
  /// chain, or one per chain.
  std::vector<std::vector<double>> init_unconstrained;
  int threads = 0;             // CPU backend worker threads (0: all)
};

}  // namespace lockstep
