// The iterative transition against a direct transcription of Stan's recursive NUTS
// (stan/mcmc/hmc/nuts/base_nuts.hpp, Stan >= 2.24: transition() and build_tree(), with the
// three criteria per merge) on a correlated 5-dimensional Gaussian, with diagonal and dense
// metrics, random states, momenta, step sizes and directions. Both integrate with the same
// leapfrog_step and sum the same Metropolis probabilities in the same order, so tree depth,
// n_leapfrog, divergence and the trajectory's two ends must agree exactly. (Only
// the multinomial draws consume uniforms differently — NUTS's progressive draw inside a
// subtree vs Stan's recursive one — and are not compared here; tree_builder_test.cpp pins them.
// accept_stat agrees to rounding: see compare_case.)
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "host/adapt/dense_metric.hpp"
#include "kernels/core/scalar_math.hpp"
#include "models/gaussian.hpp"
#include "tests/hmc/memory_data_source.hpp"
#include "tests/nuts/nuts_fixtures.hpp"
#include "tests/build_config.hpp"

namespace lockstep {
namespace testing {
namespace {

using Vec = std::vector<Real>;

/// Stan's recursive NUTS trajectory, transcribed (sampling left out).
template <class Model, class Metric>
struct StanRecursive {
  const Model& model;
  const typename Model::Data& data;
  Metric metric;
  int dim;
  Real eps;
  int max_depth;

  struct Z {
    Vec q, p, g;
    Real logp;
  };
  Z z;
  double H0 = 0;
  int n_leapfrog = 0;
  bool divergent = false;
  double sum_metro_prob = 0;
  int depth = 0;
  // how trajectories ended, for coverage
  int junction_decisive = 0;  // a merge that persisted around but failed a junction check
  int invalid_subtrees = 0, top_stops = 0;

  Vec sharp(Vec p) {
    Vec out(dim);
    metric.sharp(Dense<Real>{p.data()}, Dense<Real>{out.data()});
    return out;
  }
  double hamiltonian(Z& s) {
    Vec ps = sharp(s.p);
    return nuts::kinetic_from_sharp(dim, Dense<Real>{s.p.data()}, Dense<Real>{ps.data()}) - static_cast<double>(s.logp);
  }
  bool criterion(Vec a, Vec b, Vec rho) {
    return nuts::persists(dim, Dense<Real>{a.data()}, Dense<Real>{b.data()}, [&](auto i) { return nuts::at(Dense<Real>{const_cast<Real*>(rho.data())}, i); });
  }
  static Vec plus(const Vec& a, const Vec& b) {
    Vec c(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) c[i] = a[i] + b[i];
    return c;
  }
  bool merge_persists(const Vec& ps_beg, const Vec& ps_end, const Vec& rho, const Vec& ps_a_end, const Vec& p_a_end,
                      const Vec& rho_a, const Vec& ps_b_beg, const Vec& p_b_beg, const Vec& rho_b) {
    const bool around = criterion(ps_beg, ps_end, rho);
    const bool left = criterion(ps_beg, ps_b_beg, plus(rho_a, p_b_beg));
    const bool right = criterion(ps_a_end, ps_end, plus(rho_b, p_a_end));
    if (around && !(left && right)) ++junction_decisive;
    return around && left && right;
  }

