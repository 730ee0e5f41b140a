// models/peak_fit.hpp: the Levenberg-Marquardt fit recovers the parameters of a noiseless
// curve from a start away from them; the observed fit of data/peak.csv is a stationary point
// (the gradient of the sum of squares vanishes) no worse than any of many nearby points; the
// fit is a deterministic function of the data (the same bits twice).
#include "models/peak_fit.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "host/io/csv_data.hpp"
#include "models/peak.hpp"
#include "tests/build_config.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace {

struct HostPeak {
  int N;
  const double* x;
  const double* w;
};

std::vector<double> curve(const std::vector<double>& x, const double th[5]) {
  std::vector<double> y(x.size());
  for (std::size_t n = 0; n < x.size(); ++n) {
    const double dm = th[1] - x[n];
    y[n] = th[0] * std::exp(-dm * dm / (2 * th[2] * th[2])) + th[3] + th[4] * x[n];
  }
  return y;
}

TEST(PeakFit, RecoversANoiselessCurveFromAStartAwayFromIt) {
  std::vector<double> x(40), w(40);
  for (int n = 0; n < 40; ++n) {
    x[n] = n / 39.0;
    w[n] = 1 / (0.1 * 0.1);
  }
  const double truth[5] = {0.8, 0.42, 0.12, 0.1, -0.3};
  const std::vector<double> y = curve(x, truth);
  const HostPeak d{40, x.data(), w.data()};
  const double start[5] = {1.0, 0.45, 0.1, 0.0, 0.0};
  double fit[5];
  const double sse = models::peak_fit(d, y.data(), start, 40, fit);
  EXPECT_LT(sse, 1e-16);
  for (int k = 0; k < 5; ++k) EXPECT_NEAR(fit[k], truth[k], 1e-7) << "parameter " << k;
  double from_grid[5];
  models::peak_observed_fit(d, y.data(), from_grid);
  for (int k = 0; k < 5; ++k) EXPECT_NEAR(from_grid[k], truth[k], 1e-7) << "grid start, parameter " << k;
}

TEST(PeakFit, TheObservedFitIsAStationaryMinimumOfTheSumOfSquares) {
  auto src = load_csv_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/peak.csv");
  const std::vector<double> x = src->reals_of_size("x", 40), y = src->reals_of_size("y", 40),
                            e = src->positive_reals_of_size("y_err", 40);
  std::vector<double> w(40);
  for (int n = 0; n < 40; ++n) w[n] = 1 / (e[n] * e[n]);
  const HostPeak d{40, x.data(), w.data()};
  double fit[5];
  models::peak_observed_fit(d, y.data(), fit);
  // Near the reference posterior mean (l 1.04, m 0.506, s 0.106, a -0.076, b 0.27).
  EXPECT_NEAR(fit[0], 1.04, 0.06);
  EXPECT_NEAR(fit[1], 0.506, 0.008);
  const double sse = models::peak_fit_detail::sum_of_squares(d, y.data(), fit);
  double A[25], g[5];
  models::peak_fit_detail::normal_equations(d, y.data(), fit, A, g);
  for (int k = 0; k < 5; ++k)
    EXPECT_LT(std::fabs(g[k]), 1e-6 * std::sqrt(A[k * 6])) << "gradient component " << k << " at the fit";
  std::mt19937_64 rng(3);
  std::normal_distribution<double> z(0, 1e-3);
  for (int t = 0; t < 200; ++t) {
    double near[5];
    for (int k = 0; k < 5; ++k) near[k] = fit[k] + z(rng);
    EXPECT_GE(models::peak_fit_detail::sum_of_squares(d, y.data(), near), sse);
  }
  double again[5];
  models::peak_observed_fit(d, y.data(), again);
  for (int k = 0; k < 5; ++k) EXPECT_EQ(again[k], fit[k]);
}

TEST(PeakFit, TheModelsStatisticsAreTheFitOfTheDataSet) {
  auto src = load_csv_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/peak.csv");
  const Loaded<models::Peak> m = testing_models::load_model<models::Peak>({{"prior", "sbi"}}, src.get());
  ASSERT_EQ(m.model.n_adjustment_statistics(m.data), 5);
  // The observed data's statistics are its fit (the fit from the fit is the fit).
  const std::vector<Real> y(m.sbi_observed.begin(), m.sbi_observed.end());
  double s[5];
  m.model.adjustment_statistics(m.data, y.data(), s);
  // fit_start is the fit of the data in double; a float build's model sees y rounded to float
  // (~6e-8 relative), which moves the fit by far less than 1e-5.
  const double tol = sizeof(Real) == sizeof(float) ? 1e-5 : 1e-9;
  for (int k = 0; k < 5; ++k) EXPECT_NEAR(s[k], m.data.fit_start[k], tol * (1 + std::fabs(s[k])));
}

}  // namespace
}  // namespace lockstep
