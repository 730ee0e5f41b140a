// The two scratch layouts of the NUTS transition (kernels/nuts/nuts_arrays.hpp): coalesced
// (CUDA: [dim][n_pad]) and lane-local (CPU: each chain's vectors contiguous, ld >= dim apart).
// The same chain, state, momentum and Philox uniforms must give the same transition in both:
// the same tree (depth, leapfrog count, divergence) and the same sample up to rounding
// (g++ may contract a*b+c differently in the vectorized lane-local loops, so the last bits
// may differ: docs/architecture.md). Also the lane-local indexing itself: chain c's vectors at c * ld,
// its checkpoint slot j at (c * n_slots + j) * ld, and nuts::NutsSegment instantiated with
// each layout (the lane-local one copies the chain's state and metric into the lane and the
// sample back out): the same draws and the same adaptation state.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "host/backend/place.hpp"
#include "kernels/adapt/dual_averaging.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/hmc/metric.hpp"
#include "kernels/hmc/metric.hpp"
#include "kernels/nuts/nuts_arrays.hpp"
#include "kernels/nuts/nuts_segment.hpp"
#include "kernels/nuts/nuts_transition.hpp"
#include "models/eight_schools.hpp"
#include "tests/hmc/sampler_fixtures.hpp"

namespace lockstep {
namespace testing {
namespace {

/// Every array of NutsArrays (and the chain state) for n_pad chains, in one layout.
struct Scratch {
  std::vector<std::vector<Real>> store;
  std::vector<Real> q, g, minv, logp;
  hmc::ChainArrays s;
  nuts::NutsArrays a;