  bool build_tree(int d, Vec& ps_beg, Vec& ps_end, Vec& rho, Vec& p_beg, Vec& p_end, double sign, double& lsw) {
    if (d == 0) {
      // The views of the coalesced NutsLane (Strided): the same instantiation of the model's
      // gradient as the transition under test (a model may take a SIMD path for Dense views).
      z.logp = hmc::leapfrog_step(model, data, dim, Strided<Real>{z.q.data(), 1}, Strided<Real>{z.p.data(), 1},
                                  Strided<Real>{z.g.data(), 1}, metric, static_cast<Real>(sign * eps));
      ++n_leapfrog;
      double h = hamiltonian(z);
      if (std::isnan(h)) h = INFINITY;
      if (h - H0 > nuts::kMaxDeltaH) divergent = true;
      lsw = m::log_sum_exp(lsw, H0 - h);
      sum_metro_prob += H0 - h > 0 ? 1.0 : m::exp(H0 - h);
      ps_beg = sharp(z.p);
      ps_end = ps_beg;
      rho = plus(rho, z.p);
      p_beg = z.p;
      p_end = z.p;
      return !divergent;
    }
    double lsw_init = -INFINITY;
    Vec p_init_end(dim), ps_init_end(dim), rho_init(dim, 0);
    if (!build_tree(d - 1, ps_beg, ps_init_end, rho_init, p_beg, p_init_end, sign, lsw_init)) return false;
    double lsw_final = -INFINITY;
    Vec p_final_beg(dim), ps_final_beg(dim), rho_final(dim, 0);
    if (!build_tree(d - 1, ps_final_beg, ps_end, rho_final, p_final_beg, p_end, sign, lsw_final)) return false;
    lsw = m::log_sum_exp(lsw, m::log_sum_exp(lsw_init, lsw_final));
    const Vec rho_subtree = plus(rho_init, rho_final);
    rho = plus(rho, rho_subtree);
    return merge_persists(ps_beg, ps_end, rho_subtree, ps_init_end, p_init_end, rho_init, ps_final_beg,
                          p_final_beg, rho_final);
  }

