// models/normal_mean.hpp: gradient against finite differences, value against an independent
// formula, the exact posterior (the density's maximum is its mean, its curvature -1/sd^2), the
// normalized log prior, prior draws and simulations (moments within 5 MCSE), refused options.
#include "models/normal_mean.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "host/io/csv_data.hpp"
#include "tests/build_config.hpp"
#include "tests/models/gradient_check.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace testing_models {
namespace {

using models::NormalMean;

/// The tests' data set: three observations with known sd 0.8.
std::unique_ptr<DataSource> nm_data() {
  return load_json_data(write_temp_file("nm.json", "{\"N\": 3, \"y\": [1.2, 0.4, -0.1], \"sigma\": 0.8}"));
}

Loaded<NormalMean> load_nm(const std::map<std::string, std::string>& opts = {{"mu0", "0.3"}, {"tau0", "1.5"}}) {
  return load_model<NormalMean>(opts, nm_data().get());
}

TEST(NormalMean, GradientMatchesFiniteDifferences) {
  const auto m = load_nm();
  expect_gradients_match(m.model, m.data, standard_points(1, 99));
}

TEST(NormalMean, ValueMatchesIndependentFormula) {
  const auto m = load_nm();
  const std::vector<double> y = {1.2, 0.4, -0.1};
  for (double mu : {-2.0, 0.0, 0.7, 3.1}) {
    double ref = -0.5 * (mu - 0.3) * (mu - 0.3) / (1.5 * 1.5);
    for (double v : y) ref -= 0.5 * (v - mu) * (v - mu) / (0.8 * 0.8);
    const double v0 = log_density(m.model, m.data, {0.0});
    const double v1 = log_density(m.model, m.data, {mu});
    double ref0 = -0.5 * 0.3 * 0.3 / (1.5 * 1.5);
    for (double v : y) ref0 -= 0.5 * v * v / (0.8 * 0.8);
    EXPECT_NEAR(v1 - v0, ref - ref0, testing::real_tol(1e-12));
  }
}

TEST(NormalMean, ExactPosteriorIsTheDensitysGaussian) {
  const auto m = load_nm();
  double mean = 0, sd = 0;
  models::normal_mean_posterior({1.2, 0.4, -0.1}, 0.8, 0.3, 1.5, mean, sd);
  // Independent: precision 1/2.25 + 3/0.64, mean (0.3/2.25 + 1.5/0.64) / precision.
  const double prec = 1 / 2.25 + 3 / 0.64;
  EXPECT_NEAR(mean, (0.3 / 2.25 + 1.5 / 0.64) / prec, 1e-14);
  EXPECT_NEAR(sd, 1 / std::sqrt(prec), 1e-14);
  std::vector<double> g;
  log_density(m.model, m.data, {mean}, &g);
  EXPECT_NEAR(g[0], 0, testing::real_tol(1e-12));  // the mode of a Gaussian is its mean
  std::vector<double> g1;
  log_density(m.model, m.data, {mean + 1}, &g1);
  EXPECT_NEAR(g1[0] - g[0], -1 / (sd * sd), testing::real_tol(1e-12) * 100);  // curvature -1/sd^2
}

TEST(NormalMean, PriorDrawsSimulationsAndLogPrior) {
  const auto loaded = load_builtin("normal_mean", {{"mu0", "0.3"}, {"tau0", "1.5"}}, nm_data().get());
  const AnyModel& any = *loaded;
  EXPECT_NEAR(any.log_prior({0.3}), -std::log(1.5) - 0.5 * std::log(2 * M_PI), testing::real_tol(1e-12));
  EXPECT_NEAR(any.log_prior({1.8}), -0.5 - std::log(1.5) - 0.5 * std::log(2 * M_PI), testing::real_tol(1e-12));
  const int n = 4000;
  double s = 0, s2 = 0, r = 0, r2 = 0;
  for (int i = 0; i < n; ++i) {
    const std::vector<double> th = any.prior_draw(5, static_cast<std::uint32_t>(i));
    s += th[0];
    s2 += th[0] * th[0];
    const std::vector<double> x = any.simulate(th, 5, static_cast<std::uint32_t>(i));
    ASSERT_EQ(x.size(), 3u);
    const double z = (x[1] - th[0]) / 0.8;
    r += z;
    r2 += z * z;
  }
  const double mean = s / n, var = s2 / n - mean * mean;
  EXPECT_NEAR(mean, 0.3, 5 * 1.5 / std::sqrt(n)) << "5 MCSE";
  EXPECT_NEAR(var, 2.25, 5 * 2.25 * std::sqrt(2.0 / n)) << "5 MCSE";
  EXPECT_NEAR(r / n, 0, 5 / std::sqrt(n)) << "5 MCSE";
  EXPECT_NEAR(r2 / n - (r / n) * (r / n), 1, 5 * std::sqrt(2.0 / n)) << "5 MCSE";
  EXPECT_EQ(load_nm().sbi_observed, (std::vector<double>{1.2, 0.4, -0.1}));
}

TEST(NormalMean, RefusesBadInput) {
  EXPECT_NE(input_error_of([] { load_nm({{"tau0", "0"}}); }).find("tau0"), std::string::npos);
  const std::string path = write_temp_file("nm_bad.json", "{\"N\": 2, \"y\": [1.2, 0.4], \"sigma\": -1}");
  auto src = load_json_data(path);
  EXPECT_NE(input_error_of([&] { load_model<NormalMean>({}, src.get()); }).find("sigma"), std::string::npos);
}

// A CSV file has one column per field: sigma repeated on every row is the one sigma; differing
// values are refused.
TEST(NormalMean, CsvRepeatsSigmaOnEveryRow) {
  auto csv = load_data_file(write_temp_file("nm.csv", "y,sigma\n1.2,0.8\n0.4,0.8\n-0.1,0.8\n"));
  const auto m = load_model<NormalMean>({}, csv.get());
  EXPECT_EQ(m.data.N, 3);
  EXPECT_EQ(m.data.sigma, static_cast<Real>(0.8));
  EXPECT_EQ(m.sbi_observed, (std::vector<double>{1.2, 0.4, -0.1}));
  auto differ = load_data_file(write_temp_file("nm_differ.csv", "y,sigma\n1.2,0.8\n0.4,0.9\n"));
  EXPECT_NE(input_error_of([&] { load_model<NormalMean>({}, differ.get()); })
                .find("field 'sigma': expected one value (or, in a CSV column, the same value on all 2 rows), found 2 "
                      "values that differ"),
            std::string::npos);
}

}  // namespace
}  // namespace testing_models
}  // namespace lockstep