  Scratch(int dim, int n_pad, int max_depth, int ld) : q(dim * n_pad), g(dim * n_pad), minv(dim * n_pad), logp(n_pad) {
    const int n_slots = max_depth > 1 ? max_depth - 1 : 1;
    const int stride = ld > 0 ? ld : dim;
    s.dim = dim;
    s.n_pad = n_pad;
    s.q = q.data();
    s.grad = g.data();
    s.inv_metric = minv.data();
    s.logp = logp.data();
    a.dim = dim;
    a.n_pad = n_pad;
    a.n_slots = n_slots;
    a.ld = ld;
    Real** vec[17] = {&a.q_f, &a.p_f, &a.g_f, &a.ps_f, &a.q_b, &a.p_b, &a.g_b, &a.ps_b, &a.q_prop,
                      &a.g_prop, &a.rho, &a.rho_sub, &a.p_near, &a.ps_near, &a.q_cur, &a.g_cur, &a.minv_cur};
    Real** ck[5] = {&a.left_p, &a.left_ps, &a.left_prefix, &a.right_ps, &a.right_prefix};
    store.reserve(22);
    for (Real** p : vec) {
      store.emplace_back(static_cast<std::size_t>(stride) * n_pad, Real(-7));  // poison: must be written first
      *p = store.back().data();
    }
    for (Real** p : ck) {
      store.emplace_back(static_cast<std::size_t>(stride) * n_pad * n_slots, Real(-7));
      *p = store.back().data();
    }
  }
};

using EightNC = models::EightSchools<true>;

/// A start on chain c: q_i = 0.3 sin(i + c), gradient and log density there, minv_i = 1 + i/10.
void start(const Loaded<EightNC>& m, Scratch& x, int c) {
  const int dim = x.s.dim;
  const Strided<Real> q = x.s.chain(x.s.q, c), g = x.s.chain(x.s.grad, c), minv = x.s.chain(x.s.inv_metric, c);
  for (int i = 0; i < dim; ++i) {
    q[i] = static_cast<Real>(0.3 * std::sin(i + c));
    minv[i] = static_cast<Real>(1 + 0.1 * i);
  }
  x.s.logp[c] = m.model.log_density_and_grad(m.data, q, g);
}

TEST(NutsLayout, TreeUniformsAreTheStreamsUniforms) {
  // the cached Philox block must never change the numbers: any order of requests
  const Rng rng{5, 17};
  const nuts::PhiloxTreeUniforms u{rng, 42};
  const std::pair<nuts::TreeDraw, int> order[] = {
      {nuts::TreeDraw::kDirection, 0}, {nuts::TreeDraw::kLeaf, 0}, {nuts::TreeDraw::kLeaf, 1},
      {nuts::TreeDraw::kLeaf, 2},      {nuts::TreeDraw::kMerge, 0}, {nuts::TreeDraw::kDirection, 1},
      {nuts::TreeDraw::kLeaf, 3},      {nuts::TreeDraw::kLeaf, 5},  {nuts::TreeDraw::kLeaf, 4},
      {nuts::TreeDraw::kMerge, 1},     {nuts::TreeDraw::kLeaf, 4},  {nuts::TreeDraw::kDirection, 1}};
  for (const auto& r : order) {
    const std::uint32_t base = r.first == nuts::TreeDraw::kDirection ? 0u : r.first == nuts::TreeDraw::kMerge ? 64u : 128u;
    const double want = uniform(rng, 42, Stream::kTree, base + static_cast<std::uint32_t>(r.second));
    EXPECT_EQ(u(r.first, r.second), want) << "kind " << static_cast<int>(r.first) << " ordinal " << r.second;
  }
}

TEST(NutsLayout, LaneLocalIndexing) {
  Scratch x(10, 5, 4, 16);
  const nuts::LocalNutsLane l = x.a.local_lane(x.s, 3);
  EXPECT_EQ(l.q_f.p, x.a.q_f + 3 * 16);
  EXPECT_EQ(l.q.p, x.a.q_cur + 3 * 16);
  EXPECT_EQ(l.logp, x.s.logp + 3);
  EXPECT_EQ(l.slot(l.left_ps, 2).p, x.a.left_ps + (3 * 3 + 2) * 16);
  EXPECT_EQ(l.slot(l.right_prefix, 1).p, x.a.right_prefix + (3 * 3 + 1) * 16);
  EXPECT_EQ(x.a.local_minv(3).p, x.a.minv_cur + 3 * 16);
  EXPECT_EQ(nuts::lane_local_ld(10), static_cast<int>(64 / sizeof(Real)) * (sizeof(Real) == 8 ? 2 : 1));
  EXPECT_EQ(nuts::lane_local_ld(static_cast<int>(64 / sizeof(Real))), static_cast<int>(64 / sizeof(Real)));
}

/// Eight Schools with its data in host memory: these tests run NUTS on the host, whatever the
/// backend (on a GPU box the backend's data would sit in device memory).
Loaded<EightNC> load_on_host() {
  backend::ScopedPlace host(backend::Place::kHost);
  return load_eight_schools<EightNC>();
}

TEST(NutsLayout, BothLayoutsBuildTheSameTree) {
  const auto m = load_on_host();
  const int dim = 10, n_pad = 5, max_depth = 8;
  Scratch co(dim, n_pad, max_depth, 0), lo(dim, n_pad, max_depth, nuts::lane_local_ld(dim));
  int compared = 0;
  for (int c = 0; c < n_pad; ++c) {
    start(m, co, c);
    start(m, lo, c);
    const hmc::DiagMetric metric_co = hmc::DiagMetricOf{}(co.s, c);
    const nuts::NutsLane lane_co = co.a.lane(co.s, c);
    const nuts::LocalNutsLane lane_lo = lo.a.local_lane(lo.s, c);
    const Dense<Real> minv = lo.a.local_minv(c);
    for (int i = 0; i < dim; ++i) {
      minv[i] = lo.s.chain(lo.s.inv_metric, c)[i];
      lane_lo.q[i] = lo.s.chain(lo.s.q, c)[i];
      lane_lo.g[i] = lo.s.chain(lo.s.grad, c)[i];
    }
    const hmc::DiagMetric<Dense<Real>> metric_lo{minv, dim};
    const Rng rng{99, static_cast<std::uint32_t>(c)};
    for (std::uint64_t t = 0; t < 20; ++t) {
      metric_co.draw(rng, t, Stream::kMomentum, 0, lane_co.p_f);
      metric_lo.draw(rng, t, Stream::kMomentum, 0, lane_lo.p_f);
      for (int i = 0; i < dim; ++i) ASSERT_EQ(lane_co.p_f[i], lane_lo.p_f[i]) << "momentum, chain " << c << " t " << t;
      const Real eps = static_cast<Real>(0.2 + 0.05 * c);
      const nuts::NutsInfo a = nuts::nuts_transition(m.model, m.data, lane_co, metric_co, eps, max_depth,
                                                     nuts::PhiloxTreeUniforms{rng, t});
      const nuts::NutsInfo b = nuts::nuts_transition(m.model, m.data, lane_lo, metric_lo, eps, max_depth,
                                                     nuts::PhiloxTreeUniforms{rng, t});
      ASSERT_EQ(a.depth, b.depth) << "chain " << c << " t " << t;
      ASSERT_EQ(a.n_leapfrog, b.n_leapfrog) << "chain " << c << " t " << t;
      ASSERT_EQ(a.divergent, b.divergent) << "chain " << c << " t " << t;
      const double tol = 1e-9;
      EXPECT_NEAR(a.accept_stat, b.accept_stat, tol) << "chain " << c << " t " << t;
      EXPECT_NEAR(a.energy, b.energy, tol * (1 + std::fabs(a.energy))) << "chain " << c << " t " << t;
      for (int i = 0; i < dim; ++i) {
        ASSERT_NEAR(lane_co.q[i], lane_lo.q[i], tol * (1 + std::fabs(lane_co.q[i])))
            << "sample element " << i << ", chain " << c << " t " << t << " (tolerance " << tol << " relative)";
        // continue both from the SAME state so rounding differences cannot accumulate
        lane_lo.q[i] = lane_co.q[i];
        lane_lo.g[i] = lane_co.g[i];
      }
      lo.s.logp[c] = co.s.logp[c];
      ++compared;
    }
  }
  EXPECT_EQ(compared, n_pad * 20);
}

/// Everything nuts::NutsSegment<Model, DiagMetricOf, kLayout> reads and writes, in host
/// memory: the chain state and adaptation arrays ([dim][n_pad], as the driver's), the
/// layout's scratch, and the draw arrays [quantity][chain][draw].
template <nuts::NutsLayout kLayout>
struct SegmentRun {
  static constexpr int kStats = nuts::kNutsStats;
  int dim, n_pad, n_chains, n_out, n_draws;
  Scratch x;  // q, grad, inv_metric, logp and the NUTS scratch
  std::vector<Real> step_size, welford_mean, welford_m2, last_accept, out_scratch;
  std::vector<double> grad_evals, da_mu, da_s_bar, da_x_bar, da_counter, values, stats;
  nuts::NutsSegment<EightNC, hmc::DiagMetricOf, kLayout> seg;

