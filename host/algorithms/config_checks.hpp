#pragma once
// Every MCMC sampler config checked in one place, for the library and the command alike: the
// samplers (sample_hmc, sample_nuts, sample_chees) call check_config first, so a library user
// gets the same one-line InputError that `lockstep sample` prints, naming the command's flag
// (or, for a setting with no flag, the config field).
// Values a sampler would silently misuse are refused here: a step size <= 0 (log(0) in dual
// averaging), an initial radius <= 0 (every chain would start at the same point, so R-hat could
// not see a stuck run: give --init values for a fixed start), a target acceptance outside (0, 1).
#include <cmath>
#include <cstdio>
#include <string>

#include "host/algorithms/chees/chees_config.hpp"
#include "host/algorithms/hmc/hmc_config.hpp"
#include "host/algorithms/nuts/nuts_config.hpp"
#include "host/backend/lanes.hpp"
#include "kernels/nuts/nuts_transition.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace config_checks {

inline std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

inline void positive_finite(double x, const char* flag) {
  if (!(x > 0) || !std::isfinite(x)) throw InputError(std::string(flag) + ": must be a positive finite number, found " + number(x));
}

inline void open_unit(double x, const char* flag) {
  if (!(x > 0 && x < 1)) throw InputError(std::string(flag) + ": must be strictly between 0 and 1, found " + number(x));
}

}  // namespace config_checks

/// What every MCMC algorithm shares (chains, iterations, thinning, initial values, threads).
inline void check_config(const RunSettings& cfg) {
  if (cfg.chains < 1) throw InputError("--chains: must be at least 1, found " + std::to_string(cfg.chains));
  if (cfg.warmup < 0) throw InputError("--warmup: must not be negative, found " + std::to_string(cfg.warmup));
  if (cfg.draws < 1) throw InputError("--draws: must be at least 1, found " + std::to_string(cfg.draws));
  if (cfg.thin < 1) throw InputError("--thin: must be at least 1, found " + std::to_string(cfg.thin));
  backend::check_threads(cfg.threads);
  if (cfg.init_unconstrained.empty()) config_checks::positive_finite(cfg.init_radius, "--init");
  const std::size_t given = cfg.init_unconstrained.size();
  if (given > 1 && given != static_cast<std::size_t>(cfg.chains))
    throw InputError("--init: expected initial values for 1 or " + std::to_string(cfg.chains) + " chains, found " +
                     std::to_string(given));
  for (const auto& v : cfg.init_unconstrained)
    for (double x : v)
      if (!std::isfinite(x)) throw InputError("--init: an initial value is not finite on the unconstrained scale");
}

/// Static HMC.
inline void check_config(const HmcConfig& cfg) {
  check_config(static_cast<const RunSettings&>(cfg));
  config_checks::open_unit(cfg.target_accept, "--target-accept");
  if (cfg.steps < 1) throw InputError("--steps: must be at least 1, found " + std::to_string(cfg.steps));
  config_checks::positive_finite(cfg.init_step_size, "--step-size");
}

/// NUTS.
inline void check_config(const NutsConfig& cfg) {
  check_config(static_cast<const RunSettings&>(cfg));
  if (cfg.metric != "diag" && cfg.metric != "dense")
    throw InputError("--metric: '" + cfg.metric + "' is not one of: diag, dense");
  if (cfg.max_depth < 1 || cfg.max_depth > nuts::kMaxDepthLimit)
    throw InputError("--max-depth: must be between 1 and " + std::to_string(nuts::kMaxDepthLimit) + ", found " +
                     std::to_string(cfg.max_depth));
  config_checks::open_unit(cfg.target_accept, "--target-accept");
  config_checks::positive_finite(cfg.init_step_size, "--step-size");
}

/// ChEES-HMC (adaptation is across chains: at least 2 when it adapts).
inline void check_config(const CheesConfig& cfg) {
  check_config(static_cast<const RunSettings&>(cfg));
  // all_chains(): over MPI ranks the run's chains, not this rank's share (a rank may hold one)
  if (cfg.warmup > 0 && cfg.all_chains() < 2)
    throw InputError("--chains: ChEES-HMC adapts across chains and needs at least 2 chains, found " +
                     std::to_string(cfg.all_chains()));
  config_checks::open_unit(cfg.target_accept, "--target-accept");
  config_checks::positive_finite(cfg.learning_rate, "CheesConfig::learning_rate");
  if (!(cfg.adam_beta1 >= 0 && cfg.adam_beta1 < 1) || !(cfg.adam_beta2 >= 0 && cfg.adam_beta2 < 1))
    throw InputError("CheesConfig::adam_beta1/adam_beta2: Adam's decay rates must be in [0, 1)");
  if (cfg.max_leapfrog_steps < 1)
    throw InputError("--max-leapfrog-steps: must be at least 1, found " + std::to_string(cfg.max_leapfrog_steps));
  config_checks::positive_finite(cfg.init_step_size, "--step-size");
  if (!(cfg.init_trajectory_length >= 0) || !std::isfinite(cfg.init_trajectory_length))
    throw InputError("CheesConfig::init_trajectory_length: must be a finite number >= 0, found " +
                     config_checks::number(cfg.init_trajectory_length));
}

}  // namespace lockstep
