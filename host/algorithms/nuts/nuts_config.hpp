#pragma once
// Options of the NUTS sampler (one config struct with defaults; the settings every MCMC
// algorithm shares come from RunSettings). The field names shared with HmcConfig mean the
// same (host/run/hmc_driver.hpp reads them).
#include <string>

#include "host/run/run_settings.hpp"

namespace lockstep {

struct NutsConfig : RunSettings {
  double target_accept = 0.8;    // dual averaging target (Stan's delta)
  int max_depth = 10;            // Stan's max_depth: at most 2^max_depth - 1 leapfrog steps
  std::string metric = "diag";   // "diag" or "dense" inverse metric from the warmup windows
  double init_step_size = 1.0;   // Stan's default stepsize before the heuristic
  bool adapt_metric = true;      // estimate the metric from Welford windows
  bool pool_adaptation = false;  // pool step-size and metric statistics across chains
  std::string gang = "auto";     // "on", "off", "auto": chains advance in gangs (nuts_gang.hpp)
};

}  // namespace lockstep
