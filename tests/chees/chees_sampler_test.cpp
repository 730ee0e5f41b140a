// ChEES-HMC (host/algorithms/chees/chees_sampler.hpp) against posteriors whose answers are known — the
// non-centered Eight Schools reference of posteriordb (data/reference/
// eight_schools_noncentered.json), std_normal in 100 dimensions and the ill-conditioned
// gauss100_ill — after at most 200 warmup iterations with 1024 chains: every mean and sd
// within 5 sqrt(mcse^2 + mcse_ref^2) (mcse_ref = 0 for the exact Gaussians) and R-hat < 1.01.
// Plus lock-step (one step count per iteration for all chains), reproducibility across
// thread counts, and chain k's draws not depending on how many chains run.
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
#include "models/contract/input_error.hpp"
#include "host/algorithms/chees/chees_sampler.hpp"
#include "tests/build_config.hpp"
#include "tests/hmc/sampler_fixtures.hpp"

namespace lockstep {
namespace testing {
namespace {

namespace diag = lockstep::diagnostics;

constexpr double kSigmas = 5.0;  // tolerance in Monte Carlo standard errors
constexpr double kRhatMax = 1.01;

template <class Model>
SampleRun run_chees(const Loaded<Model>& m, const CheesConfig& cfg, CheesAdapted* adapted = nullptr) {
  SampleRun r;
  sample_chees(m, cfg, r.draws, r.info, nullptr, adapted);
  return r;
}

void print_run(const char* what, const CheesConfig& cfg, const SampleRun& r, const CheesAdapted& a) {
  std::printf("[ info ] %s: %d chains x (%d + %d), step %.4g, T %.4g (%.1f steps), %.2f s + %.2f s, %llu grads, "
              "%ld divergences\n",
              what, cfg.chains, cfg.warmup, cfg.draws, a.step_size, a.trajectory_length, a.mean_leapfrog_steps,
              r.info.warmup_seconds, r.info.sampling_seconds, r.info.gradient_evaluations, r.info.divergences);
}

/// Every marginal mean and sd against exact values, within kSigmas MCSE; R-hat < kRhatMax.
void expect_exact_marginals(const DrawSet& d, const std::vector<double>& mean, const std::vector<double>& sd,
                            const std::string& what) {
  double worst_mean = 0, worst_sd = 0, max_rhat = 0;
  for (std::size_t p = 0; p < mean.size(); ++p) {
    const diag::Summary s = diag::summarize(diag::chains_of(d, static_cast<int>(p)));
    const double gap = std::fabs(s.mean - mean[p]), bound = kSigmas * s.mcse_mean;
    EXPECT_LE(gap, bound) << what << " " << d.names[p] << ": mean " << s.mean << ", exact " << mean[p] << ", gap "
                          << gap << " > bound " << bound;
    const double sd_gap = std::fabs(s.sd - sd[p]), sd_bound = kSigmas * s.mcse_sd;
    EXPECT_LE(sd_gap, sd_bound) << what << " " << d.names[p] << ": sd " << s.sd << ", exact " << sd[p] << ", gap "
                                << sd_gap << " > bound " << sd_bound;
    EXPECT_LT(s.rhat, kRhatMax) << what << " " << d.names[p];
    worst_mean = std::max(worst_mean, gap / s.mcse_mean);
    worst_sd = std::max(worst_sd, sd_gap / s.mcse_sd);
    max_rhat = std::max(max_rhat, s.rhat);
  }
  std::printf("[ info ] %s: worst mean gap %.2f MCSE, worst sd gap %.2f MCSE, max R-hat %.4f\n", what.c_str(),
              worst_mean, worst_sd, max_rhat);
}

TEST(CheesSampler, EightSchoolsNoncenteredMatchesPosteriordb) {
  const auto m = load_eight_schools<models::EightSchoolsNoncentered>();
  CheesConfig cfg;
  cfg.chains = 1024;
  cfg.warmup = 200;
  cfg.draws = 400;  // R-hat - 1 ~ (tau - 1) / draws: tau ~ 3 for the slowest outputs
  cfg.seed = 5;
  CheesAdapted a;
  const SampleRun r = run_chees(m, cfg, &a);
  print_run("eight_schools_noncentered", cfg, r, a);

  const diag::ReferencePosterior ref = diag::load_reference_posterior(
      std::string(LOCKSTEP_SOURCE_DIR) + "/data/reference/eight_schools_noncentered.json", "reference");
  ASSERT_EQ(ref.size(), 10u);
  double max_rhat = 0;
  for (const diag::ReferenceComparison& c : diag::compare_with_reference(r.draws, ref, kSigmas)) {
    EXPECT_TRUE(c.mean_ok() && c.sd_ok()) << c.message();
    EXPECT_LT(c.summary.rhat, kRhatMax) << c.name;
    max_rhat = std::max(max_rhat, c.summary.rhat);
  }
  std::printf("[ info ] eight_schools_noncentered: max R-hat %.4f\n", max_rhat);

  // Lock-step: at every draw all chains took the same number of leapfrog steps with the same
  // step size; the run reports the step size and metric it used.
  const int nl = r.draws.stat_index("n_leapfrog__"), ss = r.draws.stat_index("stepsize__");
  for (int d = 0; d < r.draws.n_draws; ++d)
    for (int c = 1; c < cfg.chains; ++c) {
      ASSERT_EQ(r.draws.stat_series(nl, c)[d], r.draws.stat_series(nl, 0)[d]) << "draw " << d << " chain " << c;
      ASSERT_EQ(r.draws.stat_series(ss, c)[d], r.draws.stat_series(ss, 0)[d]) << "draw " << d << " chain " << c;
    }
  ASSERT_EQ(r.info.step_size.size(), 1024u);
  EXPECT_NEAR(r.info.step_size[0], a.step_size, 1e-6 * a.step_size);
  EXPECT_EQ(r.info.algorithm, "chees");
  EXPECT_EQ(r.info.inv_metric.size(), 1024u);
}

TEST(CheesSampler, StdNormal100IsExact) {
  const auto m = load_std_normal(100);
  CheesConfig cfg;
  cfg.chains = 1024;
  cfg.warmup = 200;
  cfg.draws = 300;  // jittered T ~ 1.9: tau ~ 2.5 for the means, R-hat ~ 1 + 1.5/300
  cfg.seed = 3;
  CheesAdapted a;
  const SampleRun r = run_chees(m, cfg, &a);
  print_run("std_normal(100)", cfg, r, a);
  expect_exact_marginals(r.draws, std::vector<double>(100, 0.0), std::vector<double>(100, 1.0), "std_normal(100)");
  // The adaptation found the ChEES optimum: for a standard normal with uniform jitter h ~ U(0, 1)
  // the criterion peaks near T = 2.25, shortened by rounding the step count up (1.88 here). A
  // wrong sign of the gradient lands near the minimum, T ~ 3.6, and still samples correctly.
  EXPECT_GT(a.trajectory_length, 1.5);
  EXPECT_LT(a.trajectory_length, 2.4);
  // Frozen parameters after warmup: every draw of every chain used the final step size and the
  // step count ceil(h_t T / eps) of its iteration.
  const int eps_col = r.draws.stat_index("stepsize__"), n_col = r.draws.stat_index("n_leapfrog__");
  for (int c : {0, cfg.chains - 1})
    for (int d = 0; d < cfg.draws; ++d) {
      ASSERT_EQ(r.draws.stat_series(eps_col, c)[d], as_real(a.step_size)) << "chain " << c << " draw " << d;
      const std::uint64_t t = static_cast<std::uint64_t>(cfg.warmup + d);
      ASSERT_EQ(r.draws.stat_series(n_col, c)[d],
                chees::leapfrog_steps(chees::jitter_fraction(cfg.seed, t, cfg.jitter), a.trajectory_length,
                                      a.step_size, cfg.max_leapfrog_steps))
          << "chain " << c << " draw " << d;
    }
}

TEST(CheesSampler, Gauss100IllIsExact) {
  const auto m = load_gauss100_ill();
  const auto data = load_json_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/gauss100_ill.json");
  const std::vector<double> mu = data->get_reals("mu");
  const std::vector<double> sigma = data->get_reals("Sigma");  // row-major 100 x 100
  std::vector<double> sd(100);
  for (int i = 0; i < 100; ++i) sd[i] = std::sqrt(sigma[static_cast<std::size_t>(i) * 100 + i]);
  // The diagonal metric leaves a condition number ~1e4, so the step size is ~0.03 and a
  // trajectory ~90 leapfrog steps of a 100 x 100 mat-vec each: 1024 chains x 400 iterations
  // cost ~35M such gradients (about a minute and a half on 2 cores). R-hat - 1 ~ (tau - 1)/draws
  // with tau ~ 2 for the slowest outputs needs the 200 draws. (The GPU layout runs 128 chains:
  // tests/build_config.hpp.)
  CheesConfig cfg;
  cfg.chains = heavy_test_chains(1024);
  cfg.warmup = 200;
  cfg.draws = 200;
  cfg.seed = 4;
  CheesAdapted a;
  const SampleRun r = run_chees(m, cfg, &a);
  print_run("gauss100_ill", cfg, r, a);
  expect_exact_marginals(r.draws, mu, sd, "gauss100_ill");
}

TEST(CheesSampler, SameDrawsWhateverTheThreadCount) {
  const auto m = load_eight_schools<models::EightSchoolsNoncentered>();
  CheesConfig cfg;
  cfg.chains = 37;
  cfg.warmup = 40;
  cfg.draws = 20;
  cfg.save_warmup = true;
  cfg.seed = 9;
  cfg.threads = 1;
  const SampleRun one = run_chees(m, cfg);
  cfg.threads = 2;
  const SampleRun two = run_chees(m, cfg);
  for (int c = 0; c < cfg.chains; ++c) ASSERT_EQ(first_difference(one.draws, c, two.draws, c), "") << "chain " << c;
  EXPECT_EQ(one.info.gradient_evaluations, two.info.gradient_evaluations);
}

TEST(CheesSampler, ChainDrawsDoNotDependOnTheChainCountWithFrozenParameters) {
  // Warmup adapts across chains, so the parameters depend on the chains; with given
  // parameters (no warmup) chain k's draws depend only on (seed, k).
  const auto m = load_eight_schools<models::EightSchoolsNoncentered>();
  CheesConfig cfg;
  cfg.warmup = 0;
  cfg.draws = 30;
  cfg.seed = 12;
  cfg.init_step_size = 0.4;
  cfg.init_trajectory_length = 2.0;
  cfg.chains = 5;
  const SampleRun few = run_chees(m, cfg);
  cfg.chains = 37;
  const SampleRun many = run_chees(m, cfg);
  for (int c = 0; c < 5; ++c) ASSERT_EQ(first_difference(few.draws, c, many.draws, c), "") << "chain " << c;
  // ceil(h T / eps) with h = 1/2, 1/4, 3/4: 3, 2, 4 steps.
  const int nl = few.draws.stat_index("n_leapfrog__");
  EXPECT_EQ(few.draws.stat_series(nl, 0)[0], 3);
  EXPECT_EQ(few.draws.stat_series(nl, 0)[1], 2);
  EXPECT_EQ(few.draws.stat_series(nl, 0)[2], 4);
}

TEST(CheesSampler, AdaptationNeedsTwoChains) {
  const auto m = load_std_normal(3);
  CheesConfig cfg;
  cfg.chains = 1;
  cfg.warmup = 10;
  DrawSet d;
  RunInfo info;
  EXPECT_THROW(sample_chees(m, cfg, d, info), InputError);
  cfg.chains = 2;
  cfg.draws = 5;
  EXPECT_NO_THROW(sample_chees(m, cfg, d, info));
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
