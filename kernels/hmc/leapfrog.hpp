#pragma once
// Leapfrog (Störmer-Verlet) integration of Hamilton's equations for
//   H(q, p) = -log pi(q) + 1/2 p^T M^-1 p,   M^-1 diagonal
// (Neal 2011, "MCMC using Hamiltonian dynamics", section 2.3):
//   p <- p + eps/2 grad;  q <- q + eps M^-1 p;  grad <- grad log pi(q);  p <- p + eps/2 grad.
// Consecutive half steps in p are fused into one full step. T is Real or Batch<W>; eps is
// per chain. Returns log pi at the final position; NaN and inf flow through untouched.
#include "kernels/core/config.hpp"

namespace lockstep {
namespace hmc {

template <class Model, class V, class T>
LS_HD LS_INLINE T leapfrog(const Model& model, const typename Model::Data& data, int dim, V q, V p,
                           V grad, V inv_metric, const T& eps, int n_steps, T logp) {
  const T half = eps * Real(0.5);
  for (int i = 0; i < dim; ++i) p[i] += half * grad[i];
  for (int l = 0; l < n_steps; ++l) {
    for (int i = 0; i < dim; ++i) q[i] += eps * inv_metric[i] * p[i];
    logp = model.log_density_and_grad(data, q, grad);
    const T kick = l + 1 < n_steps ? eps : half;
    for (int i = 0; i < dim; ++i) p[i] += kick * grad[i];
  }
  return logp;
}

/// Kinetic energy 1/2 p^T M^-1 p.
template <class V, class T = typename V::value_type>
LS_HD LS_INLINE T kinetic_energy(int dim, V p, V inv_metric) {
  T k = Real(0);
  for (int i = 0; i < dim; ++i) k += inv_metric[i] * p[i] * p[i];
  return k * Real(0.5);
}

}  // namespace hmc
}  // namespace lockstep