  /// Returns (z_bck, z_fwd) positions.
  void transition(const Z& start, const std::vector<bool>& forward, Vec& q_bck, Vec& q_fwd) {
    z = start;
    Z z_fwd = z, z_bck = z;
    Vec p_fwd_fwd = z.p, ps_fwd_fwd = sharp(z.p);
    Vec p_fwd_bck = z.p, ps_fwd_bck = ps_fwd_fwd, p_bck_fwd = z.p, ps_bck_fwd = ps_fwd_fwd;
    Vec p_bck_bck = z.p, ps_bck_bck = ps_fwd_fwd;
    Vec rho = z.p;
    double lsw = 0;
    H0 = hamiltonian(z);
    while (depth < max_depth) {
      Vec rho_fwd(dim, 0), rho_bck(dim, 0);
      double lsw_subtree = -INFINITY;
      bool valid;
      if (forward[depth]) {
        z = z_fwd;
        rho_bck = rho;
        p_bck_fwd = p_fwd_fwd;
        ps_bck_fwd = ps_fwd_fwd;
        valid = build_tree(depth, ps_fwd_bck, ps_fwd_fwd, rho_fwd, p_fwd_bck, p_fwd_fwd, 1, lsw_subtree);
        z_fwd = z;
      } else {
        z = z_bck;
        rho_fwd = rho;
        p_fwd_bck = p_bck_bck;
        ps_fwd_bck = ps_bck_bck;
        valid = build_tree(depth, ps_bck_fwd, ps_bck_bck, rho_bck, p_bck_fwd, p_bck_bck, -1, lsw_subtree);
        z_bck = z;
      }
      if (!valid) {
        ++invalid_subtrees;
        break;
      }
      ++depth;
      lsw = m::log_sum_exp(lsw, lsw_subtree);
      rho = plus(rho_bck, rho_fwd);
      const bool around = criterion(ps_bck_bck, ps_fwd_fwd, rho);
      const bool left = criterion(ps_bck_bck, ps_fwd_bck, plus(rho_bck, p_fwd_bck));
      const bool right = criterion(ps_bck_fwd, ps_fwd_fwd, plus(rho_fwd, p_bck_fwd));
      if (around && !(left && right)) ++junction_decisive;
      if (!(around && left && right)) {
        ++top_stops;
        break;
      }
    }
    q_bck = z_bck.q;
    q_fwd = z_fwd.q;
  }
};

/// The model with its data in host memory (this test drives the transitions on the host, and is
/// compiled by the host compiler in a CUDA build: no upload to a device).
struct HostGaussian {
  models::Gaussian model;
  models::GaussianData data;
  std::vector<Real> mu, P;  // Real, as the model reads them (float in a float build)
};

HostGaussian correlated_gaussian5() {
  MemoryDataSource d;
  d.fields["N"] = {5};
  d.fields["mu"] = {0.5, -1, 2, 0, 1};
  // Sigma = A A^T + 0.05 I with a fixed A: correlations up to ~0.9, variances 0.1 .. 5
  const double A[5][5] = {{1.0, 0.2, 0.0, 0.3, 0.1},   {0.9, 0.1, 0.2, 0.0, 0.0}, {0.0, 0.5, 1.5, 0.2, 0.1},
                          {0.1, 0.0, 0.3, 0.2, 0.05}, {0.4, 1.2, 0.0, 0.1, 0.9}};
  std::vector<double> S(25);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) {
      double s = i == j ? 0.05 : 0.0;
      for (int k = 0; k < 5; ++k) s += A[i][k] * A[j][k];
      S[i * 5 + j] = s;
    }
  d.fields["Sigma"] = S;
  HostGaussian g;
  const std::vector<double> mu = d.fields["mu"];
  const std::vector<double> P = models::gaussian_detail::precision_from_covariance(d, "Sigma", S, 5);
  g.mu.assign(mu.begin(), mu.end());
  g.P.assign(P.begin(), P.end());
  g.data = models::GaussianData{5, g.mu.data(), g.P.data()};
  return g;
}

struct Tally {
  int junction = 0, invalid = 0, top = 0, divergent = 0, max_depth = 0, cases = 0;
};

template <class Metric>
void compare_case(const HostGaussian& g, HostLane& L, const Metric& metric, std::mt19937_64& rng,
                  Tally& tally) {
  const int dim = 5, max_depth = 6;
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> unif(0, 1);
  const Real eps = static_cast<Real>(0.02 * std::pow(100.0, unif(rng)));  // 0.02 .. 2
  std::vector<bool> forward(max_depth);
  for (int d = 0; d < max_depth; ++d) forward[d] = unif(rng) < 0.5;
  typename StanRecursive<models::Gaussian, Metric>::Z start;
  start.q.resize(dim);
  start.p.resize(dim);
  start.g.resize(dim);
  for (int i = 0; i < dim; ++i) start.q[i] = static_cast<Real>(2 * normal(rng));
  for (int i = 0; i < dim; ++i) start.p[i] = static_cast<Real>(normal(rng));
  start.logp = g.model.log_density_and_grad(g.data, Strided<Real>{start.q.data(), 1}, Strided<Real>{start.g.data(), 1});

  StanRecursive<models::Gaussian, Metric> ref{g.model, g.data, metric, dim, eps, max_depth, {}};
  Vec ref_bck, ref_fwd;
  ref.transition(start, forward, ref_bck, ref_fwd);

  for (int i = 0; i < dim; ++i) {
    L.q[i] = start.q[i];
    L.g[i] = start.g[i];
  }
  L.logp = start.logp;
  const nuts::NutsLane lane = L.lane();
  for (int i = 0; i < dim; ++i) lane.p_f[i] = start.p[i];
  ScriptedUniforms u;
  u.forward = forward;
  const nuts::NutsInfo info = nuts::nuts_transition(g.model, g.data, lane, metric, eps, max_depth, u);

  const std::string where = "case " + std::to_string(tally.cases) + ", eps " + std::to_string(eps);
  ASSERT_EQ(info.depth, ref.depth) << where;
  ASSERT_EQ(info.n_leapfrog, ref.n_leapfrog) << where;
  ASSERT_EQ(info.divergent, ref.divergent) << where;
  for (int i = 0; i < dim; ++i) {
    ASSERT_EQ(lane.q_f[i], ref_fwd[i]) << where << ", forward end " << i;
    ASSERT_EQ(lane.q_b[i], ref_bck[i]) << where << ", backward end " << i;
  }
  // H0 may differ in its last bit (g++ may contract 0.5 k - logp into an FMA in one
  // inlining context and not in the other), so accept_stat agrees to rounding only
  ASSERT_NEAR(info.accept_stat, ref.sum_metro_prob / ref.n_leapfrog, real_tol(1e-13)) << where;
  tally.junction += ref.junction_decisive;
  tally.invalid += ref.invalid_subtrees;
  tally.top += ref.top_stops;
  tally.divergent += ref.divergent;
  tally.max_depth += ref.depth == max_depth;
  ++tally.cases;
}

TEST(StanReference, DiagonalMetricTrajectoriesAgree) {
  const auto g = correlated_gaussian5();
  HostLane L(5, 6);
  std::mt19937_64 rng(20240601);
  std::uniform_real_distribution<double> unif(0.5, 2.0);
  Tally tally;
  for (int c = 0; c < 1500; ++c) {
    for (int i = 0; i < 5; ++i) L.minv[i] = static_cast<Real>(unif(rng));
    compare_case(g, L, L.metric(), rng, tally);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // the cases cover every way a trajectory ends, the junction checks included
  std::printf("diagonal: %d cases, %d junction-decided merges, %d invalid subtrees, %d top-level stops, "
              "%d divergent, %d at max depth\n", tally.cases, tally.junction, tally.invalid, tally.top,
              tally.divergent, tally.max_depth);
  EXPECT_GT(tally.junction, 5) << "junction-decided merges";
  EXPECT_GT(tally.invalid, 100);
  EXPECT_GT(tally.top, 100);
  EXPECT_GT(tally.divergent, 20);
  EXPECT_GT(tally.max_depth, 5);
}

TEST(StanReference, DenseMetricTrajectoriesAgree) {
  const auto g = correlated_gaussian5();
  HostLane L(5, 6);
  // M^-1 = B B^T + 0.2 I for a fixed B, and its Cholesky factor
  const double B[5][5] = {{1.0, 0.3, 0, 0, 0.2}, {0.5, 0.8, 0.1, 0, 0}, {0, 0.2, 1.2, 0.3, 0},
                          {0.2, 0, 0, 0.6, 0.1}, {0, 0.4, 0.3, 0, 1.1}};
  std::vector<double> Minv(25), chol;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) {
      double s = i == j ? 0.2 : 0.0;
      for (int k = 0; k < 5; ++k) s += B[i][k] * B[j][k];
      Minv[i * 5 + j] = s;
    }
  ASSERT_TRUE(adapt::cholesky_lower(Minv, 5, chol));
  std::vector<Real> minv_r(Minv.begin(), Minv.end()), chol_r(chol.begin(), chol.end());
  const hmc::DenseMetric metric{Strided<Real>{minv_r.data(), 1}, Strided<Real>{chol_r.data(), 1}, 5};
  std::mt19937_64 rng(20240602);
  Tally tally;
  for (int c = 0; c < 1500; ++c) {
    compare_case(g, L, metric, rng, tally);
    if (::testing::Test::HasFatalFailure()) return;
  }
  std::printf("dense: %d cases, %d junction-decided merges, %d invalid subtrees, %d top-level stops, "
              "%d divergent, %d at max depth\n", tally.cases, tally.junction, tally.invalid, tally.top,
              tally.divergent, tally.max_depth);
  EXPECT_GT(tally.junction, 5) << "junction-decided merges";
  EXPECT_GT(tally.invalid, 100);
  EXPECT_GT(tally.top, 100);
  EXPECT_GT(tally.divergent, 20);
  EXPECT_GT(tally.max_depth, 5);
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
