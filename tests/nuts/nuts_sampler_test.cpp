// sample_nuts (host/algorithms/nuts/nuts_sampler.hpp): the mechanics (columns, draw counts, the
// statistics' invariants, streams that do not depend on the chain or thread count, input
// errors, a step size that diverges at once) and the posteriors it recovers: std_normal in
// 100 dimensions, the ill-conditioned 100-dimensional Gaussian with diagonal and dense
// metrics (means and variances within 5 MCSE of the truth), and non-centered Eight Schools
// against the committed reference posterior (data/reference/eight_schools_noncentered.json).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/diagnostics/reference_posterior.hpp"
#include "host/diagnostics/convergence.hpp"
#include "host/diagnostics/summary.hpp"
#include "models/contract/input_error.hpp"
#include "host/algorithms/nuts/nuts_sampler.hpp"
#include "tests/build_config.hpp"
#include "tests/hmc/sampler_fixtures.hpp"

namespace lockstep {
namespace testing {
namespace {

template <class Model>
SampleRun run_nuts(const Loaded<Model>& m, NutsConfig cfg) {
  if (cfg.threads == 0) cfg.threads = 2;
  SampleRun r;
  sample_nuts(m, cfg, r.draws, r.info);
  return r;
}

/// Mean of a sampler statistic over the post-warmup draws of all chains.
double mean_stat(const DrawSet& d, const std::string& name) {
  const int k = d.stat_index(name);
  double sum = 0;
  long n = 0;
  for (int c = 0; c < d.n_chains; ++c)
    for (int j = d.n_warmup_saved; j < d.n_draws; ++j, ++n) sum += d.stat_series(k, c)[j];
  return sum / n;
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
      EXPECT_NEAR(lp[d], -0.5 * ss, real_tol(1e-10) * (1 + ss)) << at;
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
      EXPECT_GE(energy[d], -lp[d] - real_tol(1e-12)) << at;
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
      for (int i = 0; i < 10; ++i) EXPECT_EQ(r.draws.series(i, c)[d], as_real(cfg.init_unconstrained[0][i])) << at;
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
/// (mcse_ref = 0 for a known truth); the variance's MCSE from the sd's by the delta method,
/// 2 sd mcse_sd. Prints the worst gaps in MCSE units and the largest R-hat.
void expect_moments(const DrawSet& draws, const std::vector<double>& mean, const std::vector<double>& var,
                    const std::string& what) {
  double worst_mean = 0, worst_var = 0, max_rhat = 0, min_ess = 1e300;
  for (std::size_t p = 0; p < draws.names.size(); ++p) {
    const diagnostics::Summary s = diagnostics::summarize(diagnostics::chains_of(draws, static_cast<int>(p)));
    const double gap = std::fabs(s.mean - mean[p]), mcse = s.mcse_mean;
    const double vgap = std::fabs(s.sd * s.sd - var[p]), vmcse = 2 * s.sd * s.mcse_sd;
    EXPECT_LE(gap, 5 * mcse) << what << " " << draws.names[p] << ": mean " << s.mean << ", truth " << mean[p]
                             << ", gap " << gap << " > 5 mcse = " << 5 * mcse;
    EXPECT_LE(vgap, 5 * vmcse) << what << " " << draws.names[p] << ": variance " << s.sd * s.sd << ", truth "
                               << var[p] << ", gap " << vgap << " > 5 mcse = " << 5 * vmcse;
    worst_mean = std::max(worst_mean, gap / mcse);
    worst_var = std::max(worst_var, vgap / vmcse);
    max_rhat = std::max(max_rhat, s.rhat);
    min_ess = std::min(min_ess, s.ess_bulk);
  }
  std::printf("[ info ] %s: worst mean gap %.2f mcse, worst variance gap %.2f mcse, max R-hat %.4f, min ess_bulk %.0f\n",
              what.c_str(), worst_mean, worst_var, max_rhat, min_ess);
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
  // Per chain, from the last window's ~100 draws: one element's estimate has sd ~0.22 (2% of
  // all elements are off by more than 0.5), so the check is on the chain's mean over its 100
  // elements (sd ~0.022; Stan's regularization n/(n+5) centers it at ~0.95).
  for (int c = 0; c < 64; ++c) {
    double mean = 0;
    for (double v : r.info.inv_metric[c]) mean += v / 100;
    EXPECT_NEAR(mean, 1.0, 0.12) << "chain " << c << ": mean of the adapted inverse metric (tolerance 0.12)";
  }
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
  // A diagonal metric cannot undo the rotation: the narrowest direction (sd 0.1) sets the
  // step size and the widest (sd 10) needs trees of depth ~8 (~330 leapfrog steps).
  const auto m = load_gauss100_ill();
  NutsConfig cfg;
  cfg.chains = 16;
  cfg.warmup = 150;
  cfg.draws = 120;
  cfg.seed = 77;
  const SampleRun r = run_nuts(m, cfg);
  expect_moments(r.draws, gauss100_mean(), gauss100_var(), "gauss100_ill diag");
  std::printf("[ info ] gauss100_ill diag: mean n_leapfrog %.1f, warmup %.1f s, sampling %.1f s\n",
              mean_stat(r.draws, "n_leapfrog__"), r.info.warmup_seconds, r.info.sampling_seconds);
}

TEST(NutsPosterior, Gauss100IllDenseMetric) {
  // Pooled over 8 chains, the one slow window [75, 99] gives 200 draws for the 100 x 100
  // covariance; after it the metric makes the target nearly isotropic and trees shrink from
  // depth ~8 to ~3.
  const auto m = load_gauss100_ill();
  NutsConfig cfg;
  cfg.chains = 8;
  cfg.warmup = 150;
  cfg.draws = 100;
  cfg.seed = 78;
  cfg.metric = "dense";
  cfg.pool_adaptation = true;
  const SampleRun r = run_nuts(m, cfg);
  expect_moments(r.draws, gauss100_mean(), gauss100_var(), "gauss100_ill dense");
  const double nl = mean_stat(r.draws, "n_leapfrog__");
  std::printf("[ info ] gauss100_ill dense: mean n_leapfrog %.1f, warmup %.1f s, sampling %.1f s\n", nl,
              r.info.warmup_seconds, r.info.sampling_seconds);
  EXPECT_LT(nl, 31) << "the dense metric should bring trees below depth 5 (a diagonal one needs ~330 steps)";
  ASSERT_EQ(r.info.dense_inv_metric.size(), 8u);
  ASSERT_EQ(r.info.dense_inv_metric[0].size(), 100u * 100u);
  for (int c = 1; c < 8; ++c) EXPECT_EQ(r.info.dense_inv_metric[c], r.info.dense_inv_metric[0]) << "pooled, chain " << c;
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(r.info.inv_metric[0][i], r.info.dense_inv_metric[0][i * 101]) << "diagonal " << i;
    for (int j = 0; j < i; ++j)
      EXPECT_EQ(r.info.dense_inv_metric[0][i * 100 + j], r.info.dense_inv_metric[0][j * 100 + i]) << i << ", " << j;
  }
}

// ---- Eight Schools (non-centered) against posteriordb ----------------------------------

TEST(NutsPosterior, EightSchoolsNoncenteredMatchesReference) {
  const auto m = load_eight_schools<models::EightSchoolsNoncentered>();
  NutsConfig cfg;
  cfg.chains = 128;
  cfg.warmup = 500;
  cfg.draws = 500;
  cfg.seed = 8;
  const SampleRun r = run_nuts(m, cfg);
  expect_eight_schools_reference(r.draws, "diag, per chain");
  EXPECT_LT(r.info.divergences, 0.005 * 128 * 500);
  std::printf("[ info ] eight schools diag: %ld divergences, mean n_leapfrog %.1f\n", r.info.divergences,
              mean_stat(r.draws, "n_leapfrog__"));
}

TEST(NutsPosterior, EightSchoolsNoncenteredDenseAndPooled) {
  const auto m = load_eight_schools<models::EightSchoolsNoncentered>();
  NutsConfig cfg;
  cfg.chains = 64;
  cfg.warmup = 500;
  cfg.draws = 500;
  cfg.seed = 9;
  cfg.metric = "dense";  // per chain: 10 x 10 covariance from each chain's windows
  const SampleRun dense = run_nuts(m, cfg);
  expect_eight_schools_reference(dense.draws, "dense, per chain");
  ASSERT_EQ(dense.info.dense_inv_metric.size(), 64u);
  EXPECT_NE(dense.info.dense_inv_metric[0], dense.info.dense_inv_metric[1]);
  cfg.metric = "diag";
  cfg.pool_adaptation = true;
  cfg.seed = 10;
  cfg.threads = 1;  // pooled step sizes cut a segment per warmup iteration: no barriers to wait on
  const SampleRun pooled = run_nuts(m, cfg);
  expect_eight_schools_reference(pooled.draws, "diag, pooled");
  for (int c = 1; c < 64; ++c) {
    ASSERT_EQ(pooled.info.step_size[c], pooled.info.step_size[0]) << "chain " << c;
    ASSERT_EQ(pooled.info.inv_metric[c], pooled.info.inv_metric[0]) << "chain " << c;
  }
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
