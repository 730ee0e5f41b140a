#pragma once
// Options of static HMC (one config struct with defaults; the settings every MCMC algorithm
// shares come from RunSettings).
#include "host/run/run_settings.hpp"

namespace lockstep {

struct HmcConfig : RunSettings {
  double target_accept = 0.8;    // dual averaging target (Stan's delta)
  int steps = 10;                // mean leapfrog steps per iteration
  bool jitter_steps = true;      // uniform on {1..2L-1}, shared by all chains
  double init_step_size = 1.0;   // Stan's default stepsize before the heuristic
  bool adapt_metric = true;      // diagonal inverse metric from Welford windows
  bool pool_adaptation = false;  // pool step-size and metric statistics across chains
};

}  // namespace lockstep
