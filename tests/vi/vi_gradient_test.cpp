// The ELBO estimator's gradient (host/algorithms/vi/vi_family.hpp, from the points of
// kernels/vi/vi_points.hpp) against finite differences of the same estimator at fixed base
// samples: F(theta) = 1/S sum_s log p(mu + L(theta) eta_s) + H(theta), the eta_s fixed by
// (seed, iteration) whatever theta is. Both families, on the correlated Gaussian and on eight
// schools (non-Gaussian, the funnel of tau), with Richardson-extrapolated central differences
// (host/check/finite_differences.hpp) and its tolerance |g - fd| <= 1e-6 max(1, |g|).
// Also: the entropy and log q of the families against Eigen's direct formulas, and the points'
// reparameterization zeta = mu + L eta.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "host/backend/place.hpp"
#include "host/check/finite_differences.hpp"
#include "models/eight_schools.hpp"
#include "tests/vi/vi_test_models.hpp"

namespace lockstep {
namespace {

using vi::Family;

/// Parameters away from any symmetry: mu_i = 0.3 sin(i + 1), log sd -0.3 + 0.1 cos(i), L_ij
/// = 0.2 sin(i + 2j) below the diagonal.
std::vector<double> test_theta(Family f, int d) {
  std::vector<double> t(vi::n_family_params(f, d));
  for (int i = 0; i < d; ++i) t[i] = 0.3 * std::sin(i + 1.0);
  for (int i = 0; i < d; ++i) {
    if (f == Family::kMeanField) {
      t[d + i] = -0.3 + 0.1 * std::cos(i * 1.0);
    } else {
      for (int j = 0; j < i; ++j) t[vi::tri_index(d, i, j)] = 0.2 * std::sin(i + 2.0 * j);
      t[vi::tri_index(d, i, i)] = -0.3 + 0.1 * std::cos(i * 1.0);
    }
  }
  return t;
}

template <class Model>
void check_elbo_gradient(const Loaded<Model>& m, Family f, int S, const char* what) {
  vi::ViLanes<Model> lanes(m, f, 1);
  const int d = lanes.dim();
  const check::LogDensityFn F = [&](const std::vector<double>& theta, std::vector<double>* grad) {
    vi::PointSet p;
    lanes.evaluate({theta}, S, 1234, 7, Stream::kVariational, p);
    double sum = 0;
    for (int s = 0; s < S; ++s) sum += p.lp[s];
    if (grad) {
      grad->assign(theta.size(), 0.0);
      vi::elbo_gradient(f, d, theta.data(), S, p.eta.data(), p.grad.data(), grad->data());
    }
    return sum / S + vi::entropy(f, d, theta.data());
  };
  const std::vector<double> theta = test_theta(f, d);
  const std::vector<check::CoordinateCheck> c = check::compare_gradient(F, theta);
  ASSERT_EQ(c.size(), theta.size());
  for (std::size_t k = 0; k < c.size(); ++k)
    EXPECT_LE(c[k].relative, check::kGradRelTol)
        << what << " " << vi::family_name(f) << ": dF/dtheta[" << k << "] analytic " << c[k].analytic
        << ", finite difference " << c[k].finite_difference << " (tolerance " << check::kGradRelTol << ")";
}

TEST(ViGradient, MeanFieldAndFullRankOnACorrelatedGaussian) {
  const auto m = vi_testing::gaussian3();
  check_elbo_gradient(m, Family::kMeanField, 3, "gaussian3");
  check_elbo_gradient(m, Family::kFullRank, 3, "gaussian3");
}

TEST(ViGradient, MeanFieldAndFullRankOnEightSchools) {
  auto data = testing_models::repo_data("eight_schools.json");
  const auto m = testing_models::load_model<models::EightSchoolsNoncentered>({}, data.get());
  check_elbo_gradient(m, Family::kMeanField, 2, "eight_schools_noncentered");
  check_elbo_gradient(m, Family::kFullRank, 2, "eight_schools_noncentered");
  const auto c = testing_models::load_model<models::EightSchoolsCentered>({}, data.get());
  check_elbo_gradient(c, Family::kFullRank, 4, "eight_schools_centered");
}

// Many points (>= ViLanes::kBlockPoints) go through the model's SIMD form W at a time
// (ViPointBlocks): the estimator's gradient from them against finite differences, and every
// point's lp and gradient against the one-point-per-lane functor ViPoints at the same eta.
TEST(ViGradient, PointsInSimdBlocksOnEightSchools) {
  auto data = testing_models::repo_data("eight_schools.json");
  const auto m = testing_models::load_model<models::EightSchoolsNoncentered>({}, data.get());
  check_elbo_gradient(m, Family::kMeanField, 45, "eight_schools_noncentered, 45 points");
  check_elbo_gradient(m, Family::kFullRank, 45, "eight_schools_noncentered, 45 points");

  vi::ViLanes<models::EightSchoolsNoncentered> lanes(m, Family::kFullRank, 1);
  const auto host = [&data] {  // the density evaluated on the host (data in host memory)
    backend::ScopedPlace on_host(backend::Place::kHost);
    return testing_models::load_model<models::EightSchoolsNoncentered>({}, data.get());
  }();
  const int d = lanes.dim(), n = 45;
  const std::vector<double> theta = test_theta(Family::kFullRank, d);
  vi::PointSet p;
  lanes.evaluate({theta}, n, 1234, 7, Stream::kVariational, p);
  ASSERT_EQ(p.lp.size(), static_cast<std::size_t>(n));
  const double tol = 1e4 * std::numeric_limits<Real>::epsilon();  // the last bits (vm:: against libm)
  for (int k = 0; k < n; ++k) {
    std::vector<Real> zeta(p.zeta.begin() + k * d, p.zeta.begin() + (k + 1) * d), grad(d);
    const double lp = host.model.log_density_and_grad(host.data, Dense<Real>{zeta.data()}, Dense<Real>{grad.data()});
    EXPECT_NEAR(p.lp[k], lp, tol * (1 + std::fabs(lp))) << "point " << k << " lp";
    for (int i = 0; i < d; ++i)
      EXPECT_NEAR(p.grad[k * d + i], grad[i], tol * (1 + std::fabs(grad[i]))) << "point " << k << " grad " << i;
  }
}

// What a launch fetches and how output draws are chunked change no value: the ELBO's
// densities-only launch gives the lp of a full launch, and draws fetched in chunks
// (first_point) are the draws of one launch, both through the SIMD blocks (many points) and
// one point per lane (few points).
TEST(ViLanes, FetchModesAndChunksGiveTheSamePoints) {
  auto data = testing_models::repo_data("eight_schools.json");
  const auto m = testing_models::load_model<models::EightSchoolsNoncentered>({}, data.get());
  for (Family f : {Family::kMeanField, Family::kFullRank}) {
    vi::ViLanes<models::EightSchoolsNoncentered> lanes(m, f, 1);
    const int d = lanes.dim(), n_out = lanes.n_out();
    const std::vector<double> theta = test_theta(f, d);
    for (int n : {5, 203}) {
      vi::PointSet full, dens;
      lanes.evaluate({theta}, n, 1234, 7, Stream::kVariationalElbo, full);
      lanes.evaluate({theta}, n, 1234, 7, Stream::kVariationalElbo, dens, vi::Fetch::kDensities);
      ASSERT_EQ(dens.lp.size(), full.lp.size());
      for (int k = 0; k < n; ++k) EXPECT_EQ(dens.lp[k], full.lp[k]) << vi::family_name(f) << " n " << n << " point " << k;

      vi::PointSet whole;
      lanes.evaluate({theta}, n, 1234, 3, Stream::kVariationalDraw, whole, vi::Fetch::kOutputs);
      ASSERT_EQ(whole.out.size(), static_cast<std::size_t>(n) * n_out);
      const int split = n / 3 + 1;  // chunks [0, split) and [split, n)
      for (int k0 : {0, split}) {
        const int len = k0 == 0 ? split : n - split;
        vi::PointSet part;
        lanes.evaluate({theta}, len, 1234, 3, Stream::kVariationalDraw, part, vi::Fetch::kOutputs, false, k0);
        for (int k = 0; k < len; ++k) {
          EXPECT_EQ(part.lp[k], whole.lp[k0 + k]) << vi::family_name(f) << " n " << n << " draw " << k0 + k;
          for (int i = 0; i < d; ++i) EXPECT_EQ(part.eta[k * d + i], whole.eta[(k0 + k) * d + i]);
          for (int q = 0; q < n_out; ++q) EXPECT_EQ(part.out[k * n_out + q], whole.out[(k0 + k) * n_out + q]);
        }
      }
    }
  }
}

TEST(ViFamily, EntropyLogQAndPointsAgainstEigen) {
  const auto m = vi_testing::gaussian3();
  for (Family f : {Family::kMeanField, Family::kFullRank}) {
    const int d = 3;
    const std::vector<double> theta = test_theta(f, d);
    std::vector<double> factor(f == Family::kFullRank ? d * d : d);
    vi::factor_of(f, d, theta.data(), factor.data());
    Eigen::Matrix3d L = Eigen::Matrix3d::Zero();
    for (int i = 0; i < d; ++i)
      for (int j = 0; j <= i; ++j) L(i, j) = f == Family::kFullRank ? factor[i * d + j] : (i == j ? factor[i] : 0.0);
    const Eigen::Matrix3d Sigma = L * L.transpose();
    // Entropy of N(mu, Sigma): d/2 (1 + log 2 pi) + log det Sigma / 2.
    const double h = 0.5 * d * (1 + std::log(2 * M_PI)) + 0.5 * std::log(Sigma.determinant());
    EXPECT_NEAR(vi::entropy(f, d, theta.data()), h, 1e-12) << vi::family_name(f);
    vi::ViLanes<models::Gaussian> lanes(m, f, 1);
    vi::PointSet p;
    lanes.evaluate({theta}, 5, 99, 3, Stream::kVariational, p);
    for (int s = 0; s < 5; ++s) {
      Eigen::Vector3d eta, zeta, mu;
      for (int i = 0; i < d; ++i) eta(i) = p.eta[s * d + i], zeta(i) = p.zeta[s * d + i], mu(i) = theta[i];
      const Eigen::Vector3d expect = mu + L * eta;
      for (int i = 0; i < d; ++i) EXPECT_NEAR(zeta(i), expect(i), 1e-6) << vi::family_name(f) << " point " << s;
      // log N(zeta; mu, Sigma) directly.
      const Eigen::Vector3d r = zeta - mu;
      const double lq = -0.5 * r.dot(Sigma.ldlt().solve(r)) - 0.5 * d * std::log(2 * M_PI) -
                        0.5 * std::log(Sigma.determinant());
      std::vector<double> e(eta.data(), eta.data() + d);
      EXPECT_NEAR(vi::log_q(f, d, theta.data(), e.data()), lq, 1e-6) << vi::family_name(f) << " point " << s;
    }
  }
}

TEST(ViConvergence, StansRelativeChangeWindow) {
  // Window 3; estimates -100, -50, -49, -48.9: changes inf, 1, 1/49, 0.1/48.9.
  vi::RelativeChange c(vi::convergence_window(3000, 100));
  EXPECT_EQ(vi::convergence_window(3000, 100), 3);
  EXPECT_EQ(vi::convergence_window(100, 100), 2);
  EXPECT_TRUE(std::isinf(c.push(-100)));
  EXPECT_DOUBLE_EQ(c.push(-50), 1.0);
  EXPECT_EQ(c.verdict(0.01), vi::Stop::kRunning);
  EXPECT_DOUBLE_EQ(c.push(-49), 1.0 / 49);
  EXPECT_EQ(c.verdict(0.01), vi::Stop::kRunning);  // window {inf, 1, 0.0204}: median 1
  c.push(-48.9);                                   // window {1, 0.0204, 0.00204}: median 0.0204
  EXPECT_EQ(c.verdict(0.01), vi::Stop::kRunning);
  EXPECT_EQ(c.verdict(0.03), vi::Stop::kMedianConverged);
  c.push(-48.9);  // {0.0204, 0.00204, 0}: mean 0.0075
  EXPECT_EQ(c.verdict(0.01), vi::Stop::kMeanConverged);
  EXPECT_EQ(c.verdict(0), vi::Stop::kRunning);  // tolerance 0: never
}

}  // namespace
}  // namespace lockstep
