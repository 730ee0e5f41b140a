#pragma once
// One static-HMC transition (Neal 2011, section 5.3.2) for a block of W chains that all take
// the same number of leapfrog steps — the lock-step that lets a block run in SIMD.
//
//   p ~ N(0, M);  (q', p') = leapfrog^L(q, p);  accept with prob min(1, exp(H(q,p) - H(q',p')))
//
// A transition is divergent when H' - H > kDivergenceThreshold or H' is not finite
// (Betancourt 2017, section 6.2; Stan's base_hmc); a divergent transition is rejected by
// construction (its acceptance probability is 0 or tiny) and counted, never fatal.
#include <cmath>
#include <cstdint>

#include "kernels/core/batch.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/hmc/chain_arrays.hpp"
#include "kernels/hmc/leapfrog.hpp"
#include "kernels/hmc/metric.hpp"
#include "kernels/hmc/momentum.hpp"

namespace lockstep {
namespace hmc {

constexpr double kDivergenceThreshold = 1000.0;  // Stan: max_deltaH

/// Per-chain outcome of one transition.
template <int W>
struct TransitionInfo {
  Real accept_stat[W];
  bool divergent[W];
  double energy[W];  // Hamiltonian at the state kept (double in either precision)
};

/// Acceptance probability min(1, exp(-dH)); 0 when dH is NaN.
LS_HD LS_INLINE double accept_probability(double delta_h) {
  if (!(delta_h == delta_h)) return 0.0;
  return delta_h <= 0 ? 1.0 : ::exp(-delta_h);
}

/// The energies and log densities of a proposal, per chain of the block. The energies are
/// double whatever Real is: their difference decides acceptance (docs/architecture.md).
template <int W>
struct Proposal {
  double h0[W], h1[W];    // H at the start and at the end of the trajectory
  Batch<W> logp0, logp1;  // log density at the start and at the end
};

/// h = 1/2 p^T M^-1 p - logp for each chain of a block, the kinetic energy's sum over the
/// dimension accumulated in double (with Real = float, a float sum of hundreds of terms and
/// the difference of two such energies would round the acceptance test; in double this is
/// the same arithmetic as DiagMetric::kinetic).
template <int W>
LS_HD LS_INLINE void hamiltonian(const DiagMetric<BlockView<W>>& metric, BlockView<W> p, const Batch<W>& logp,
                                 double (&h)[W]) {
  double k[W];
  for (int w = 0; w < W; ++w) k[w] = 0;
  for (int i = 0; i < metric.dim; ++i) {
    const Batch<W> mi = metric.minv[i], pi = p[i];
    for (int w = 0; w < W; ++w)
      k[w] += static_cast<double>(mi[w]) * static_cast<double>(pi[w]) * static_cast<double>(pi[w]);
  }
  for (int w = 0; w < W; ++w) h[w] = k[w] * 0.5 - static_cast<double>(logp[w]);
}

/// The first half of a transition: fresh momentum, the start (q0, grad0) saved, n_steps
/// leapfrog steps. (q, grad, p) then hold the proposal; logp is the proposal's.
template <class Model, int W>
LS_HD Proposal<W> propose(const Model& model, const typename Model::Data& data, const ChainArrays& s, int c0,
                          std::uint64_t seed, std::uint64_t iteration, int n_steps) {
  const int dim = s.dim;
  const BlockView<W> q = s.block<W>(s.q, c0), g = s.block<W>(s.grad, c0), p = s.block<W>(s.p, c0);
  const BlockView<W> q0 = s.block<W>(s.q0, c0), g0 = s.block<W>(s.grad0, c0);
  const BlockView<W> minv = s.block<W>(s.inv_metric, c0);
  const Batch<W> logp = Batch<W>::load(s.logp + c0);
  const Batch<W> eps = Batch<W>::load(s.step_size + c0);

  const DiagMetric<BlockView<W>> metric{minv, dim};
  draw_momentum_block<W>(seed, s.rng_key(c0), iteration, dim, p, minv);
  Proposal<W> r;
  hamiltonian(metric, p, logp, r.h0);
  for (int i = 0; i < dim; ++i) {
    q0[i] = q[i];
    g0[i] = g[i];
  }
  r.logp0 = logp;
  r.logp1 = leapfrog(model, data, dim, q, p, g, metric, eps, n_steps, logp);
  hamiltonian(metric, p, r.logp1, r.h1);
  return r;
}

/// The second half: each chain keeps the proposal with probability min(1, exp(-dH)), else
/// returns to (q0, grad0, logp0); info gets the acceptance probability, divergence and energy.
template <int W>
LS_HD void accept_or_reject(const ChainArrays& s, int c0, std::uint64_t seed, std::uint64_t iteration, int n_steps,
                            const Proposal<W>& r, TransitionInfo<W>& info) {
  const int dim = s.dim;
  const BlockView<W> q = s.block<W>(s.q, c0), g = s.block<W>(s.grad, c0);
  const BlockView<W> q0 = s.block<W>(s.q0, c0), g0 = s.block<W>(s.grad0, c0);
  Real* const logp = s.logp + c0;
  std::uint32_t ub[4][W];  // the accept uniforms of the W chains: uniform(rng_c, t, kAccept, 0)
  philox_block<W>(Rng::counter(seed, iteration, Stream::kAccept, 0), s.rng_key(c0),
                  static_cast<std::uint32_t>(seed), ub);
  for (int w = 0; w < W; ++w) {
    const int c = c0 + w;
    const double dh = r.h1[w] - r.h0[w];
    const double a = accept_probability(dh);
    info.divergent[w] = !(dh <= kDivergenceThreshold);
    info.accept_stat[w] = static_cast<Real>(a);
    const bool accept = uniform_open01(ub[0][w], ub[1][w]) < a;
    if (accept) {
      logp[w] = r.logp1[w];
      info.energy[w] = r.h1[w];
    } else {
      for (int i = 0; i < dim; ++i) {
        q[i][w] = q0[i][w];
        g[i][w] = g0[i][w];
      }
      logp[w] = r.logp0[w];
      info.energy[w] = r.h0[w];
    }
    s.grad_evals[c] += n_steps;
  }
}

template <class Model, int W>
LS_HD void hmc_transition(const Model& model, const typename Model::Data& data,
                          const ChainArrays& s, int c0, std::uint64_t seed, std::uint64_t iteration,
                          int n_steps, TransitionInfo<W>& info) {
  const Proposal<W> r = propose<Model, W>(model, data, s, c0, seed, iteration, n_steps);
  accept_or_reject<W>(s, c0, seed, iteration, n_steps, r, info);
}

}  // namespace hmc
}  // namespace lockstep
