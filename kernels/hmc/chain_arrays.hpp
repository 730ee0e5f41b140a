#pragma once
// ChainArrays: raw pointers to the structure-of-arrays state of all chains of an HMC-family
// sampler. Vectors are parameter-major: element i of chain c at x[i * n_pad + c]; scalars
// at x[c]. The host allocates (host/run/hmc_buffers.hpp); kernels only index.
#include <cstdint>

#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/strided.hpp"

namespace lockstep {
namespace hmc {

struct ChainArrays {
  int dim = 0;    // unconstrained dimension
  int n_pad = 0;  // chain count padded to whole lanes (the stride)
  Real* q = nullptr;           // position                      [dim][n_pad]
  Real* grad = nullptr;        // gradient of log density at q  [dim][n_pad]
  Real* p = nullptr;           // momentum                      [dim][n_pad]
  Real* q0 = nullptr;          // start of the trajectory       [dim][n_pad]
  Real* grad0 = nullptr;       //                               [dim][n_pad]
  Real* inv_metric = nullptr;  // diagonal inverse metric M^-1  [dim][n_pad]
  Real* logp = nullptr;        // log density at q              [n_pad]
  Real* step_size = nullptr;   //                               [n_pad]
  double* grad_evals = nullptr;  // gradient evaluations so far [n_pad]
  /// The run's index of chain 0 here: a run split over MPI ranks (host/parallel/) gives each
  /// rank a range of chains, and chain c of this rank is chain first_chain + c of the run. The
  /// random streams are keyed by the run's index (rng_key), so the draws of a chain do not
  /// depend on how the chains are split.
  std::uint32_t first_chain = 0;
  LS_HD std::uint32_t rng_key(int c) const { return first_chain + static_cast<std::uint32_t>(c); }

  template <int W>
  LS_HD BlockView<W> block(Real* base, int c0) const {
    return BlockView<W>{base + c0, n_pad};
  }
  LS_HD Strided<Real> chain(Real* base, int c) const { return Strided<Real>{base + c, n_pad}; }
};

}  // namespace hmc
}  // namespace lockstep
