#pragma once
// Per-chain (scalar) kernels of the warmup: initial values and the metric update at the end
// of a slow window. They run once per chain, rarely, so they use one-chain views.
#include <cmath>
#include <cstdint>

#include "kernels/adapt/dual_averaging.hpp"
#include "kernels/core/lane_data.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/hmc/chain_arrays.hpp"
#include "kernels/hmc/hmc_segment.hpp"
#include "kernels/hmc/metric.hpp"
#include "kernels/hmc/step_size_init.hpp"

namespace lockstep {
namespace hmc {

constexpr int kInitAttempts = 100;  // Stan: MAX_INIT_TRIES

/// Draws q ~ U(-radius, radius) on the unconstrained scale until log density and gradient
/// are finite (Stan's default initialization), or evaluates the given q when radius <= 0.
/// Writes status[c] = attempts used, or -1 if none gave a finite density.
template <class Model>
struct InitChains {
  Model model;
  typename Model::Data data;
  ChainArrays s;
  std::uint64_t seed = 0;
  double radius = 2.0;
  int* status = nullptr;

  LS_HD void operator()(int c) const {
    const Strided<Real> q = s.chain(s.q, c), g = s.chain(s.grad, c);
    const Rng rng{seed, s.rng_key(c)};
    const int attempts = radius > 0 ? kInitAttempts : 1;
    status[c] = -1;
    for (int a = 0; a < attempts; ++a) {
      if (radius > 0)
        for (int i = 0; i < s.dim; ++i)
          q[i] = static_cast<Real>(
              radius * (2 * uniform(rng, 0, Stream::kInit,
                                    static_cast<std::uint32_t>(a * s.dim + i)) -
                        1));
      const Real lp = lane_model(model).log_density_and_grad(lane_data(model, data, c), q, g);
      s.grad_evals[c] += 1;
      bool finite = lp == lp && lp > -INFINITY && lp < INFINITY;
      for (int i = 0; i < s.dim; ++i) finite = finite && g[i] == g[i] && ::fabs(g[i]) < INFINITY;
      if (finite) {
        s.logp[c] = lp;
        status[c] = a + 1;
        return;
      }
    }
  }
};

/// Regularized variance estimate Stan uses for the diagonal metric
/// (stan/mcmc/var_adaptation.hpp): (n/(n+5)) var + 1e-3 * 5/(n+5).
LS_HD LS_INLINE double regularized_variance(double var, double n) {
  return (n / (n + 5.0)) * var + 1e-3 * (5.0 / (n + 5.0));
}

/// End of a slow window, per chain: set the inverse metric (from this chain's Welford sums,
/// or from `pooled` when not null), reset the window, re-initialize the step size and
/// restart dual averaging at mu = log(10 eps). With a dense metric (MetricOf =
/// DenseMetricOf) the host has already set the metric from the window's covariance and this
/// kernel only resets the diagonal sums and re-initializes the step size under that metric.
template <class Model, class MetricOf = DiagMetricOf>
struct EndWindow {
  Model model;
  typename Model::Data data;
  ChainArrays s;
  AdaptArrays adapt;
  std::uint64_t seed = 0;
  std::uint64_t iteration = 0;
  double n = 0;                   // samples in the window
  const Real* pooled = nullptr;   // [dim] pooled inverse metric, or null for per chain
  bool update_metric = true;
  MetricOf metric_of{};            // the metric the step-size heuristic runs under

  LS_HD void operator()(int c) const {
    for (int i = 0; i < s.dim; ++i) {
      const Index k = soa_index(i, c, s.n_pad);
      if (update_metric && !MetricOf::kDense) {
        const double var = adapt.welford_m2[k] / (n - 1.0);
        s.inv_metric[k] = pooled ? pooled[i] : static_cast<Real>(regularized_variance(var, n));
      }
      adapt.welford_mean[k] = 0;
      adapt.welford_m2[k] = 0;
    }
    const double eps =
        init_step_size(lane_model(model), lane_data(model, data, c), s, c, seed, iteration, s.step_size[c], metric_of(s, c));
    s.step_size[c] = static_cast<Real>(eps);
    adapt::DualAveragingState st;
    adapt::DualAveraging::restart(st, eps);
    adapt.store_dual_averaging(c, st);
  }
};

/// After warmup with per-chain adaptation: step size <- exp(x_bar).
struct FinishStepSize {
  ChainArrays s;
  AdaptArrays adapt;
  LS_HD void operator()(int c) const {
    const adapt::DualAveragingState st = adapt.dual_averaging(c);
    if (st.counter > 0) s.step_size[c] = static_cast<Real>(adapt::DualAveraging::final_step_size(st));
  }
};

}  // namespace hmc
}  // namespace lockstep
