// The two scratch layouts of the NUTS transition (kernels/nuts/nuts_arrays.hpp): coalesced
// (CUDA: [dim][n_pad]) and lane-local (CPU: each chain's vectors contiguous, ld >= dim apart).
// The same chain, state, momentum and Philox uniforms must give the same transition in both:
// the same tree (depth, leapfrog count, divergence) and the same sample up to rounding
// (g++ may contract a*b+c differently in the vectorized lane-local loops, so the last bits
// may differ: DESIGN.md). Also the lane-local indexing itself: chain c's vectors at c * ld,
// its checkpoint slot j at (c * n_slots + j) * ld, and the NutsSegment of either layout.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "kernels/core/philox.hpp"
#include "kernels/hmc/metric.hpp"
#include "kernels/nuts/lane_metric.hpp"
#include "kernels/nuts/nuts_arrays.hpp"
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

TEST(NutsLayout, BothLayoutsBuildTheSameTree) {
  const auto m = load_eight_schools<EightNC>();
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
    const nuts::DiagMetricView<Dense<Real>> metric_lo{minv, dim};
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

}  // namespace
}  // namespace testing
}  // namespace lockstep
