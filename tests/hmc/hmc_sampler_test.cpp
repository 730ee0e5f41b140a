// The mechanics of sample_hmc (host/algorithms/hmc/hmc_sampler.hpp) checked against what they must
// compute: given initial values are used; thinning and save_warmup keep exactly the right
// iterations; the adapted metric is Stan's regularized variance of exactly the draws of the
// last slow window (per chain, or pooled over chains); the step size is constant after
// warmup; the statistics are consistent with the model and with the step-count jitter.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "models/contract/input_error.hpp"
#include "tests/build_config.hpp"
#include "tests/hmc/sampler_fixtures.hpp"

namespace lockstep {
namespace testing {
namespace {

// The inverse metric is accumulated from Real draws over windows of up to 500 iterations and
// stored in Real: Welford sums in float drift by up to ~n eps (measured: 8 eps at n = 500), so
// within 256 eps of the double computation from the same draws in float (3e-5 relative), and
// 1e-10 relative in double, as before.
constexpr double kMetricRelTol = 256 * kRealEps > 1e-10 ? 256 * kRealEps : 1e-10;

// ---- initial values -------------------------------------------------------------------

TEST(HmcSampler, InitialValuesForSomeChainsOnlyAreRefused) {
  const auto m = load_std_normal(2);
  HmcConfig cfg;
  cfg.chains = 5;
  cfg.init_unconstrained = {{1, 1}, {2, 2}};
  DrawSet d;
  RunInfo info;
  try {
    sample_hmc(m, cfg, d, info);
    FAIL() << "2 initial vectors for 5 chains were accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--init"), std::string::npos) << e.what();
  }
}

TEST(HmcSampler, GivenInitialValuesAreUsedPerChain) {
  // Inits at |x| >= 20, far outside the default U(-2, 2), one per chain (chain c gets
  // init[c % 3]); one leapfrog step per iteration, no jitter. The first saved warmup draw is
  // then either the initial value itself (transition rejected) or ONE leapfrog step of the
  // recorded size eps from it, with identity metric:
  //     x = x0 (1 - eps^2/2) + eps p,   p ~ N(0, 1),
  // so the implied momentum p = (x - x0 (1 - eps^2/2)) / eps must look like a normal draw
  // (|p| < 6). Any other starting point within U(-2, 2) would imply |p| > 9.
  const int dim = 4;
  const auto m = load_std_normal(dim);
  HmcConfig cfg;
  cfg.chains = 11;
  cfg.warmup = 10;
  cfg.draws = 1;
  cfg.save_warmup = true;
  cfg.steps = 1;
  cfg.jitter_steps = false;
  cfg.threads = 2;
  const std::vector<std::vector<double>> templates = {{20, 21, 22, 23}, {-30, 31, -32, 33}, {40, -41, 42, -43}};
  for (int c = 0; c < cfg.chains; ++c) cfg.init_unconstrained.push_back(templates[c % 3]);
  const SampleRun r = run_hmc(m, cfg);
  ASSERT_EQ(r.draws.n_warmup_saved, 10);
  const int eps_col = r.draws.stat_index("stepsize__");
  int accepted = 0;
  for (int c = 0; c < cfg.chains; ++c) {
    const std::vector<double>& init = cfg.init_unconstrained[c];
    const double eps = r.draws.stat_series(eps_col, c)[0];
    bool at_init = true;
    for (int i = 0; i < dim; ++i) at_init = at_init && r.draws.series(i, c)[0] == init[i];
    if (at_init) continue;
    ++accepted;
    for (int i = 0; i < dim; ++i) {
      const double x = r.draws.series(i, c)[0];
      const double p = (x - init[i] * (1 - eps * eps / 2)) / eps;
      EXPECT_LT(std::fabs(p), 6.0) << "chain " << c << " x[" << i + 1 << "]: first warmup draw " << x
                                   << " is not one leapfrog step of size " << eps << " from the initial value "
                                   << init[i] << " (implied momentum " << p << ")";
    }
  }
  // report how the first transitions went (both outcomes are valid)
  std::printf("[ info ] first transition accepted in %d of %d chains\n", accepted, cfg.chains);
}

TEST(HmcSampler, OneInitialValueForAllChainsWithoutWarmup) {
  // No warmup: the step size stays at init_step_size (no heuristic), so with a tiny step
  // the first draw is within a few step sizes of the initial value.
  const auto m = load_eight_schools<models::EightSchoolsNoncentered>();
  HmcConfig cfg;
  cfg.chains = 5;
  cfg.warmup = 0;
  cfg.draws = 3;
  cfg.steps = 1;
  cfg.jitter_steps = false;
  cfg.init_step_size = 1e-4;
  cfg.threads = 2;
  // unconstrained (mu, log tau, eta_1..eta_8)
  cfg.init_unconstrained = {{3.0, std::log(2.0), 0.5, -0.5, 0.25, -0.25, 1.0, -1.0, 0.1, -0.1}};
  const SampleRun r = run_hmc(m, cfg);
  ASSERT_EQ(r.draws.n_draws, 3);
  ASSERT_EQ(r.draws.n_warmup_saved, 0);
  const std::vector<double>& q = cfg.init_unconstrained[0];
  for (int c = 0; c < cfg.chains; ++c) {
    EXPECT_NEAR(r.draws.series(0, c)[0], q[0], 1e-2) << "mu, chain " << c;
    EXPECT_NEAR(r.draws.series(1, c)[0], 2.0, 1e-2) << "tau, chain " << c;
    for (int j = 0; j < 8; ++j)
      EXPECT_NEAR(r.draws.series(2 + j, c)[0], q[0] + 2.0 * q[2 + j], 1e-2) << "theta[" << j + 1 << "], chain " << c;
    EXPECT_EQ(r.info.step_size[c], testing::as_real(1e-4)) << "chain " << c;
  }
}

TEST(HmcSampler, WrongInitialValueLengthIsAnInputError) {
  const auto m = load_std_normal(3);
  HmcConfig cfg;
  cfg.chains = 2;
  cfg.warmup = 10;
  cfg.draws = 10;
  cfg.init_unconstrained = {{1, 2}};
  DrawSet d;
  RunInfo info;
  EXPECT_THROW(sample_hmc(m, cfg, d, info), InputError);
}

// ---- thinning and saved warmup ------------------------------------------------------------

TEST(HmcSampler, ThinningAndSaveWarmupKeepTheRightIterations) {
  const auto m = load_eight_schools<models::EightSchoolsNoncentered>();
  HmcConfig full;
  full.chains = 9;
  full.warmup = 100;
  full.draws = 95;
  full.save_warmup = true;
  full.seed = 77;
  full.threads = 2;
  const SampleRun all = run_hmc(m, full);
  ASSERT_EQ(all.draws.n_warmup_saved, 100);
  ASSERT_EQ(all.draws.n_draws, 195);

  HmcConfig thinned = full;
  thinned.thin = 7;
  const SampleRun t = run_hmc(m, thinned);
  // Stan: iteration m of a phase is saved when m % thin == 0: ceil(100/7) = 15 warmup draws
  // (iterations 0, 7, ..., 98) and ceil(95/7) = 14 sampling draws (100, 107, ..., 191).
  ASSERT_EQ(t.draws.n_warmup_saved, 15);
  ASSERT_EQ(t.draws.n_draws, 29);
  ASSERT_EQ(t.draws.n_chains, 9);
  for (int c = 0; c < 9; ++c)
    for (std::size_t p = 0; p < all.draws.names.size(); ++p) {
      for (int k = 0; k < 15; ++k)
        ASSERT_TRUE(same_bits(t.draws.series(p, c)[k], all.draws.series(p, c)[7 * k]))
            << all.draws.names[p] << " chain " << c << " warmup draw " << k;
      for (int k = 0; k < 14; ++k)
        ASSERT_TRUE(same_bits(t.draws.series(p, c)[15 + k], all.draws.series(p, c)[100 + 7 * k]))
            << all.draws.names[p] << " chain " << c << " sampling draw " << k;
    }
  // thinning does not change the run itself
  for (int c = 0; c < 9; ++c) EXPECT_EQ(t.info.step_size[c], all.info.step_size[c]) << "chain " << c;

  HmcConfig no_warm = thinned;
  no_warm.save_warmup = false;
  const SampleRun s = run_hmc(m, no_warm);
  ASSERT_EQ(s.draws.n_warmup_saved, 0);
  ASSERT_EQ(s.draws.n_draws, 14);
  for (int c = 0; c < 9; ++c)
    for (std::size_t p = 0; p < all.draws.names.size(); ++p)
      for (int k = 0; k < 14; ++k)
        ASSERT_TRUE(same_bits(s.draws.series(p, c)[k], all.draws.series(p, c)[100 + 7 * k]))
            << all.draws.names[p] << " chain " << c << " draw " << k;

  HmcConfig plain = full;
  plain.save_warmup = false;
  plain.draws = 37;
  const SampleRun pl = run_hmc(m, plain);
  EXPECT_EQ(pl.draws.n_draws, 37);
  EXPECT_EQ(pl.draws.n_warmup_saved, 0);
  EXPECT_EQ(pl.draws.values.size(), 10u * 9u * 37u);
  EXPECT_EQ(pl.draws.stats.size(), 6u * 9u * 37u);
}

// ---- metric adaptation windows -----------------------------------------------------------

/// Stan's regularized variance estimate of the draws d[first..last] (two-pass, long double).
double regularized_window_variance(const std::vector<const double*>& chains, int first, int last) {
  long double sum = 0;
  long double n = 0;
  for (const double* d : chains)
    for (int t = first; t <= last; ++t) {
      sum += d[t];
      n += 1;
    }
  const long double mean = sum / n;
  long double ss = 0;
  for (const double* d : chains)
    for (int t = first; t <= last; ++t) ss += (d[t] - mean) * (d[t] - mean);
  const double var = static_cast<double>(ss / (n - 1));
  const double nn = static_cast<double>(n);
  return (nn / (nn + 5.0)) * var + 1e-3 * (5.0 / (nn + 5.0));
}

struct WindowCase {
  int warmup;
  int first, last;  // the last slow window's iterations
};

TEST(HmcSampler, PerChainMetricIsTheRegularizedVarianceOfTheLastWindow) {
  // std_normal: the saved warmup draws are the unconstrained positions the Welford
  // estimator saw. Windows: warmup 200 -> [75,99] [100,149]; 100 -> [15,89] (rescaled);
  // 1000 -> ..., [450, 949].
  const int dim = 3;
  const auto m = load_std_normal(dim);
  for (const WindowCase wc : {WindowCase{200, 100, 149}, WindowCase{100, 15, 89}, WindowCase{1000, 450, 949}}) {
    HmcConfig cfg;
    cfg.chains = 10;
    cfg.warmup = wc.warmup;
    cfg.draws = 20;
    cfg.save_warmup = true;
    cfg.threads = 2;
    cfg.seed = 5;
    const SampleRun r = run_hmc(m, cfg);
    for (int c = 0; c < cfg.chains; ++c)
      for (int i = 0; i < dim; ++i) {
        const double expected = regularized_window_variance({r.draws.series(i, c)}, wc.first, wc.last);
        EXPECT_NEAR(r.info.inv_metric[c][i], expected, kMetricRelTol * expected)
            << "warmup " << wc.warmup << " chain " << c << " x[" << i + 1 << "]: window [" << wc.first
            << ", " << wc.last << "]";
        // and not the window shifted by one
        const double shifted = regularized_window_variance({r.draws.series(i, c)}, wc.first + 1, wc.last + 1);
        EXPECT_GT(std::fabs(r.info.inv_metric[c][i] - shifted), 1e-8 * expected)
            << "warmup " << wc.warmup << " chain " << c;
      }
  }
}

TEST(HmcSampler, PooledMetricIsTheRegularizedVarianceOfAllChainsLastWindow) {
  const int dim = 3;
  const auto m = load_std_normal(dim);
  HmcConfig cfg;
  cfg.chains = 13;
  cfg.warmup = 200;
  cfg.draws = 20;
  cfg.save_warmup = true;
  cfg.pool_adaptation = true;
  cfg.threads = 2;
  const SampleRun r = run_hmc(m, cfg);
  for (int i = 0; i < dim; ++i) {
    std::vector<const double*> chains;
    for (int c = 0; c < cfg.chains; ++c) chains.push_back(r.draws.series(i, c));
    const double expected = regularized_window_variance(chains, 100, 149);
    for (int c = 0; c < cfg.chains; ++c)
      EXPECT_NEAR(r.info.inv_metric[c][i], expected, kMetricRelTol * expected) << "x[" << i + 1 << "] chain " << c;
  }
}

TEST(HmcSampler, NoMetricAdaptationBelow20WarmupOrWhenDisabled) {
  const auto m = load_std_normal(3);
  HmcConfig cfg;
  cfg.chains = 8;
  cfg.warmup = 19;
  cfg.draws = 5;
  cfg.threads = 2;
  SampleRun r = run_hmc(m, cfg);
  for (int c = 0; c < 8; ++c)
    for (double v : r.info.inv_metric[c]) EXPECT_EQ(v, 1.0) << "warmup 19, chain " << c;
  cfg.warmup = 300;
  cfg.adapt_metric = false;
  r = run_hmc(m, cfg);
  for (int c = 0; c < 8; ++c)
    for (double v : r.info.inv_metric[c]) EXPECT_EQ(v, 1.0) << "adapt_metric off, chain " << c;
}

// ---- statistics -----------------------------------------------------------------------------

TEST(HmcSampler, StatisticsAreConsistent) {
  const int dim = 5;
  const auto m = load_std_normal(dim);
  HmcConfig cfg;
  cfg.chains = 12;
  cfg.warmup = 200;
  cfg.draws = 1000;
  cfg.steps = 10;
  cfg.threads = 2;
  const SampleRun r = run_hmc(m, cfg);
  const DrawSet& d = r.draws;
  const int lp = d.stat_index("lp__"), acc = d.stat_index("accept_stat__"), eps = d.stat_index("stepsize__");
  const int nl = d.stat_index("n_leapfrog__"), div = d.stat_index("divergent__"), en = d.stat_index("energy__");
  ASSERT_GE(std::min({lp, acc, eps, nl, div, en}), 0);
  double sum_steps = 0;
  std::set<int> seen;
  long divergent = 0;
  for (int c = 0; c < cfg.chains; ++c)
    for (int k = 0; k < d.n_draws; ++k) {
      double ss = 0;
      for (int i = 0; i < dim; ++i) ss += d.series(i, c)[k] * d.series(i, c)[k];
      ASSERT_NEAR(d.stat_series(lp, c)[k], -0.5 * ss, testing::real_tol(1e-12) * (1 + ss)) << "chain " << c << " draw " << k;
      // energy = kinetic (>= 0) - lp
      ASSERT_GE(d.stat_series(en, c)[k], -d.stat_series(lp, c)[k] - testing::real_tol(1e-12)) << "chain " << c << " draw " << k;
      const double a = d.stat_series(acc, c)[k];
      ASSERT_TRUE(a >= 0 && a <= 1) << "accept_stat " << a;
      ASSERT_EQ(d.stat_series(eps, c)[k], r.info.step_size[c]) << "step size after warmup, chain " << c;
      const double n = d.stat_series(nl, c)[k];
      // jitter is shared by all chains: same count in every chain at an iteration
      ASSERT_EQ(n, d.stat_series(nl, 0)[k]) << "chain " << c << " draw " << k;
      if (c == 0) {
        sum_steps += n;
        seen.insert(static_cast<int>(n));
      }
      divergent += d.stat_series(div, c)[k] != 0;
    }
  // uniform on {1, ..., 19}: mean 10, sd sqrt((19^2 - 1)/12) = 5.48
  const double mean_steps = sum_steps / d.n_draws;
  const double se = std::sqrt((19.0 * 19.0 - 1) / 12) / std::sqrt(static_cast<double>(d.n_draws));
  EXPECT_NEAR(mean_steps, 10.0, 5 * se) << "mean n_leapfrog";
  EXPECT_EQ(seen, (std::set<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}));
  EXPECT_EQ(r.info.divergences, divergent);
  // every gradient evaluation of the saved transitions was counted
  EXPECT_GE(static_cast<double>(r.info.gradient_evaluations), sum_steps * cfg.chains);
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
