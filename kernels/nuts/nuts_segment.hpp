#pragma once
// A stretch of NUTS iterations run by one lane — ONE chain (W = 1, scalar views) — without
// meeting any other lane: each iteration draws a momentum, runs a transition
// (nuts_transition.hpp) and then, during warmup, the chain's own dual-averaging step and
// Welford update (diagonal or dense); draws go straight into the run's [quantity][chain][draw]
// arrays. The host cuts segments only where adaptation needs cross-chain statistics (window
// ends; every iteration when step-size adaptation is pooled), at the warmup/sampling boundary
// and every kSegmentIterations for progress reports. The scratch layout is the backend's
// (nuts_arrays.hpp: coalesced on CUDA; lane-local on the CPU, where the chain's q, grad and
// diagonal metric are copied into the lane at the segment start and q, grad back at its end).
//
// Design note — why the chains do not wait for each other, and what a GPU warp still costs.
// vmap'd NUTS (NumPyro/BlackJAX over a batch of chains) runs every chain's tree builder in
// lock-step: each iteration ends with an implicit barrier, so every iteration costs the
// SLOWEST chain's trajectory, E[max_c L_c], which for C chains grows with C (tree depths
// differ by factors of 2 between chains and iterations). Here a lane runs its own chain for
// a whole segment of S iterations and lanes meet only at the segment end. On the CPU backend
// lanes are independent OpenMP work items, so there is no waiting at all inside a segment.
// On a GPU the 32 lanes of a warp share an instruction stream: a warp finishes a segment
// after max over its lanes of sum_{s=1..S} L_{c,s} leapfrog steps. With per-iteration costs
// of mean mu and sd sigma (roughly independent across iterations), a lane's segment total has
// mean S mu and sd sigma sqrt(S), and the expected maximum of 32 such totals is about
// S mu + 2.07 sigma sqrt(S) (2.07 = expected maximum of 32 standard normals): the warp's
// relative excess over the mean work is ~2.07 (sigma/mu) / sqrt(S), shrinking like
// 1/sqrt(S) — for sigma/mu = 1, ~29% at S = 50 and ~9% at S = 500 — where lock-step NUTS
// pays E[max of 32 per-iteration costs] / mu (3-4x for sigma/mu = 1) at every iteration.
// max_depth bounds any one transition at 2^max_depth - 1 leapfrog steps, so no chain can
// hold its warp longer than that in one iteration.
// Remaining costs: warmup with pooled step-size adaptation cuts a segment per iteration
// (there the warp and the whole grid wait per iteration, as vmap'd NUTS does), and chains
// in a warp that sit in different branches of one leapfrog step (e.g. a model's data-
// dependent loop) serialize within that step.
#include <cstdint>

#include "kernels/adapt/dual_averaging.hpp"
#include "kernels/adapt/welford.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/strided.hpp"
#include "kernels/core/lane_data.hpp"
#include "kernels/hmc/chain_arrays.hpp"
#include "kernels/hmc/hmc_segment.hpp"
#include "kernels/hmc/metric.hpp"
#include "kernels/nuts/nuts_arrays.hpp"
#include "kernels/nuts/nuts_transition.hpp"

namespace lockstep {
namespace nuts {

/// Column order of NUTS sampler statistics in DrawTarget::stats (Stan's order).
enum NutsStat : int { kLp = 0, kAcceptStat, kStepSize, kTreeDepth, kNLeapfrog, kDivergent, kEnergy, kNutsStats };

template <class Model, class MetricOf, NutsLayout kLayout = kBackendLayout>
struct NutsSegment {
  Model model;
  typename Model::Data data;
  hmc::ChainArrays s;
  hmc::AdaptArrays adapt;
  NutsArrays scratch;
  MetricOf metric_of{};
  Real* welford_cov = nullptr;  // dense metric: Welford sums of products [dim * dim][n_pad]
  hmc::DrawTarget out;
  std::uint64_t seed = 0;
  std::uint64_t t_begin = 0, t_end = 0;
  int max_depth = kDefaultMaxDepth;
  bool adapt_step_size = false;  // per-chain dual averaging
  bool collect_metric = false;   // per-chain Welford update (per-chain or pooled metric)
  double welford_count0 = 0;     // samples in the current window before t_begin
  adapt::DualAveraging dual_averaging;

