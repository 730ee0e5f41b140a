#pragma once
// Options of ChEES-HMC (host/run/chees_sampler.hpp); one config struct with defaults
// (DESIGN.md habit 6). Field names shared with HmcConfig mean the same.
#include <cstdint>
#include <string>
#include <vector>

#include "host/adapt/chees_adaptation.hpp"
#include "kernels/chees/jitter.hpp"

namespace lockstep {

struct CheesConfig {
  int chains = 1024;            // at least 2: adaptation is across chains
  int warmup = 200;             // every warmup iteration adapts (no windows)
  int draws = 1000;
  int thin = 1;
  std::uint64_t seed = 1;
  double target_accept = adapt::kCheesTargetAccept;  // for the harmonic mean of acceptance
  double learning_rate = adapt::kCheesLearningRate;  // Adam on log T
  double adam_beta1 = adapt::kAdamBeta1;
  double adam_beta2 = adapt::kAdamBeta2;
  int max_leapfrog_steps = adapt::kCheesMaxLeapfrogSteps;
  chees::Jitter jitter = chees::Jitter::kHalton;  // h_t: Halton (paper) or uniform
  double init_step_size = 1.0;        // before Stan's heuristic (used as is when warmup = 0)
  double init_trajectory_length = 0;  // T before warmup; 0: the initial step size (one step)
  bool adapt_metric = true;           // diagonal metric from the cross-chain variance
  bool save_warmup = false;
  double init_radius = 2.0;           // U(-r, r) on the unconstrained scale
  std::vector<std::vector<double>> init_unconstrained;  // empty, one vector, or one per chain
  int threads = 0;                    // CPU backend worker threads (0: all)
};

/// What warmup chose (also in RunInfo: step size and metric per chain).
struct CheesAdapted {
  double step_size = 0;
  double trajectory_length = 0;
  double mean_leapfrog_steps = 0;  // expected steps per iteration after warmup, E[ceil(h T / eps)]
};

}  // namespace lockstep
