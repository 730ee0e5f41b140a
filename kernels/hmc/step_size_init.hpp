#pragma once
// Stan's step-size initialization heuristic (stan/mcmc/hmc/base_hmc.hpp, init_stepsize;
// Hoffman & Gelman 2014, algorithm 4): from the current position, take one leapfrog step with
// fresh momentum; double the step size while exp(H0 - H) > 0.8, or halve it while it is
// below, until the acceptance crosses 0.8. Runs on one chain (scalar views) under any metric
// of kernels/hmc/metric.hpp (diagonal by default); restores the chain's position, gradient
// and log density when done.
#include <cmath>
#include <cstdint>

#include "kernels/core/philox.hpp"
#include "kernels/hmc/chain_arrays.hpp"
#include "kernels/hmc/leapfrog.hpp"
#include "kernels/hmc/metric.hpp"

namespace lockstep {
namespace hmc {

constexpr double kStepSizeInitAccept = 0.8;  // Stan's base_hmc::init_stepsize
constexpr double kStepSizeMax = 1e7;
constexpr int kStepSizeInitMaxTrials = 100;  // Stan loops unboundedly; we stop and keep eps

template <class Model, class Metric>
LS_HD double init_step_size(const Model& model, const typename Model::Data& data,
                            const ChainArrays& s, int c, std::uint64_t seed, std::uint64_t iteration,
                            double eps, const Metric& metric) {
  if (!(eps > 0) || eps > kStepSizeMax) return eps;
  const int dim = s.dim;
  const Strided<Real> q = s.chain(s.q, c), g = s.chain(s.grad, c), p = s.chain(s.p, c);
  const Strided<Real> q0 = s.chain(s.q0, c), g0 = s.chain(s.grad0, c);
  const Real logp0 = s.logp[c];
  for (int i = 0; i < dim; ++i) {
    q0[i] = q[i];
    g0[i] = g[i];
  }
  const Rng rng{seed, s.rng_key(c)};
  const std::uint32_t pairs = static_cast<std::uint32_t>((dim + 1) / 2);
  const double log_target = ::log(kStepSizeInitAccept);
  int direction = 0;
  for (int trial = 0; trial < kStepSizeInitMaxTrials; ++trial) {
    for (int i = 0; i < dim; ++i) {
      q[i] = q0[i];
      g[i] = g0[i];
    }
    metric.draw(rng, iteration, Stream::kStepSizeInit, static_cast<std::uint32_t>(trial) * pairs, p);
    const double h0 = static_cast<double>(metric.kinetic(p)) - logp0;
    const Real logp1 = leapfrog_step(model, data, dim, q, p, g, metric, static_cast<Real>(eps));
    s.grad_evals[c] += 1;
    double h = static_cast<double>(metric.kinetic(p)) - static_cast<double>(logp1);
    if (!(h == h)) h = INFINITY;
    const double delta_h = h0 - h;
    if (direction == 0) direction = delta_h > log_target ? 1 : -1;
    if (direction == 1 && !(delta_h > log_target)) break;
    if (direction == -1 && !(delta_h < log_target)) break;
    const double next = direction == 1 ? 2 * eps : 0.5 * eps;
    if (next > kStepSizeMax || next < 1e-300) break;
    eps = next;
  }
  for (int i = 0; i < dim; ++i) {
    q[i] = q0[i];
    g[i] = g0[i];
  }
  s.logp[c] = logp0;
  return eps;
}

/// The heuristic under the chain's diagonal metric (ChainArrays::inv_metric).
template <class Model>
LS_HD double init_step_size(const Model& model, const typename Model::Data& data,
                            const ChainArrays& s, int c, std::uint64_t seed, std::uint64_t iteration,
                            double eps) {
  return init_step_size(model, data, s, c, seed, iteration, eps, DiagMetricOf{}(s, c));
}

}  // namespace hmc
}  // namespace lockstep
