#pragma once
// Options of the NUTS sampler (one config struct with defaults, DESIGN.md habit 6). The
// field names shared with HmcConfig mean the same (host/run/hmc_driver.hpp reads them).
#include <cstdint>
#include <string>
#include <vector>

namespace lockstep {

struct NutsConfig {
  int chains = 4;
  int warmup = 1000;
  int draws = 1000;
  int thin = 1;
  std::uint64_t seed = 1;
  double target_accept = 0.8;   // dual averaging target (Stan's delta)
  int max_depth = 10;           // Stan's max_depth: at most 2^max_depth - 1 leapfrog steps
  std::string metric = "diag";  // "diag" or "dense" inverse metric from the warmup windows
  double init_step_size = 1.0;  // Stan's default stepsize before the heuristic
  bool adapt_metric = true;     // estimate the metric from Welford windows
  bool pool_adaptation = false; // pool step-size and metric statistics across chains
  bool save_warmup = false;
  double init_radius = 2.0;     // U(-r, r) on the unconstrained scale (Stan's default 2)
  /// Given initial values on the unconstrained scale: empty (random), one vector for every
  /// chain, or one per chain.
  std::vector<std::vector<double>> init_unconstrained;
  int threads = 0;              // CPU backend worker threads (0: all)
};

}  // namespace lockstep
