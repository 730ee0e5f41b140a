#pragma once
// Options of ChEES-HMC (host/algorithms/chees/chees_sampler.hpp); one config struct with defaults
// (the settings every MCMC algorithm shares come from RunSettings).
#include "host/algorithms/chees/chees_adaptation.hpp"
#include "host/run/run_settings.hpp"
#include "kernels/chees/jitter.hpp"

namespace lockstep {

struct CheesConfig : RunSettings {
  /// At least 2 chains (adaptation is across chains; hundreds are better), and 200 warmup
  /// iterations, every one of which adapts (no windows).
  CheesConfig() {
    chains = 1024;
    warmup = 200;
  }
  double target_accept = adapt::kCheesTargetAccept;  // for the harmonic mean of acceptance
  double learning_rate = adapt::kCheesLearningRate;  // Adam on log T
  double adam_beta1 = adapt::kAdamBeta1;
  double adam_beta2 = adapt::kAdamBeta2;
  int max_leapfrog_steps = adapt::kCheesMaxLeapfrogSteps;
  chees::Jitter jitter = chees::Jitter::kHalton;  // h_t: Halton (paper) or uniform
  double init_step_size = 1.0;        // before Stan's heuristic (used as is when warmup = 0)
  double init_trajectory_length = 0;  // T before warmup; 0: the initial step size (one step)
  bool adapt_metric = true;           // diagonal metric from the cross-chain variance
  /// Warmup moves chains that stalled (diverged or were rejected kStallIterations times in a
  /// row) to other chains' states (host/algorithms/chees/stalled_chains.hpp).
  bool restart_stalled_chains = true;
};

/// What warmup chose (also in RunInfo: step size and metric per chain).
struct CheesAdapted {
  double step_size = 0;
  double trajectory_length = 0;
  double mean_leapfrog_steps = 0;  // expected steps per iteration after warmup, E[ceil(h T / eps)]
};

}  // namespace lockstep
