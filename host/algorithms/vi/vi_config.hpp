#pragma once
// Options of variational inference (host/algorithms/vi/vi_fit.hpp) and what a run reports
// besides its draws (the ELBO trace, every fit's final ELBO, what stopped each fit).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "host/algorithms/vi/vi_convergence.hpp"
#include "host/algorithms/vi/vi_family.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"

namespace lockstep {

/// One row of the ELBO trace: fit, step, ELBO estimate, relative change (inf for the first).
struct ElboPoint {
  int fit = 0;
  int step = 0;
  double elbo = 0;
  double rel_change = 0;
};

/// What `run` reports besides the draws (filled when ViConfig::report is set).
struct ViReport {
  vi::Family family = vi::Family::kMeanField;
  int dim = 0;
  int best_fit = 0;                      // 0-based: the fit whose draws were written
  std::vector<double> final_elbo;        // per fit (NaN: failed)
  std::vector<int> steps_run;            // per fit
  std::vector<vi::Stop> stop;            // per fit
  std::vector<int> retries;              // per fit: restarts with a halved learning rate
  std::vector<double> final_learning_rate;  // per fit
  std::vector<std::vector<double>> theta;   // per fit: final parameters (vi_family.hpp layout)
  std::vector<ElboPoint> trace;          // every ELBO estimate of every fit
  unsigned long long gradient_evaluations = 0;  // log-density gradients, all lanes
  double optimize_seconds = 0;
  double draw_seconds = 0;
};

/// Where a vi run stands after a step (lockstep vi --checkpoint): every fit's optimizer state
/// packed by vi_fit.hpp (pack_fit), the ELBO trace and the gradient count; the points of step t
/// are keyed by (seed, fit, t), so a run resumed from it gives the bits of an uninterrupted one.
struct ViState {
  int step = 0;                          // steps completed
  std::vector<std::vector<double>> fits;  // per fit: pack_fit's numbers
  std::vector<ElboPoint> trace;
  unsigned long long gradient_evaluations = 0;
};

struct ViConfig {
  vi::Family family = vi::Family::kMeanField;
  int samples = 1;          // S: Monte Carlo points per gradient (Stan's grad_samples)
  int steps = 10000;        // step budget (Stan's iter)
  double learning_rate = 0.01;
  int fits = 4;             // K independent optimizations side by side (fits_agreement.hpp compares them)
  int draws = 1000;         // D draws of the best fit's approximation (Stan's output_samples)
  int eval_every = 100;     // steps between ELBO estimates (Stan's eval_elbo)
  int elbo_samples = 100;   // points per ELBO estimate (Stan's elbo_samples)
  double tol_rel_obj = 0.01;
  double init_radius = 2.0; // mu starts uniform(-R, R) (Stan's init default)
  double init_sd = 0.1;     // every sd starts here (NumPyro's AutoNormal init_scale; Stan: 1)
  /// Given starting means (unconstrained), for every fit; empty: random as above.
  std::vector<double> init_mean;
  std::uint64_t seed = 1;
  int threads = 0;
  ViReport* report = nullptr;  // where run() writes its report (may be null)
  /// Checkpoints: the run continues from `resume` (a state after_step was given) instead of
  /// from its starting points; `after_step` is called after every step the run goes on from,
  /// with the step and a function that builds the state (only when a checkpoint is written:
  /// packing every fit every step would cost more than a small model's step), and may throw to
  /// stop the run (Ctrl-C).
  const ViState* resume = nullptr;
  std::function<void(int step, const std::function<ViState()>& state)> after_step;
};

/// Adam's moments (Kingma & Ba 2015): b1 = 0.9, b2 = 0.999, eps = 1e-8, the paper's, PyTorch's,
/// NumPyro's and Optax's defaults; the learning rate is constant (no decay, as the seeds' TFP run).
constexpr double kViAdamBeta1 = 0.9;
constexpr double kViAdamBeta2 = 0.999;
constexpr double kViAdamEpsilon = 1e-8;
/// A fit whose gradient or ELBO estimate is not finite goes back to its last good point with
/// half the learning rate (Stan's ADVI also shrinks its step size); after this many retries
/// the fit fails.
constexpr int kViMaxRetries = 5;

/// The config from the common settings (seed, threads) and the vi flags; InputError naming
/// the flag for a bad value.
ViConfig vi_config_from(const RunSettings& settings, const AlgorithmOptions& o);

}  // namespace lockstep
