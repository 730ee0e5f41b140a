// sample_nuts (host/run/nuts_sampler.hpp): the mechanics (columns, draw counts, the
// statistics' invariants, streams that do not depend on the chain or thread count, input
// errors, a step size that diverges at once) and the posteriors it recovers: std_normal in
// 100 dimensions, the ill-conditioned 100-dimensional Gaussian with diagonal and dense
// metrics (means and variances within 5 MCSE of the truth), and non-centered Eight Schools
// against the committed reference posterior (data/reference/eight_schools_noncentered.json).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/diagnostics/convergence.hpp"
#include "host/diagnostics/summary.hpp"
#include "host/io/input_error.hpp"
#include "host/run/nuts_sampler.hpp"
#include "tests/hmc/sampler_fixtures.hpp"

namespace lockstep {
namespace testing {
namespace {

template <class Model>
SampleRun run_nuts(const Loaded<Model>& m, const NutsConfig& cfg) {
  SampleRun r;
  sample_nuts(m, cfg, r.draws, r.info);
  return r;
}

// ---- mechanics ---------------------------------------------------------------------------

TEST(NutsSampler, ColumnsDrawCountsAndStatisticInvariants) {
  const auto m = load_std_normal(7);
  NutsConfig cfg;
  cfg.chains = 9;
  cfg.warmup = 120;
  cfg.draws = 77;
  cfg.save_warmup = true;
  cfg.max_depth = 6;
  cfg.seed = 11;
  cfg.threads = 2;
  const SampleRun r = run_nuts(m, cfg);
  const std::vector<std::string> stats = {"lp__",         "accept_stat__", "stepsize__", "treedepth__",
                                          "n_leapfrog__", "divergent__",   "energy__"};
  ASSERT_EQ(r.draws.stat_names, stats);
  ASSERT_EQ(r.draws.n_chains, 9);
  ASSERT_EQ(r.draws.n_draws, 120 + 77);
  ASSERT_EQ(r.draws.n_warmup_saved, 120);
  EXPECT_EQ(r.info.algorithm, "nuts");
  double leapfrogs = 0;
  for (int c = 0; c < 9; ++c) {
    const double* lp = r.draws.stat_series(0, c);
    const double* acc = r.draws.stat_series(1, c);
    const double* eps = r.draws.stat_series(2, c);
    const double* depth = r.draws.stat_series(3, c);
    const double* nl = r.draws.stat_series(4, c);
    const double* div = r.draws.stat_series(5, c);
    const double* energy = r.draws.stat_series(6, c);
    for (int d = 0; d < r.draws.n_draws; ++d) {
      const std::string at = "chain " + std::to_string(c) + " draw " + std::to_string(d);
      // lp__ is the log density at the draw: -|x|^2 / 2
      double ss = 0;
      for (int i = 0; i < 7; ++i) ss += r.draws.series(i, c)[d] * r.draws.series(i, c)[d];
      EXPECT_NEAR(lp[d], -0.5 * ss, 1e-10 * (1 + ss)) << at;
      EXPECT_GE(acc[d], 0) << at;
      EXPECT_LE(acc[d], 1) << at;
      // a tree that ends by a U-turn after depth doublings has 2^depth - 1 steps; one that
      // ends in an invalid subtree has up to 2^(depth+1) - 1
      EXPECT_GE(depth[d], 0) << at;
      EXPECT_LE(depth[d], cfg.max_depth) << at;
      EXPECT_GE(nl[d], std::max(1.0, std::ldexp(1.0, static_cast<int>(depth[d])) - 1)) << at;
      EXPECT_LE(nl[d], std::ldexp(1.0, static_cast<int>(depth[d]) + 1) - 1) << at;
      EXPECT_TRUE(div[d] == 0 || div[d] == 1) << at;
      // energy >= potential energy (the kinetic energy is >= 0)
      EXPECT_GE(energy[d], -lp[d] - 1e-12) << at;
      leapfrogs += nl[d];
      if (d > 120) {
        EXPECT_EQ(eps[d], eps[120]) << "step size changes after warmup, " << at;
      }
    }
    EXPECT_EQ(eps[120], r.info.step_size[c]);
  }
  // every leapfrog step is a gradient evaluation; the rest are initialization and the
  // step-size heuristic
  EXPECT_GE(static_cast<double>(r.info.gradient_evaluations), leapfrogs);
  EXPECT_LE(static_cast<double>(r.info.gradient_evaluations), leapfrogs + 9 * 400);
}

TEST(NutsSampler, HugeStepSizeDivergesAtTheFirstLeapfrogStep) {
  // No warmup: the step size stays 1e3. The first leapfrog step from any point moves x by
  // ~1e3 |p|, so H - H0 ~ 1e6 > 1000: Stan reports treedepth__ = 0, n_leapfrog__ = 1,
  // divergent__ = 1, and the chain stays where it is.
  const auto m = load_std_normal(10);
  NutsConfig cfg;
  cfg.chains = 6;
  cfg.warmup = 0;
  cfg.draws = 25;
  cfg.init_step_size = 1e3;
  cfg.threads = 2;
  cfg.init_unconstrained = {{0.1, -0.2, 0.3, 0, 0.5, -0.6, 0.7, 0, 0.9, -1}};
  const SampleRun r = run_nuts(m, cfg);
  for (int c = 0; c < 6; ++c)
    for (int d = 0; d < 25; ++d) {
      const std::string at = "chain " + std::to_string(c) + " draw " + std::to_string(d);
      EXPECT_EQ(r.draws.stat_series(3, c)[d], 0) << at;
      EXPECT_EQ(r.draws.stat_series(4, c)[d], 1) << at;
      EXPECT_EQ(r.draws.stat_series(5, c)[d], 1) << at;
      EXPECT_LT(r.draws.stat_series(1, c)[d], 1e-100) << at;
      for (int i = 0; i < 10; ++i) EXPECT_EQ(r.draws.series(i, c)[d], cfg.init_unconstrained[0][i]) << at;
    }
  EXPECT_EQ(r.info.divergences, 6 * 25);
}

TEST(NutsSampler, ChainStreamsDoNotDependOnChainOrThreadCount) {
  const auto m = load_eight_schools<models::EightSchoolsNoncentered>();
  NutsConfig cfg;
  cfg.warmup = 150;
  cfg.draws = 40;
  cfg.save_warmup = true;
  cfg.seed = 5;
  cfg.chains = 5;
  cfg.threads = 2;
  const SampleRun few = run_nuts(m, cfg);
  cfg.chains = 23;
  const SampleRun many = run_nuts(m, cfg);
  cfg.threads = 1;
  const SampleRun one_thread = run_nuts(m, cfg);
  for (int c = 0; c < 5; ++c) {
    EXPECT_EQ(first_difference(few.draws, c, many.draws, c), "") << "chain " << c;
    EXPECT_TRUE(same_bits(few.info.step_size[c], many.info.step_size[c])) << "chain " << c;
    EXPECT_EQ(few.info.inv_metric[c], many.info.inv_metric[c]) << "chain " << c;
  }
  for (int c = 0; c < 23; ++c) EXPECT_EQ(first_difference(many.draws, c, one_thread.draws, c), "") << "chain " << c;
  EXPECT_NE(first_difference(many.draws, 0, many.draws, 1), "");
  EXPECT_EQ(many.info.gradient_evaluations, one_thread.info.gradient_evaluations);
}

TEST(NutsSampler, BadOptionsAreInputErrors) {
  const auto m = load_std_normal(2);
  NutsConfig cfg;
  cfg.chains = 2;
  cfg.warmup = 10;
  cfg.draws = 10;
  DrawSet d;
  RunInfo info;
  cfg.metric = "full";
  EXPECT_THROW(sample_nuts(m, cfg, d, info), InputError);
  cfg.metric = "dense";
  cfg.max_depth = 0;
  EXPECT_THROW(sample_nuts(m, cfg, d, info), InputError);
  cfg.max_depth = 31;
  EXPECT_THROW(sample_nuts(m, cfg, d, info), InputError);
  cfg.max_depth = 10;
  cfg.target_accept = 1.0;
  EXPECT_THROW(sample_nuts(m, cfg, d, info), InputError);
  cfg.target_accept = 0.8;
  cfg.chains = 0;
  EXPECT_THROW(sample_nuts(m, cfg, d, info), InputError);
}

// ---- posteriors ----------------------------------------------------------------------------

/// Means and variances of every parameter within 5 sqrt(mcse^2 + mcse_ref^2) of the truth
/// (mcse_ref = 0 for a known truth); the variance's MCSE from the sd's: 2 sd mcse_sd.
void expect_moments(const DrawSet& draws, const std::vector<double>& mean, const std::vector<double>& var,
                    const std::string& what) {
  int failures = 0;
  for (std::size_t p = 0; p < draws.names.size() && failures < 10; ++p) {
    const diagnostics::Summary s = diagnostics::summarize(diagnostics::chains_of(draws, static_cast<int>(p)));
    const double tol_mean = 5 * s.mcse_mean;
    const double tol_var = 5 * 2 * s.sd * s.mcse_sd;
    const bool ok_mean = std::fabs(s.mean - mean[p]) <= tol_mean;
    const bool ok_var = std::fabs(s.sd * s.sd - var[p]) <= tol_var;
    EXPECT_TRUE(ok_mean) << what << " " << draws.names[p] << ": mean " << s.mean << ", truth " << mean[p]
                         << ", gap " << std::fabs(s.mean - mean[p]) << " > 5 mcse = " << tol_mean;
    EXPECT_TRUE(ok_var) << what << " " << draws.names[p] << ": variance " << s.sd * s.sd << ", truth " << var[p]
                        << ", gap " << std::fabs(s.sd * s.sd - var[p]) << " > 5 mcse = " << tol_var;
    failures += !ok_mean + !ok_var;
  }
}

TEST(NutsPosterior, StdNormal100) {
  const auto m = load_std_normal(100);
  NutsConfig cfg;
  cfg.chains = 64;
  cfg.warmup = 300;
  cfg.draws = 300;
  cfg.seed = 2024;
  const SampleRun r = run_nuts(m, cfg);
  expect_moments(r.draws, std::vector<double>(100, 0.0), std::vector<double>(100, 1.0), "std_normal");
  EXPECT_EQ(r.info.divergences, 0);
}

std::vector<double> gauss100_mean() {
  const auto data = load_json_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/gauss100_ill.json");
  return data->get_reals("mu");
}
std::vector<double> gauss100_var() {
  const auto data = load_json_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/gauss100_ill.json");
  const std::vector<double> S = data->get_reals("Sigma");
  std::vector<double> v(100);
  for (int i = 0; i < 100; ++i) v[i] = S[static_cast<std::size_t>(i) * 100 + i];
  return v;
}

TEST(NutsPosterior, Gauss100IllDiagonalMetric) {
  const auto m = load_gauss100_ill();
  NutsConfig cfg;
  cfg.chains = 64;
  cfg.warmup = 300;
  cfg.draws = 200;
  cfg.seed = 77;
  const SampleRun r = run_nuts(m, cfg);
  expect_moments(r.draws, gauss100_mean(), gauss100_var(), "gauss100_ill diag");
}

TEST(NutsPosterior, Gauss100IllDenseMetric) {
  const auto m = load_gauss100_ill();
  NutsConfig cfg;
  cfg.chains = 64;
  cfg.warmup = 300;
  cfg.draws = 200;
  cfg.seed = 78;
  cfg.metric = "dense";
  cfg.pool_adaptation = true;
  const SampleRun r = run_nuts(m, cfg);
  expect_moments(r.draws, gauss100_mean(), gauss100_var(), "gauss100_ill dense");
  ASSERT_EQ(r.info.dense_inv_metric.size(), 64u);
  ASSERT_EQ(r.info.dense_inv_metric[0].size(), 100u * 100u);
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
