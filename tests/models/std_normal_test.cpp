// models/std_normal.hpp: gradient, value, SIMD/scalar agreement, options.
#include "models/std_normal.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/models/gradient_check.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace testing_models {
namespace {

using models::StdNormal;

/// Independent: sum_i log N(x_i | 0, 1) = sum_i [-log(2 pi)/2 - x_i^2/2].
double std_normal_ref(const std::vector<double>& x) {
  const double pi = std::acos(-1.0);
  double s = 0;
  for (double v : x) s += -0.5 * std::log(2 * pi) - 0.5 * std::pow(v, 2);
  return s;
}

class StdNormalDims : public ::testing::TestWithParam<int> {};

TEST_P(StdNormalDims, GradientMatchesFiniteDifferences) {
  const int dim = GetParam();
  auto m = load_model<StdNormal>({{"dim", std::to_string(dim)}}, nullptr);
  ASSERT_EQ(m.model.dim(m.data), dim);
  expect_gradients_match(m.model, m.data, standard_points(dim, 1001 + dim));
  PointGenerator gen(7);
  expect_gradients_match(m.model, m.data, {gen.point(dim, -50, 50), gen.point(dim, -1e3, 1e3)});
}

TEST_P(StdNormalDims, LogDensityValue) {
  const int dim = GetParam();
  auto m = load_model<StdNormal>({{"dim", std::to_string(dim)}}, nullptr);
  expect_log_density_differences(m.model, m.data, std_normal_ref, standard_points(dim, 2002 + dim));
  // The constant the model drops is exactly the normalizing constant.
  const std::vector<double> zero(dim, 0.0);
  EXPECT_EQ(log_density(m.model, m.data, zero), 0.0);
}

TEST_P(StdNormalDims, BlockOfEightMatchesScalar) {
  const int dim = GetParam();
  auto m = load_model<StdNormal>({{"dim", std::to_string(dim)}}, nullptr);
  expect_block_matches_scalar<8>(m.model, m.data, 3003 + dim);
  expect_block_matches_scalar<8>(m.model, m.data, 4004 + dim, -5.0, 5.0);
}

INSTANTIATE_TEST_SUITE_P(Dims, StdNormalDims, ::testing::Values(1, 7, 33));

TEST(StdNormal, DefaultsNamesAndOutputs) {
  auto m = load_model<StdNormal>({}, nullptr);
  EXPECT_EQ(m.model.dim(m.data), 10);
  EXPECT_EQ(m.model.n_out(m.data), 10);
  ASSERT_EQ(m.names.size(), 10u);
  EXPECT_EQ(m.names.front(), "x[1]");
  EXPECT_EQ(m.names.back(), "x[10]");
  const std::vector<double> q = {0.5, -1, 2, 3, 4, 5, 6, 7, 8, -9.25};
  EXPECT_EQ(outputs(m.model, m.data, q), q);
  EXPECT_EQ(StdNormal::info().name, "std_normal");
  EXPECT_TRUE(StdNormal::info().data_fields.empty());
}

TEST(StdNormal, IgnoresADataFile) {
  auto data = repo_data("eight_schools.json");
  auto m = load_model<StdNormal>({{"dim", "3"}}, data.get());
  EXPECT_EQ(m.model.dim(m.data), 3);
}

TEST(StdNormal, OptionErrors) {
  EXPECT_EQ(input_error_of([] { load_model<StdNormal>({{"dim", "0"}}, nullptr); }),
            "--set dim: must be at least 1");
  EXPECT_EQ(input_error_of([] { load_model<StdNormal>({{"dim", "3.5"}}, nullptr); }),
            "--set dim: '3.5' is not an integer");
  EXPECT_EQ(input_error_of([] { load_model<StdNormal>({{"dimension", "3"}}, nullptr); }),
            "--set dimension: model 'std_normal' has no option 'dimension' (see `lockstep models`)");
}

}  // namespace
}  // namespace testing_models
}  // namespace lockstep
