// host/diagnostics/autocorr_time.cpp against emcee 3's autocorr module on committed chains
// (tests/fixtures/autocorr/, written by scripts/make_autocorr_fixtures.py): tau per parameter
// to 1e-6 relative (AR(1) walkers with two window constants, a short non-power-of-two chain,
// a real emcee run on the peak model), the too-short flags, function_1d; plus exact cases:
// white noise (tau -> 1), an analytic AR(1) (tau = (1 + phi) / (1 - phi)), constant walkers,
// and independence of the thread count.
#include "host/diagnostics/autocorr_time.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lockstep::diagnostics {
namespace {

constexpr double kEmceeRelTol = 1e-6;

nlohmann::json fixture(const std::string& name) {
  const std::string path = std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/autocorr/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  return nlohmann::json::parse(in);
}

/// A DrawSet with parameters p0.., chains = walkers, from the fixture's chains[d][w][t].
DrawSet draws_of(const nlohmann::json& c) {
  DrawSet d;
  const int n_d = c.at("n_d"), n_w = c.at("n_w"), n_t = c.at("n_t");
  for (int p = 0; p < n_d; ++p) d.names.push_back("p" + std::to_string(p));
  d.resize(n_w, n_t);
  for (int p = 0; p < n_d; ++p)
    for (int w = 0; w < n_w; ++w) {
      const std::vector<double> s = c["chains"][p][w].get<std::vector<double>>();
      std::copy(s.begin(), s.end(), d.series(p, w));
    }
  return d;
}

class EmceeFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(EmceeFixture, TauMatchesEmcee) {
  const nlohmann::json c = fixture(GetParam());
  const DrawSet d = draws_of(c);
  for (const auto& res : c["results"]) {
    AutocorrTimeOptions opt;
    opt.c = res["c"];
    opt.tol = c["tol"];
    const std::vector<AutocorrTime> got = autocorr_times(d, opt);
    const std::vector<double> tau = integrated_time(d, opt);
    ASSERT_EQ(got.size(), res["tau"].size());
    for (std::size_t p = 0; p < got.size(); ++p) {
      const double want = res["tau"][p];
      const double gap = std::fabs(got[p].tau - want) / std::fabs(want);
      EXPECT_LT(gap, kEmceeRelTol) << GetParam() << " c = " << opt.c << " parameter " << p << ": tau " << got[p].tau
                                   << ", emcee " << want << ", relative gap " << gap;
      EXPECT_EQ(tau[p], got[p].tau);
      EXPECT_EQ(got[p].too_short, res["too_short"][p].get<bool>()) << GetParam() << " parameter " << p;
      EXPECT_EQ(got[p].constant_series, 0);
      // Sokal's window: the first M with M >= c tau(M)
      EXPECT_GE(got[p].window, opt.c * got[p].tau - 1e-9);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Autocorr, EmceeFixture, ::testing::Values("ar1.json", "short_odd.json", "emcee_peak.json"),
                         [](const ::testing::TestParamInfo<const char*>& i) {
                           std::string s = i.param;
                           return s.substr(0, s.find('.'));
                         });

TEST(AutocorrTime, Function1dMatchesEmcee) {
  const nlohmann::json c = fixture("function_1d.json");
  const std::vector<double> x = c["x"].get<std::vector<double>>();
  const std::vector<double> want = c["acf"].get<std::vector<double>>();
  const std::vector<double> got = autocorr_function(x.data(), static_cast<int>(x.size()));
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(got[0], 1.0);
  for (std::size_t t = 0; t < got.size(); ++t)
    EXPECT_NEAR(got[t], want[t], 1e-12) << "lag " << t;
}

TEST(AutocorrTime, AnalyticAr1AndWhiteNoise) {
  // AR(1) with coefficient phi has rho(t) = phi^t and tau = (1 + phi) / (1 - phi); white noise
  // tau = 1. 64 walkers x 20000 draws each: the estimate is within a few percent (Sokal's
  // window truncates at M ~ 5 tau, a relative bias ~ phi^M, plus noise ~ sqrt(2(2M+1)/N)).
  std::mt19937_64 gen(12345);
  std::normal_distribution<double> z(0.0, 1.0);
  const int K = 64, n = 20000;
  for (double phi : {0.0, 0.5, 0.9}) {
    std::vector<std::vector<double>> s(K, std::vector<double>(n));
    for (auto& v : s) {
      v[0] = z(gen) / std::sqrt(1 - phi * phi);
      for (int t = 1; t < n; ++t) v[t] = phi * v[t - 1] + z(gen);
    }
    std::vector<const double*> ptr;
    for (auto& v : s) ptr.push_back(v.data());
    const AutocorrTime r = integrated_time(ptr, n);
    const double want = (1 + phi) / (1 - phi);
    EXPECT_NEAR(r.tau, want, 0.03 * want) << "phi = " << phi;
    EXPECT_FALSE(r.too_short);
  }
}

TEST(AutocorrTime, ConstantWalkersAreLeftOut) {
  // 3 moving walkers and 1 stuck one: tau equals that of the 3 moving walkers alone.
  std::mt19937_64 gen(7);
  std::normal_distribution<double> z(0.0, 1.0);
  const int n = 500;
  std::vector<std::vector<double>> s(4, std::vector<double>(n, 0.25));
  for (int k = 0; k < 3; ++k) {
    double x = 0;
    for (int t = 0; t < n; ++t) s[k][t] = x = 0.7 * x + z(gen);
  }
  const AutocorrTime all = integrated_time({s[0].data(), s[1].data(), s[2].data(), s[3].data()}, n);
  const AutocorrTime moving = integrated_time({s[0].data(), s[1].data(), s[2].data()}, n);
  EXPECT_EQ(all.constant_series, 1);
  EXPECT_NEAR(all.tau, moving.tau, 1e-12 * moving.tau);
  const AutocorrTime none = integrated_time({s[3].data()}, n);
  EXPECT_TRUE(std::isnan(none.tau));
  EXPECT_TRUE(none.too_short);
}

TEST(AutocorrTime, TwoDrawsGiveNoTrustedEstimate) {
  // Two draws per walker: the window closes where tau(M) has fallen to 0. That is no estimate,
  // and it is flagged as one from a too-short run (emcee returns NaN there).
  const std::vector<double> a = {0.1, 0.7}, b = {-0.3, 0.2}, c = {1.5, 0.4};
  const AutocorrTime two = integrated_time({a.data(), b.data(), c.data()}, 2);
  EXPECT_FALSE(two.tau > 0) << two.tau;
  EXPECT_TRUE(two.too_short) << "tau " << two.tau;
}

TEST(AutocorrTime, ScaleOfOneWalkerDoesNotMatter) {
  // Walkers share FFTs in pairs; a walker that moved by 1e-30 must contribute exactly its
  // autocorrelation, not the rounding of its partner's transform.
  std::mt19937_64 gen(3);
  std::normal_distribution<double> z(0.0, 1.0);
  const int n = 300;
  std::vector<double> a(n), b(n);
  double x = 0, y = 0;
  for (int t = 0; t < n; ++t) {
    a[t] = x = 0.8 * x + z(gen);
    b[t] = y = 0.3 * y + z(gen);
  }
  std::vector<double> b_scaled(n);
  for (int t = 0; t < n; ++t) b_scaled[t] = 1e-30 * b[t];
  const AutocorrTime ref = integrated_time({a.data(), b.data()}, n);
  const AutocorrTime scaled = integrated_time({a.data(), b_scaled.data()}, n);
  EXPECT_NEAR(scaled.tau, ref.tau, 1e-12 * ref.tau);
  EXPECT_EQ(scaled.constant_series, 0);
}

TEST(AutocorrTime, DoesNotDependOnTheThreadCount) {
  const nlohmann::json c = fixture("emcee_peak.json");
  const DrawSet d = draws_of(c);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const std::vector<double> one = integrated_time(d);
  omp_set_num_threads(2);
  const std::vector<double> two = integrated_time(d);
  omp_set_num_threads(saved);
  for (std::size_t p = 0; p < one.size(); ++p) EXPECT_EQ(one[p], two[p]) << "parameter " << p;
}

TEST(AutocorrTime, WarningNamesTheShortParameters) {
  std::vector<AutocorrTime> t(3);
  t[0].tau = 10;
  t[1].tau = 40;
  t[2].tau = 5;
  EXPECT_EQ(short_chain_warning({"l", "m", "s"}, t, 1000), "");
  t[1].too_short = true;
  t[2].too_short = true;
  EXPECT_EQ(short_chain_warning({"l", "m", "s"}, t, 1000, {}, 2.0),
            "the chain is shorter than 50 times the integrated autocorrelation time for 2 parameter(s) "
            "(m: tau = 80, s: tau = 10); N/50 = 40; use this estimate with caution and run a longer chain");
}

TEST(AutocorrTime, SummedSpectraEqualTheMeanOfWalkerAutocorrelations) {
  // integrated_time averages the walkers' autocorrelations through one sum of power spectra;
  // emcee averages the functions themselves (autocorr_function per walker, here). 37 walkers
  // (blocks of 32 and an unpaired one) of very different scales, n = 777 (not a power of two):
  // the same f up to rounding, hence the same window and tau to 1e-12. With phi = 0.9 the
  // window (~95) ends within the lags that integrated_time's first, shorter padding gets exactly
  // (1024 - 777); with phi = 0.995 it does not, and the full padding is used.
  for (double phi : {0.9, 0.995}) {
    std::mt19937_64 gen(21);
    std::normal_distribution<double> z(0.0, 1.0);
    const int K = 37, n = 777;
    std::vector<std::vector<double>> s(K, std::vector<double>(n));
    std::vector<const double*> ptr;
    for (int k = 0; k < K; ++k) {
      double x = 0;
      for (int t = 0; t < n; ++t) s[k][t] = x = phi * x + std::pow(10.0, k % 7 - 3) * z(gen);
      ptr.push_back(s[k].data());
    }
    std::vector<double> f(n, 0.0);
    for (int k = 0; k < K; ++k) {
      const std::vector<double> rho = autocorr_function(s[k].data(), n);
      for (int t = 0; t < n; ++t) f[t] += rho[t] / K;
    }
    double cum = 0, want = 0;
    int window = -1;
    for (int t = 0; t < n && window < 0; ++t) {
      cum += f[t];
      want = 2 * cum - 1;
      if (!(t < kAutocorrWindowC * want)) window = t;
    }
    EXPECT_TRUE(phi < 0.95 ? window < 1024 - n : window > 1024 - n) << "the case does not test its path";
    const AutocorrTime got = integrated_time(ptr, n);
    EXPECT_EQ(got.window, window) << "phi = " << phi;
    EXPECT_NEAR(got.tau, want, 1e-12 * std::fabs(want)) << "phi = " << phi;
    // A walker with a NaN draw makes tau NaN, as in emcee.
    s[5][100] = std::numeric_limits<double>::quiet_NaN();
    EXPECT_TRUE(std::isnan(integrated_time(ptr, n).tau));
  }
}

}  // namespace
}  // namespace lockstep::diagnostics
