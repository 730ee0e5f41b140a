#pragma once
// Cross-chain adaptation of ChEES-HMC (Hoffman, Radul & Sountsov 2021, "An adaptive MCMC
// scheme for setting trajectory lengths in Hamiltonian Monte Carlo", AISTATS, algorithm 1),
// as (init, update) over statistics reduced across chains, with fixed-shape sums
// (host/backend/tree_sum.hpp) so that results never depend on the thread count.
//
// Trajectory length T (section 3): maximize the Change in the Estimator of the Expected
// Square,  ChEES = 1/4 E[(|q' - E q|^2 - |q - E q|^2)^2],  by Adam on log T. With the jitter
// h (the trajectory runs for time t = h T) and q' moving with velocity v' = M^-1 p', the
// per-chain gradient with respect to log T is (section 3.2, eq. for g-hat)
//
//   g_c = h T (|q'_c - mean(q')|^2 - |q_c - mean(q)|^2) (q'_c - mean(q')) . v'_c
//
// averaged over chains with weights a_c, the acceptance probabilities (divergent chains
// excluded; as TFP, chains with a_c < 1e-4 add no gradient). mean(q) is the plain mean of the
// starting points, mean(q') the acceptance-weighted mean of the proposals. The Adam update is
// clipped to +-0.35 (about log(2)/2, TFP) and T to [eps, max_steps eps]; the final T is the
// iterate average exp(avg log T) with weights t^-0.5 (TFP).
//
// Step size (section 3.3): dual averaging (kernels/adapt/dual_averaging.hpp, Stan's constants)
// of the HARMONIC mean of acceptance across non-divergent chains toward 0.651 (the optimal
// acceptance of HMC in high dimension, Beskos et al. 2013); the harmonic mean is dominated by
// the worst chains, so one step size suits all of them. The final step size is exp(x_bar).
//
// Metric: the diagonal inverse metric is the cross-chain variance of the current states
// (regularized as Stan's: (n/(n+5)) var + 1e-3 * 5/(n+5) with n = chains), recomputed every
// warmup iteration.
#include <algorithm>
#include <cmath>
#include <vector>

#include "host/adapt/adam.hpp"
#include "host/run/chain_sums.hpp"
#include "kernels/chees/chees_segment.hpp"
#include "kernels/adapt/dual_averaging.hpp"
#include "kernels/core/config.hpp"