  SegmentRun(const Loaded<EightNC>& m, int n_pad_, int n_chains_, int max_depth, int n_draws_)
      : dim(m.model.dim(m.data)), n_pad(n_pad_), n_chains(n_chains_), n_out(m.model.n_out(m.data)),
        n_draws(n_draws_),
        x(dim, n_pad, max_depth, kLayout == nuts::NutsLayout::kLaneLocal ? nuts::lane_local_ld(dim) : 0),
        step_size(n_pad), welford_mean(dim * n_pad, 0), welford_m2(dim * n_pad, 0), last_accept(n_pad, 0),
        out_scratch(n_out * n_pad, 0), grad_evals(n_pad, 0), da_mu(n_pad), da_s_bar(n_pad, 0), da_x_bar(n_pad, 0),
        da_counter(n_pad, 0), values(static_cast<std::size_t>(n_out) * n_chains * n_draws, NAN),
        stats(static_cast<std::size_t>(kStats) * n_chains * n_draws, NAN) {
    x.s.step_size = step_size.data();
    x.s.grad_evals = grad_evals.data();
    for (int c = 0; c < n_pad; ++c) {
      start(m, x, c);
      step_size[c] = static_cast<Real>(0.3 + 0.1 * c);  // different per chain
      adapt::DualAveragingState st;
      adapt::DualAveraging::restart(st, step_size[c]);
      da_mu[c] = st.mu;
    }
    seg.model = m.model;
    seg.data = m.data;
    seg.s = x.s;
    seg.adapt.da_mu = da_mu.data();
    seg.adapt.da_s_bar = da_s_bar.data();
    seg.adapt.da_x_bar = da_x_bar.data();
    seg.adapt.da_counter = da_counter.data();
    seg.adapt.welford_mean = welford_mean.data();
    seg.adapt.welford_m2 = welford_m2.data();
    seg.adapt.last_accept = last_accept.data();
    seg.scratch = x.a;
    seg.seed = 2024;
    seg.max_depth = max_depth;
    seg.dual_averaging.delta = 0.8;
    seg.out.values = values.data();
    seg.out.stats = stats.data();
    seg.out.scratch = out_scratch.data();
    seg.out.n_out = n_out;
    seg.out.n_chains = n_chains;
    seg.out.n_draws = n_draws;
    seg.out.save = true;
    seg.out.thin = 1;
  }

