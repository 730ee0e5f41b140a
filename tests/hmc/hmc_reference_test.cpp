// Static HMC with Stan's windowed warmup (host/algorithms/hmc/hmc_sampler.hpp) against posteriors whose
// answers are known: the non-centered Eight Schools reference posterior of posteriordb
// (data/reference/eight_schools_noncentered.json), exact Gaussians (std_normal, the
// ill-conditioned gauss100_ill), and the divergence behaviour of the centered and
// non-centered parameterizations. Tolerances are 5 Monte Carlo standard errors (ours from
// host/diagnostics, the reference's from its JSON); failure messages print gap and bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/diagnostics/convergence.hpp"
#include "host/diagnostics/reference_posterior.hpp"
#include "host/diagnostics/summary.hpp"
#include "tests/hmc/sampler_fixtures.hpp"

namespace lockstep {
namespace testing {
namespace {

namespace diag = lockstep::diagnostics;

constexpr double kSigmas = 5.0;  // tolerance in Monte Carlo standard errors

/// Pooled-draw statistics of a derived series f(draw), with its Monte Carlo standard error
/// sd(f)/sqrt(ESS(f)) (ESS by the diagnostics' ess_mean, i.e. split chains, no ranks).
struct Moment {
  double value, mcse;
};

template <class F>
Moment mean_of(const diag::Chains& x, F f) {
  std::vector<std::vector<double>> series(x.n_chains(), std::vector<double>(x.n_draws));
  long double sum = 0;
  for (int c = 0; c < x.n_chains(); ++c)
    for (int d = 0; d < x.n_draws; ++d) sum += series[c][d] = f(c, d);
  const double n = static_cast<double>(x.n_chains()) * x.n_draws;
  const double mean = static_cast<double>(sum / n);
  long double ss = 0;
  for (const auto& s : series)
    for (double v : s) ss += (v - mean) * (v - mean);
  diag::Chains y;
  y.n_draws = x.n_draws;
  for (const auto& s : series) y.chain.push_back(s.data());
  const double ess = diag::ess_mean(y);
  return {mean, std::sqrt(static_cast<double>(ss / (n - 1)) / ess)};
}

/// Checks every marginal mean and variance of `draws` against the exact values, within
/// kSigmas Monte Carlo standard errors; the variance's MCSE is that of the mean of the
/// squared centered draws (its ESS is ess_mean of that series). Also R-hat < rhat_max.
void expect_marginals(const DrawSet& draws, const std::vector<double>& mean, const std::vector<double>& var,
                      double rhat_max, const std::string& what) {
  int worst_mean = 0, worst_var = 0;
  double worst_mean_z = 0, worst_var_z = 0, max_rhat = 0;
  for (std::size_t p = 0; p < mean.size(); ++p) {
    const diag::Chains x = diag::chains_of(draws, static_cast<int>(p));
    const diag::Summary s = diag::summarize(x);
    const double gap = std::fabs(s.mean - mean[p]);
    EXPECT_LE(gap, kSigmas * s.mcse_mean) << what << " " << draws.names[p] << ": mean " << s.mean << ", exact "
                                          << mean[p] << ", gap " << gap << " > bound " << kSigmas * s.mcse_mean;
    const double m = s.mean;
    const Moment v = mean_of(x, [&](int c, int d) { return (x.chain[c][d] - m) * (x.chain[c][d] - m); });
    const double vgap = std::fabs(v.value - var[p]);
    EXPECT_LE(vgap, kSigmas * v.mcse) << what << " " << draws.names[p] << ": variance " << v.value << ", exact "
                                      << var[p] << ", gap " << vgap << " > bound " << kSigmas * v.mcse;
    EXPECT_LT(s.rhat, rhat_max) << what << " " << draws.names[p];
    if (gap / s.mcse_mean > worst_mean_z) worst_mean_z = gap / s.mcse_mean, worst_mean = static_cast<int>(p);
    if (vgap / v.mcse > worst_var_z) worst_var_z = vgap / v.mcse, worst_var = static_cast<int>(p);
    max_rhat = std::max(max_rhat, s.rhat);
  }
  std::printf("[ info ] %s: worst mean gap %.2f MCSE (%s), worst variance gap %.2f MCSE (%s), max R-hat %.4f\n",
              what.c_str(), worst_mean_z, draws.names[worst_mean].c_str(), worst_var_z,
              draws.names[worst_var].c_str(), max_rhat);
}

// ---- Eight Schools (non-centered) against posteriordb ----------------------------------

class EightSchoolsReference : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto m = load_eight_schools<models::EightSchoolsNoncentered>();
    HmcConfig cfg;
    cfg.chains = 4096;
    cfg.warmup = 500;
    cfg.draws = 500;
    cfg.seed = 8;
    cfg.threads = 2;
    run_ = new SampleRun(run_hmc(m, cfg));
    std::printf("[ info ] eight_schools_noncentered, 4096 chains x (500 + 500): warmup %.1f s, sampling %.1f s\n",
                run_->info.warmup_seconds, run_->info.sampling_seconds);
  }
  static void TearDownTestSuite() { delete run_; }
  static SampleRun* run_;
};
SampleRun* EightSchoolsReference::run_ = nullptr;

TEST_F(EightSchoolsReference, MeansAndSdsMatchPosteriordbWithinMcse) {
  const diag::ReferencePosterior ref = diag::load_reference_posterior(
      std::string(LOCKSTEP_SOURCE_DIR) + "/data/reference/eight_schools_noncentered.json", "reference");
  ASSERT_EQ(ref.size(), 10u);
  for (const diag::ReferenceComparison& c : diag::compare_with_reference(run_->draws, ref, kSigmas)) {
    EXPECT_TRUE(c.mean_ok() && c.sd_ok()) << c.message();
    EXPECT_LT(c.summary.rhat, 1.01) << c.name << ": R-hat " << c.summary.rhat;
    std::printf("[ info ] %s\n", c.message().c_str());
  }
}

TEST_F(EightSchoolsReference, NoncenteredHasAlmostNoDivergences) {
  const double transitions = 4096.0 * 500;
  const double rate = run_->info.divergences / transitions;
  EXPECT_LT(rate, 0.005) << run_->info.divergences << " divergent transitions of " << transitions;
  std::printf("[ info ] non-centered: %ld divergences in %.0f transitions\n", run_->info.divergences, transitions);
}

TEST(EightSchoolsCentered, ReportsDivergences) {
  // The centered parameterization is a funnel in (theta, log tau): a step size adapted to the
  // mouth diverges in the neck (Betancourt & Girolami 2015).
  const auto m = load_eight_schools<models::EightSchoolsCentered>();
  HmcConfig cfg;
  cfg.chains = 256;
  cfg.warmup = 500;
  cfg.draws = 500;
  cfg.seed = 8;
  cfg.threads = 2;
  const SampleRun r = run_hmc(m, cfg);
  EXPECT_GT(r.info.divergences, 0);
  long counted = 0;
  const int div = r.draws.stat_index("divergent__");
  for (int c = 0; c < cfg.chains; ++c)
    for (int k = 0; k < r.draws.n_draws; ++k) counted += r.draws.stat_series(div, c)[k] != 0;
  EXPECT_EQ(counted, r.info.divergences);
  std::printf("[ info ] centered: %ld divergences in %d transitions\n", r.info.divergences, 256 * 500);
}

// ---- exact Gaussians -----------------------------------------------------------------------

TEST(GaussianTargets, StdNormal100) {
  const int dim = 100;
  const auto m = load_std_normal(dim);
  HmcConfig cfg;
  cfg.chains = 128;
  cfg.warmup = 300;
  cfg.draws = 600;
  cfg.seed = 100;
  cfg.threads = 2;
  const SampleRun r = run_hmc(m, cfg);
  expect_marginals(r.draws, std::vector<double>(dim, 0.0), std::vector<double>(dim, 1.0), 1.01, "std_normal(100)");
}

TEST(GaussianTargets, StdNormal100PooledAdaptation) {
  const int dim = 100;
  const auto m = load_std_normal(dim);
  HmcConfig cfg;
  cfg.chains = 128;
  cfg.warmup = 300;
  cfg.draws = 600;
  cfg.seed = 101;
  cfg.pool_adaptation = true;
  cfg.threads = 2;
  const SampleRun r = run_hmc(m, cfg);
  expect_marginals(r.draws, std::vector<double>(dim, 0.0), std::vector<double>(dim, 1.0), 1.01,
                   "std_normal(100), pooled adaptation");
  // pooled: the adapted inverse metric estimates the variances, 1, from 128 x 100 draws of
  // the last window [150, 249]: relative sd sqrt(2 tau / 12800) ~ 0.025 with the measured
  // autocorrelation time tau ~ 4 of the squared draws, so 0.1 is about 4 sd.
  for (int i = 0; i < dim; ++i) EXPECT_NEAR(r.info.inv_metric[0][i], 1.0, 0.1) << "x[" << i + 1 << "]";
}

TEST(GaussianTargets, Gauss100IllConditioned) {
  // 100-d Gaussian, covariance eigenvalues 1e-2 .. 1e2 in a random basis (condition 1e4).
  const auto m = load_gauss100_ill();
  const auto data = load_json_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/gauss100_ill.json");
  const std::vector<double> mu = data->get_reals("mu");
  const std::vector<double> sigma = data->get_reals("Sigma");
  const int n = static_cast<int>(mu.size());
  ASSERT_EQ(n, 100);
  std::vector<double> var(n);
  for (int i = 0; i < n; ++i) var[i] = sigma[static_cast<std::size_t>(i) * n + i];

  // A diagonal metric cannot undo the rotation, so the step size is set by the narrowest
  // direction (sd 0.1) and the widest (sd 10) needs long trajectories: 150 mean leapfrog
  // steps give ~0.5 effective draws per draw for the slowest marginal (measured), where 20
  // steps give ~0.02 — 4x the gradients for 25x the effective draws.
  HmcConfig cfg;
  cfg.chains = 32;
  cfg.warmup = 300;
  cfg.draws = 300;
  cfg.steps = 150;
  cfg.seed = 1004;
  cfg.threads = 2;
  const SampleRun r = run_hmc(m, cfg);
  std::printf("[ info ] gauss100_ill, 32 chains x (300 + 300), 150 steps: warmup %.1f s, sampling %.1f s, %ld divergences\n",
              r.info.warmup_seconds, r.info.sampling_seconds, r.info.divergences);
  // R-hat - 1 ~ (tau - 1) / (2 n) for n = 150 split draws: the slowest marginals (tau ~ 2)
  // sit near 1.005, so this target is held to 1.02 rather than 1.01.
  expect_marginals(r.draws, mu, var, 1.02, "gauss100_ill");

  // covariances of the 20 most correlated pairs, against Sigma_ij
  struct Pair {
    int i, j;
    double corr;
  };
  std::vector<Pair> pairs;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j)
      pairs.push_back({i, j, sigma[static_cast<std::size_t>(i) * n + j] / std::sqrt(var[i] * var[j])});
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return std::fabs(a.corr) > std::fabs(b.corr); });
  for (int k = 0; k < 20; ++k) {
    const Pair& pr = pairs[k];
    const diag::Chains xi = diag::chains_of(r.draws, pr.i), xj = diag::chains_of(r.draws, pr.j);
    const double mi = diag::summarize(xi).mean, mj = diag::summarize(xj).mean;
    const Moment cov = mean_of(xi, [&](int c, int d) { return (xi.chain[c][d] - mi) * (xj.chain[c][d] - mj); });
    const double exact = sigma[static_cast<std::size_t>(pr.i) * n + pr.j];
    EXPECT_LE(std::fabs(cov.value - exact), kSigmas * cov.mcse)
        << "Sigma[" << pr.i + 1 << "," << pr.j + 1 << "] (correlation " << pr.corr << "): estimate " << cov.value
        << ", exact " << exact << ", gap " << std::fabs(cov.value - exact) << " > bound " << kSigmas * cov.mcse;
  }
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
