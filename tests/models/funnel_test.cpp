// models/funnel.hpp: gradient (also deep in the neck and wide in the mouth), value,
// SIMD/scalar agreement, options.
#include "models/funnel.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/models/gradient_check.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace testing_models {
namespace {

using models::Funnel;

double gaussian_lpdf(double x, double mean, double sd) {
  const double pi = std::acos(-1.0);
  const double z = (x - mean) / sd;
  return -0.5 * z * z - std::log(sd) - 0.5 * std::log(2 * pi);
}

/// Independent: log N(v | 0, 3) + sum_i log N(x_i | 0, exp(v/2)).
double funnel_ref(const std::vector<double>& q) {
  double s = gaussian_lpdf(q[0], 0, 3);
  for (std::size_t i = 1; i < q.size(); ++i) s += gaussian_lpdf(q[i], 0, std::exp(q[0] / 2));
  return s;
}

class FunnelDims : public ::testing::TestWithParam<int> {};

TEST_P(FunnelDims, GradientMatchesFiniteDifferences) {
  const int dim = GetParam();
  auto m = load_model<Funnel>({{"dim", std::to_string(dim)}}, nullptr);
  ASSERT_EQ(m.model.dim(m.data), dim);
  expect_gradients_match(m.model, m.data, standard_points(dim, 5005 + dim));
}

TEST_P(FunnelDims, GradientInTheNeckAndTheMouth) {
  const int dim = GetParam();
  auto m = load_model<Funnel>({{"dim", std::to_string(dim)}}, nullptr);
  PointGenerator gen(6006 + dim);
  std::vector<std::vector<double>> pts;
  for (double v : {-8.0, -5.0, 5.0, 8.0}) {
    for (int k = 0; k < 3; ++k) {
      // x on its own scale at this v (sd exp(v/2)) and far outside it.
      std::vector<double> q = gen.point(dim, -2, 2);
      const double scale = k == 0 ? std::exp(v / 2) : (k == 1 ? 1.0 : 10.0);
      for (int i = 1; i < dim; ++i) q[i] *= scale;
      q[0] = v;
      pts.push_back(q);
    }
  }
  expect_gradients_match(m.model, m.data, pts);
}

TEST_P(FunnelDims, LogDensityValue) {
  const int dim = GetParam();
  auto m = load_model<Funnel>({{"dim", std::to_string(dim)}}, nullptr);
  expect_log_density_differences(m.model, m.data, funnel_ref, standard_points(dim, 7007 + dim));
  std::vector<std::vector<double>> pts;
  for (double v : {-8.0, 0.5, 8.0}) {
    std::vector<double> q(dim, 0.3);
    q[0] = v;
    pts.push_back(q);
  }
  expect_log_density_differences(m.model, m.data, funnel_ref, pts);
}

TEST_P(FunnelDims, BlockOfEightMatchesScalar) {
  const int dim = GetParam();
  auto m = load_model<Funnel>({{"dim", std::to_string(dim)}}, nullptr);
  expect_block_matches_scalar<8>(m.model, m.data, 8008 + dim);
  expect_block_matches_scalar<8>(m.model, m.data, 9009 + dim, -8.0, 8.0);
}

INSTANTIATE_TEST_SUITE_P(Dims, FunnelDims, ::testing::Values(2, 10));

TEST(Funnel, GradientByHand) {
  // dim 3, v = 1, x = (2, -1): S = 5, e^{-1} S / 2 = 0.9196986...
  auto m = load_model<Funnel>({{"dim", "3"}}, nullptr);
  std::vector<double> g;
  log_density(m.model, m.data, {1.0, 2.0, -1.0}, &g);
  const double e = std::exp(-1.0);
  // 4.5 eps of double on values below 1 (the same number of float eps in float).
  EXPECT_NEAR(g[0], -1.0 / 9 - 1.0 + 2.5 * e, testing::real_tol(1e-15));
  EXPECT_NEAR(g[1], -2 * e, testing::real_tol(1e-15));
  EXPECT_NEAR(g[2], e, testing::real_tol(1e-15));
}

TEST(Funnel, DefaultsNamesAndOutputs) {
  auto m = load_model<Funnel>({}, nullptr);
  EXPECT_EQ(m.model.dim(m.data), 10);
  EXPECT_EQ(m.model.n_out(m.data), 10);
  ASSERT_EQ(m.names.size(), 10u);
  EXPECT_EQ(m.names[0], "v");
  EXPECT_EQ(m.names[1], "x[1]");
  EXPECT_EQ(m.names[9], "x[9]");
  const std::vector<double> q = {-3, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(outputs(m.model, m.data, q), q);
  EXPECT_EQ(Funnel::info().name, "funnel");
}

TEST(Funnel, OptionErrors) {
  EXPECT_EQ(input_error_of([] { load_model<Funnel>({{"dim", "1"}}, nullptr); }),
            "--set dim: must be at least 2");
  EXPECT_EQ(input_error_of([] { load_model<Funnel>({{"dim", "ten"}}, nullptr); }),
            "--set dim: 'ten' is not an integer");
}

}  // namespace
}  // namespace testing_models
}  // namespace lockstep
