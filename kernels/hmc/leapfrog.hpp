#pragma once
// Leapfrog (Störmer-Verlet) integration of Hamilton's equations for
//   H(q, p) = -log pi(q) + 1/2 p^T M^-1 p
// (Neal 2011, "MCMC using Hamiltonian dynamics", section 2.3):
//   p <- p + eps/2 grad;  q <- q + eps M^-1 p;  grad <- grad log pi(q);  p <- p + eps/2 grad.
// Consecutive half steps in p are fused into one full step. One integrator for every sampler:
// static HMC and ChEES run it on SIMD blocks (views BlockView<W>, T = Batch<W>, per-chain
// eps), NUTS one step at a time on one chain (T = Real; eps negative: backward in time), under
// any metric of kernels/hmc/metric.hpp (drift q += eps M^-1 p). NaN and inf flow through
// untouched; the caller decides what a non-finite energy means (a divergence).
#include "kernels/core/config.hpp"
#include "kernels/hmc/metric.hpp"

namespace lockstep {
namespace hmc {

/// n_steps leapfrog steps from (q, p, grad); returns log pi at the final position (`logp` when
/// n_steps is 0).
template <class Model, class V, class Metric, class T>
LS_HD LS_INLINE T leapfrog(const Model& model, const typename Model::Data& data, int dim, V q, V p, V grad,
                           const Metric& metric, const T& eps, int n_steps, T logp) {
  const T half = eps * Real(0.5);
  LS_IVDEP
  for (int i = 0; i < dim; ++i) p[i] += half * grad[i];
  for (int l = 0; l < n_steps; ++l) {
    metric.drift(q, p, eps);
    logp = model.log_density_and_grad(data, q, grad);
    const T kick = l + 1 < n_steps ? eps : half;
    LS_IVDEP
    for (int i = 0; i < dim; ++i) p[i] += kick * grad[i];
  }
  return logp;
}

/// One leapfrog step of one chain (NUTS, the step-size heuristic).
template <class Model, class V, class Metric>
LS_HD LS_INLINE Real leapfrog_step(const Model& model, const typename Model::Data& data, int dim, V q, V p, V grad,
                                   const Metric& metric, Real eps) {
  return leapfrog(model, data, dim, q, p, grad, metric, eps, 1, Real(0));
}

}  // namespace hmc
}  // namespace lockstep