namespace lockstep {
namespace adapt {

constexpr double kCheesTargetAccept = 0.651;   // Hoffman et al. 2021, sec 3.3 (Beskos et al. 2013)
constexpr double kCheesLearningRate = 0.025;   // Hoffman et al. 2021, sec 4
constexpr double kCheesLogUpdateClip = 0.35;   // TFP: |Delta log T| <= ~log(2)/2 per iteration
constexpr double kCheesAveragingDecay = 0.5;   // TFP: iterate averaging weight t^-0.5
constexpr double kCheesMinAccept = 1e-4;       // TFP: smaller acceptance adds no gradient
constexpr int kCheesMaxLeapfrogSteps = 1000;   // TFP and BlackJAX default

/// What one warmup iteration's cross-chain reductions give the adaptation.
struct CheesStatistics {
  double harmonic_accept = 0;          // n_ok / sum 1/a_c over non-divergent chains (0 if none, or a_c = 0)
  double gradient = 0;                 // the ChEES gradient with respect to log T (0 without weight)
  std::vector<double> inverse_metric;  // regularized cross-chain variance of the new states
  unsigned long long bytes_to_host = 0, bytes_to_device = 0;  // what crossed (O(dim))
};

/// The three statistics from the iteration's record ON THE BACKEND (`rec` and `weights`
/// [n_chains] are device arrays, vectors [dim][stride]), reduced there with fixed-shape sums
/// (host/run/chain_sums.hpp, kernels/chees/chees_statistics.hpp; over every rank's chains when
/// the run is split over MPI ranks): the same bits on
/// the CPU and a GPU; only 3 + 3 dim and 1 + dim sums come back, 3 dim means go down.
/// `jittered_length` is h T of the iteration.
CheesStatistics chees_statistics(ChainSums& sums, const chees::ProposalArrays& rec, double* weights,
                                 int dim, int n_chains, int stride, double jittered_length);

/// The same from host arrays (copied to the backend first): for tests and tools.
CheesStatistics chees_statistics_of_host_arrays(int dim, int n_chains, int stride, const Real* q_start,
                                                const Real* q_end, const Real* q_prop, const Real* v_prop,
                                                const Real* accept, const Real* divergent, double jittered_length);

/// Harmonic mean of the acceptance probabilities of the non-divergent chains among the first
/// n_chains (host arrays): n_ok / sum 1/a_c (0 if a chain has a_c = 0 or none is non-divergent).
double harmonic_mean_accept(const Real* accept, const Real* divergent, int n_chains);

/// The ChEES gradient with respect to log T (see the file comment) for the first n_chains
/// chains (host arrays; vectors [dim][stride]). Returns 0 when no chain has weight.
double chees_gradient(int dim, int n_chains, int stride, const Real* q0, const Real* q_prop, const Real* v_prop,
                      const Real* accept, const Real* divergent, double jittered_length);

/// Regularized cross-chain variance of each coordinate of q ([dim][stride], first n_chains
/// chains; host array), two-pass, for the diagonal inverse metric.
std::vector<double> cross_chain_variance(int dim, int n_chains, int stride, const Real* q);

struct CheesState {
  DualAveragingState da;
  AdamState adam;
  double step_size = 1;
  double log_length = 0;      // log T used by the next iteration
  double log_length_bar = 0;  // iterate average of log T
  double counter = 0;         // updates so far
};

struct CheesAdaptation {
  DualAveraging dual_averaging{kCheesTargetAccept};
  Adam adam{kCheesLearningRate};
  double log_update_clip = kCheesLogUpdateClip;
  double averaging_decay = kCheesAveragingDecay;
  int max_steps = kCheesMaxLeapfrogSteps;

  /// Start from step size eps0 and trajectory length T0 (clipped to [eps0, max_steps eps0]).
  void init(CheesState& s, double eps0, double length0) const {
    s = CheesState{};
    DualAveraging::restart(s.da, eps0);
    s.step_size = eps0;
    s.log_length = std::log(clip_length(length0, eps0));
    s.log_length_bar = s.log_length;
  }

  /// One warmup update from the iteration's harmonic-mean acceptance and ChEES gradient.
  /// Non-finite results leave the corresponding parameter unchanged.
  void update(CheesState& s, double harmonic_accept, double gradient) const {
    DualAveragingState da = s.da;
    const double eps = dual_averaging.update(da, std::isfinite(harmonic_accept) ? harmonic_accept : 0.0);
    if (std::isfinite(eps) && eps > 0) {
      s.da = da;
      s.step_size = eps;
    }
    if (std::isfinite(gradient)) {
      AdamState st = s.adam;
      const double step = adam.step(st, gradient);
      if (std::isfinite(step)) {
        s.adam = st;
        s.log_length += std::max(-log_update_clip, std::min(log_update_clip, step));
      }
    }
    s.log_length = std::log(clip_length(std::exp(s.log_length), s.step_size));
    s.counter += 1;
    const double w = std::pow(s.counter, -averaging_decay);
    s.log_length_bar = w * s.log_length + (1 - w) * s.log_length_bar;
  }

  /// Step size after warmup: exp(x_bar) of dual averaging (the current one if never updated).
  double final_step_size(const CheesState& s) const {
    return s.da.counter > 0 ? DualAveraging::final_step_size(s.da) : s.step_size;
  }
  /// Trajectory length after warmup: exp(average log T), clipped for the final step size.
  double final_trajectory_length(const CheesState& s) const {
    return clip_length(std::exp(s.log_length_bar), final_step_size(s));
  }
  double clip_length(double length, double eps) const {
    if (!(length > eps)) return eps;
    return std::min(length, max_steps * eps);
  }
};

}  // namespace adapt
}  // namespace lockstep
