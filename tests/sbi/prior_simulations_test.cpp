// host/run/prior_simulations.hpp and kernels/sbi/prior_simulation.hpp: the store's simulation g
// is SBC's replicate g bit for bit (AnyModel::prior_draw(seed, g), then simulate(theta, seed, g));
// a store started at `first` is the same rows as a longer one; prior draws lie in the box and the
// simulated data follow the model's noise (mean and sd of the standardized residuals); non-finite
// simulations are kept in place and counted.
#include "host/run/prior_simulations.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "host/io/csv_data.hpp"
#include "host/registry/model_entry.hpp"
#include "models/peak.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace {

using models::Peak;

Loaded<Peak> load_peak(const std::string& prior) {
  auto src = load_csv_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/peak.csv");
  return testing_models::load_model<Peak>({{"prior", prior}}, src.get());
}

TEST(PriorSimulations, SameNumbersAsSbcReplicates) {
  const Loaded<Peak> m = load_peak("sbi");
  const AnyModelImpl<Peak> any(m);
  const std::uint64_t seed = 20261202;
  const PriorSimulations s = simulate_prior_predictive(m, seed, 0, 64);
  ASSERT_EQ(s.n, 64);
  ASSERT_EQ(s.n_theta, 5);
  ASSERT_EQ(s.n_x, m.data.N);
  for (int g = 0; g < 64; ++g) {
    const std::vector<double> theta = any.prior_draw(seed, static_cast<std::uint32_t>(g));
    const std::vector<double> x = any.simulate(theta, seed, static_cast<std::uint32_t>(g));
    for (int k = 0; k < s.n_theta; ++k) EXPECT_EQ(s.theta[g * s.n_theta + k], theta[k]) << "g " << g << " k " << k;
    for (int k = 0; k < s.n_x; ++k) EXPECT_EQ(s.x[g * s.n_x + k], x[k]) << "g " << g << " k " << k;
  }
}

TEST(PriorSimulations, OffsetRowsEqualALongerStore) {
  const Loaded<Peak> m = load_peak("mcmc");
  const PriorSimulations all = simulate_prior_predictive(m, 7, 0, 300);
  const PriorSimulations part = simulate_prior_predictive(m, 7, 120, 100);
  for (int i = 0; i < 100; ++i) {
    for (int k = 0; k < 5; ++k) EXPECT_EQ(part.theta[i * 5 + k], all.theta[(120 + i) * 5 + k]);
    for (int k = 0; k < all.n_x; ++k) EXPECT_EQ(part.x[i * all.n_x + k], all.x[(120 + i) * all.n_x + k]);
  }
  EXPECT_EQ(simulate_prior_predictive(m, 7, 0, 0).theta.size(), 0u);
}

TEST(PriorSimulations, PriorBoxAndNoiseModel) {
  const Loaded<Peak> m = load_peak("sbi");
  const int n = 20000;
  const PriorSimulations s = simulate_prior_predictive(m, 3, 0, n);
  const double lo[5] = {0, 0, 0, -1, 0}, hi[5] = {2, 1, 1, 1, 1};
  auto csv = load_csv_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/peak.csv");
  const std::vector<double> xs = csv->reals_of_size("x", m.data.N), err = csv->reals_of_size("y_err", m.data.N);
  double sum = 0, sum2 = 0, mean_l = 0;
  for (int i = 0; i < n; ++i) {
    const double* t = &s.theta[i * 5];
    for (int k = 0; k < 5; ++k) {
      ASSERT_GT(t[k], lo[k]);
      ASSERT_LT(t[k], hi[k]);
    }
    mean_l += t[0] / n;
    // z = (x - f(theta)) / y_err for the first data point: standard normal.
    const double f = t[0] * std::exp(-std::pow(t[1] - xs[0], 2) / (2 * t[2] * t[2])) + t[3] + t[4] * xs[0];
    const double z = (s.x[static_cast<std::size_t>(i) * s.n_x] - f) / err[0];
    sum += z;
    sum2 += z * z;
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  // 5 standard errors: mean of N(0,1) sd 1/sqrt(n); variance sd sqrt(2/n); U(0,2) mean sd (2/sqrt(12))/sqrt(n).
  EXPECT_NEAR(mean, 0, 5 / std::sqrt(n)) << "tolerance 5 MCSE";
  EXPECT_NEAR(var, 1, 5 * std::sqrt(2.0 / n)) << "tolerance 5 MCSE";
  EXPECT_NEAR(mean_l, 1, 5 * (2 / std::sqrt(12.0)) / std::sqrt(n)) << "tolerance 5 MCSE";
  EXPECT_EQ(count_non_finite(s), 0);
}

/// A test simulator whose data set is NaN when its uniform theta is above 0.75.
struct NanSometimes {
  struct Data {
    int n;
  };
  LS_HD int dim(const Data&) const { return 1; }
  template <class V>
  LS_HD void prior_draw(const Data&, const Rng& rng, std::uint64_t it, V theta) const {
    theta[0] = static_cast<Real>(uniform(rng, it, Stream::kInit, 0));
  }
  LS_HD int n_simulated(const Data& d) const { return d.n; }
  template <class V, class O>
  LS_HD void simulate(const Data& d, V theta, const Rng& rng, std::uint64_t it, O out) const {
    const Real t = theta[0];
    for (int k = 0; k < d.n; ++k)
      out[k] = t > Real(0.75) ? std::numeric_limits<Real>::quiet_NaN()
                              : static_cast<Real>(normal(rng, it, Stream::kSimulate, static_cast<std::uint32_t>(k)));
  }
};

TEST(PriorSimulations, NonFiniteRowsAreKeptAndCounted) {
  Loaded<NanSometimes> m;
  m.data.n = 3;
  const PriorSimulations s = simulate_prior_predictive(m, 11, 0, 4000);
  std::int64_t expected = 0;
  for (std::int64_t i = 0; i < s.n; ++i) {
    const bool bad = s.theta[i] > 0.75;
    expected += bad;
    EXPECT_EQ(prior_simulation_finite(s, i), !bad);
    EXPECT_EQ(std::isnan(s.x[i * 3]), bad);
  }
  EXPECT_EQ(count_non_finite(s), expected);
  // About a quarter: binomial(4000, 0.25), 5 sd.
  EXPECT_NEAR(static_cast<double>(expected), 1000, 5 * std::sqrt(4000 * 0.25 * 0.75));
}

TEST(PriorSimulations, RefusesIndicesPast32Bits) {
  EXPECT_THROW(check_simulation_range((std::uint64_t(1) << 32) - 5, 10), std::invalid_argument);
  EXPECT_NO_THROW(check_simulation_range((std::uint64_t(1) << 32) - 10, 10));
}

}  // namespace
}  // namespace lockstep
