#pragma once
// EnsembleArrays: raw pointers to the structure-of-arrays state of n_ensembles independent
// ensembles of n_walkers walkers each. Walker g = e * n_walkers + k (ensemble e, member k)
// is one output chain. Vectors are parameter-major: coordinate p of walker g at
// x[p * n_pad + g]. The host allocates (host/algorithms/ensemble/ensemble_sampler.hpp); kernels only index.
//
// A half-step works on "half positions" j = e * (n_walkers / 2) + i, i < n_walkers / 2: the
// i-th walker of ensemble e's half being updated. Proposals are staged parameter-major by
// half position (prop[p * half_pad + j]) so that a lane of W consecutive half positions
// evaluates the model on one BlockView<W> (T = Batch<W>), whichever walkers they are.
#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/strided.hpp"

namespace lockstep {
namespace ensemble {

struct EnsembleArrays {
  int dim = 0;          // parameters per walker
  int n_walkers = 0;    // per ensemble (even)
  int n_ensembles = 0;
  int n_pad = 0;        // n_ensembles * n_walkers padded to whole lanes (the stride of x)
  int half_pad = 0;     // n_ensembles * n_walkers / 2 padded to whole lanes (stride of prop)
  Real* x = nullptr;          // positions            [dim][n_pad]
  Real* lp = nullptr;         // log density at x     [n_pad]
  Real* prop = nullptr;       // staged proposals     [dim][half_pad]
  Real* walk_chol = nullptr;  // walk move: Cholesky factor of the complement covariance
                              //                      [n_ensembles][dim][dim]
  Real* walk_mean = nullptr;  // walk move: complement mean          [n_ensembles][dim]
  double* n_accepted = nullptr;  // proposals each walker accepted, every step (emcee's naccepted)
                                 //                   [n_pad]; null: not counted

  LS_HD int half() const { return n_walkers / 2; }
  LS_HD int n_half_positions() const { return n_ensembles * (n_walkers / 2); }
  LS_HD int n_total() const { return n_ensembles * n_walkers; }
};

/// Where a half-step writes the draws of a saved step: quantity-major [q][chain][draw], as
/// DrawSet (chain = walker id), or, with `chunk`, a staging buffer of n_draws saved steps
/// [q][draw][walker] (host/algorithms/ensemble/ensemble_sampler.hpp copies each chunk out).
/// In the CPU shape a half-step's lanes visit their walkers in id order (sorted_halves.hpp),
/// so each thread writes a contiguous range of a row's walkers.
struct EnsembleDrawTarget {
  double* values = nullptr;  // [dim][n_chains][n_draws], or chunk [dim][n_draws][n_chains]
  double* stats = nullptr;   // [kEnsembleStats][n_chains][n_draws], or chunk [..][n_draws][n_chains]
  int n_chains = 0;
  int n_draws = 0;
  bool save = false;         // this step is saved
  int draw = 0;              // its draw index
  bool chunk = false;        // a staging buffer of n_draws saved steps, rows by walker

  /// Where this step's draw of quantity (or statistic) k of walker g lives. 64-bit.
  LS_HD Index at(int k, int g) const {
    return chunk ? (static_cast<Index>(k) * n_draws + draw) * n_chains + g : draw_offset(k, g, draw, n_chains, n_draws);
  }
};

/// Column order of the ensemble's sampler statistics.
enum EnsembleStat : int { kStatLp = 0, kStatAccepted, kEnsembleStats };

}  // namespace ensemble
}  // namespace lockstep