  LS_HD void operator()(int c) const {
    const auto metric = metric_of(s, c);
    if constexpr (kLayout == NutsLayout::kCoalesced) {
      run(c, scratch.lane(s, c), metric);
    } else {
      // lane-local: the chain's state and (diagonal) metric are copied in, the sample out
      const LocalNutsLane lane = scratch.local_lane(s, c);
      const Strided<Real> q = s.chain(s.q, c), g = s.chain(s.grad, c);
      for (int i = 0; i < s.dim; ++i) {
        lane.q[i] = q[i];
        lane.g[i] = g[i];
      }
      if constexpr (MetricOf::kDense) {
        run(c, lane, metric);
      } else {
        const Dense<Real> minv = scratch.local_minv(c);
        for (int i = 0; i < s.dim; ++i) minv[i] = metric.minv[i];
        run(c, lane, hmc::DiagMetric<Dense<Real>>{minv, s.dim});
      }
      for (int i = 0; i < s.dim; ++i) {
        q[i] = lane.q[i];
        g[i] = lane.g[i];
      }
    }
  }

  template <class Lane, class Metric>
  LS_HD void run(int c, const Lane& lane, const Metric& metric) const {
    const Rng rng{seed, s.rng_key(c)};
    const auto& m = lane_model(model);
    const auto& d_c = lane_data(model, data, c);
    for (std::uint64_t t = t_begin; t < t_end; ++t) {
      const Real eps = s.step_size[c];
      metric.draw(rng, t, Stream::kMomentum, 0, lane.p_f);
      const NutsInfo info = nuts_transition(m, d_c, lane, metric, eps, max_depth, PhiloxTreeUniforms{rng, t});
      end_iteration(m, d_c, c, t, lane.q, eps, info);
    }
  }

  /// What follows chain c's transition at iteration t (sample q, step size eps): its counts,
  /// during warmup its dual-averaging step and Welford update, and its draw when t is saved.
  template <class M, class V>
  LS_HD void end_iteration(const M& m, const typename M::Data& d_c, int c, std::uint64_t t, V q, Real eps,
                           const NutsInfo& info) const {
    s.grad_evals[c] += info.n_leapfrog;
    adapt.last_accept[c] = static_cast<Real>(info.accept_stat);
    if (adapt_step_size) s.step_size[c] = static_cast<Real>(adapt.adapt_step_size(dual_averaging, c, info.accept_stat));
    if (collect_metric) welford_update(c, q, welford_count0 + static_cast<double>(t - t_begin) + 1);
    const int d = out.draw_index(t);
    if (d >= 0) store(m, d_c, c, d, q, eps, info);
  }

  /// Welford's running mean and sums of (cross) products, n = samples including this one:
  /// diagonal as HmcSegment; dense M2 += ((n-1)/n) d d^T with d = q - mean before the update
  /// (the same as Stan's welford_covar_estimator's M2 += (q - mean_new) d^T).
  template <class V>
  LS_HD void welford_update(int c, V q, double n) const {
    const int dim = s.dim;
    const Strided<Real> mean = s.chain(adapt.welford_mean, c);
    if constexpr (MetricOf::kDense) {
      const Strided<Real> m2 = s.chain(welford_cov, c);
      const Real f = static_cast<Real>((n - 1.0) / n);
      for (int i = 0; i < dim; ++i) {
        const Real di = (q[i] - mean[i]) * f;
        for (int j = 0; j < dim; ++j) m2[i * dim + j] += di * (q[j] - mean[j]);
      }
    }
    adapt::welford_update(dim, q, mean, s.chain(adapt.welford_m2, c), n);
  }

  template <class M, class V>
  LS_HD void store(const M& m, const typename M::Data& d_c, int c, int d, V q, Real eps_used,
                   const NutsInfo& info) const {
    if (c >= out.n_chains) return;
    const Strided<Real> staged{out.scratch + c, s.n_pad};
    m.write_out(d_c, q, staged);
    for (int k = 0; k < out.n_out; ++k) out.values[out.at(k, c, d)] = staged[k];
    out.stats[out.at(kLp, c, d)] = s.logp[c];
    out.stats[out.at(kAcceptStat, c, d)] = info.accept_stat;
    out.stats[out.at(kStepSize, c, d)] = eps_used;
    out.stats[out.at(kTreeDepth, c, d)] = info.depth;
    out.stats[out.at(kNLeapfrog, c, d)] = info.n_leapfrog;
    out.stats[out.at(kDivergent, c, d)] = info.divergent ? 1.0 : 0.0;
    out.stats[out.at(kEnergy, c, d)] = info.energy;
  }
};

}  // namespace nuts
}  // namespace lockstep