  /// Iterations [t0, t1) of every chain, saved as draws t0 .. t1 - 1, as the driver's segments.
  void run(std::uint64_t t0, std::uint64_t t1, bool warmup) {
    seg.t_begin = t0;
    seg.t_end = t1;
    seg.adapt_step_size = warmup;
    seg.collect_metric = warmup;
    seg.welford_count0 = static_cast<double>(t0);
    seg.out.first_iteration = t0;
    seg.out.first_draw = static_cast<int>(t0);
    for (int c = 0; c < n_chains; ++c) seg(c);
  }
  double value(int k, int c, int d) const { return values[(static_cast<std::size_t>(k) * n_chains + c) * n_draws + d]; }
  double stat(int k, int c, int d) const { return stats[(static_cast<std::size_t>(k) * n_chains + c) * n_draws + d]; }
};

/// |a - b| relative to max(1, |a|), or infinity if exactly one is NaN.
double rel_gap(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0.0 : INFINITY;
  return std::fabs(a - b) / std::max(1.0, std::fabs(a));
}

TEST(NutsLayout, BothLayoutsOfNutsSegmentGiveTheSameDraws) {
  // Two segments of warmup (per-chain dual averaging and Welford sums, the lane-local state
  // copied out and back in between) then one of sampling; 5 chains on a stride of 8 (the
  // padding lanes are never run), Eight Schools non-centered, each layout run on its own —
  // no resynchronisation, so rounding differences could accumulate. The tree of every
  // iteration must be the same (depth, leapfrog count, divergence); reals agree to kTol
  // relative: the lane-local loops may round the last bit differently (FMA contraction,
  // docs/architecture.md), and any real disagreement (a wrong copy, slot or stride) shows up at O(1).
  const auto m = load_on_host();
  constexpr int kPad = 8, kChains = 5, kMaxDepth = 8, kDraws = 30;
  constexpr double kTol = 1e-9;
  SegmentRun<nuts::NutsLayout::kCoalesced> co(m, kPad, kChains, kMaxDepth, kDraws);
  SegmentRun<nuts::NutsLayout::kLaneLocal> lo(m, kPad, kChains, kMaxDepth, kDraws);
  for (auto* r : {&co.seg.scratch, &lo.seg.scratch}) ASSERT_EQ(r->n_pad, kPad);
  ASSERT_EQ(co.seg.scratch.ld, 0);
  ASSERT_GE(lo.seg.scratch.ld, co.dim);
  const std::pair<std::uint64_t, std::uint64_t> segments[] = {{0, 7}, {7, 15}, {15, kDraws}};
  for (const auto& sg : segments) {
    co.run(sg.first, sg.second, sg.second <= 15);
    lo.run(sg.first, sg.second, sg.second <= 15);
  }
  double worst = 0;
  std::string worst_at = "none";
  auto compare = [&](double a, double b, const std::string& what) {
    const double gap = rel_gap(a, b);
    if (gap > worst) worst = gap, worst_at = what;
    EXPECT_LE(gap, kTol) << what << ": coalesced " << a << " vs lane-local " << b << ", relative gap " << gap;
  };
  long leapfrogs = 0;
  int distinct_depths = 0;
  std::vector<bool> seen_depth(kMaxDepth + 1, false);
  for (int c = 0; c < kChains; ++c)
    for (int d = 0; d < kDraws; ++d) {
      const std::string at = "chain " + std::to_string(c) + " draw " + std::to_string(d);
      for (int k : {nuts::kTreeDepth, nuts::kNLeapfrog, nuts::kDivergent})
        ASSERT_EQ(co.stat(k, c, d), lo.stat(k, c, d)) << "tree statistic " << k << ", " << at;
      ASSERT_FALSE(std::isnan(co.stat(nuts::kTreeDepth, c, d))) << at << " was never written";
      for (int k : {nuts::kLp, nuts::kAcceptStat, nuts::kStepSize, nuts::kEnergy})
        compare(co.stat(k, c, d), lo.stat(k, c, d), "statistic " + std::to_string(k) + ", " + at);
      for (int k = 0; k < co.n_out; ++k) compare(co.value(k, c, d), lo.value(k, c, d), m.names[k] + ", " + at);
      leapfrogs += static_cast<long>(co.stat(nuts::kNLeapfrog, c, d));
      const int depth = static_cast<int>(co.stat(nuts::kTreeDepth, c, d));
      if (!seen_depth[depth]) seen_depth[depth] = true, ++distinct_depths;
    }
  // the state the segments leave behind: position, gradient, log density, step size (adapted),
  // Welford sums, gradient count
  for (int c = 0; c < kChains; ++c) {
    const std::string at = "chain " + std::to_string(c);
    for (int i = 0; i < co.dim; ++i) {
      const std::size_t k = static_cast<std::size_t>(i) * kPad + c;
      compare(co.x.q[k], lo.x.q[k], "final q[" + std::to_string(i) + "], " + at);
      compare(co.x.g[k], lo.x.g[k], "final grad[" + std::to_string(i) + "], " + at);
      compare(co.welford_mean[k], lo.welford_mean[k], "Welford mean[" + std::to_string(i) + "], " + at);
      compare(co.welford_m2[k], lo.welford_m2[k], "Welford m2[" + std::to_string(i) + "], " + at);
    }
    compare(co.x.logp[c], lo.x.logp[c], "final logp, " + at);
    compare(co.step_size[c], lo.step_size[c], "final step size, " + at);
    EXPECT_EQ(co.grad_evals[c], lo.grad_evals[c]) << at;
  }
  // the padding lanes were never run
  for (int c = kChains; c < kPad; ++c) EXPECT_EQ(co.grad_evals[c], 0) << "padding lane " << c;
  // the run did something worth comparing: trees of several depths, moving step sizes
  EXPECT_GE(distinct_depths, 2);
  EXPECT_GT(leapfrogs, kChains * kDraws * 3);
  EXPECT_NE(co.stat(nuts::kStepSize, 0, 0), co.stat(nuts::kStepSize, 0, 14)) << "warmup did not adapt the step size";
  EXPECT_EQ(co.stat(nuts::kStepSize, 0, 15), co.stat(nuts::kStepSize, 0, kDraws - 1)) << "sampling adapted";
  std::printf("NutsSegment layouts: largest relative gap %.3g (%s), %ld leapfrog steps\n", worst, worst_at.c_str(),
              leapfrogs);
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
