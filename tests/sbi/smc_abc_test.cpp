// host/algorithms/smc_abc/: the population arithmetic (weighted quantile, covariance and its
// Cholesky factor, ESS, systematic resampling), the importance weights in lanes against a
// direct host formula, SMC-ABC's convergence to the exact conjugate posterior as the budget
// (and so the final epsilon) grows, the stopping rules and the budget.
#include "host/algorithms/smc_abc/smc_abc_sampler.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>

#include <cmath>
#include <cstdio>
#include <vector>

#include "host/algorithms/smc_abc/smc_abc_algorithm.hpp"
#include "host/io/csv_data.hpp"
#include "host/io/json_data.hpp"
#include "host/registry/model_entry.hpp"
#include "models/normal_mean.hpp"
#include "models/peak.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace {

using models::NormalMean;
using models::Peak;

TEST(SmcAbcPopulation, WeightedQuantile) {
  const std::vector<double> d = {4, 1, 3, 2};
  EXPECT_EQ(smc_abc::weighted_quantile(d, {1, 1, 1, 1}, 0.5), 2);
  EXPECT_EQ(smc_abc::weighted_quantile(d, {1, 1, 1, 1}, 0.51), 3);
  EXPECT_EQ(smc_abc::weighted_quantile(d, {0, 10, 0, 0}, 0.9), 1);
  EXPECT_EQ(smc_abc::weighted_quantile(d, {7, 1, 1, 1}, 0.5), 4);
}

TEST(SmcAbcPopulation, CholeskyOfTwiceTheWeightedCovariance) {
  const std::vector<double> th = {0, 0, 1, 2, 3, 1, -1, 4};  // 4 points in 2-d
  const std::vector<double> w = {0.1, 0.2, 0.3, 0.4};
  const std::vector<double> L = smc_abc::perturbation_cholesky(th, w, 2);
  Eigen::Vector2d mean = Eigen::Vector2d::Zero();
  for (int i = 0; i < 4; ++i) mean += w[i] * Eigen::Vector2d(th[2 * i], th[2 * i + 1]);
  Eigen::Matrix2d cov = Eigen::Matrix2d::Zero();
  for (int i = 0; i < 4; ++i) {
    const Eigen::Vector2d r = Eigen::Vector2d(th[2 * i], th[2 * i + 1]) - mean;
    cov += w[i] * r * r.transpose();
  }
  Eigen::Matrix2d l;
  l << L[0], L[1], L[2], L[3];
  EXPECT_EQ(L[1], 0);
  EXPECT_LT(((l * l.transpose()) - 2 * cov).norm(), 1e-12);
  // A collapsed population still has a factor (a ridge).
  const std::vector<double> same = {1, 1, 1, 1};
  const std::vector<double> Ls = smc_abc::perturbation_cholesky(same, {0.5, 0.5}, 2);
  EXPECT_GT(Ls[0], 0);
}

TEST(SmcAbcPopulation, SystematicResamplingAndEss) {
  const std::vector<double> w = {0.5, 0.25, 0.125, 0.125};
  const std::vector<std::size_t> pick = smc_abc::systematic_resample(w, 8, 0.3);
  std::vector<int> count(4, 0);
  for (std::size_t i : pick) ++count[i];
  EXPECT_EQ(count, (std::vector<int>{4, 2, 1, 1}));  // n W_i exactly when n W_i are whole
  EXPECT_NEAR(smc_abc::effective_sample_size(w), 1 / (0.25 + 0.0625 + 2 * 0.015625), 1e-12);
  const std::vector<double> nw = smc_abc::normalize_log_weights({std::log(2.0) + 700, 700});
  EXPECT_NEAR(nw[0], 2.0 / 3, 1e-12);  // log(2) + 700 keeps ~1e-14 of log(2)
}

TEST(SmcAbcPopulation, KernelMixtureWeightsMatchTheHostFormula) {
  auto src = load_csv_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/peak.csv");
  const Loaded<Peak> m = testing_models::load_model<Peak>({{"prior", "sbi"}}, src.get());
  const int d = 5, n_prev = 7, n = 5;
  const PriorSimulations prev = simulate_prior_predictive(m, 1, 0, n_prev);
  PriorSimulations cur = simulate_prior_predictive(m, 2, 0, n);
  cur.theta[0] = 5;  // outside the box: log prior -inf, weight 0
  std::vector<double> w = {0.1, 0.2, 0.05, 0.15, 0.2, 0.1, 0.2};
  const std::vector<double> L = smc_abc::perturbation_cholesky(prev.theta, w, d);
  std::vector<double> logw(n_prev);
  for (int j = 0; j < n_prev; ++j) logw[j] = std::log(w[j]);
  const backend::DeviceVector<Real> p(prev.theta.begin(), prev.theta.end()), c(cur.theta.begin(), cur.theta.end());
  const backend::DeviceVector<double> lw(logw.begin(), logw.end()), chol(L.begin(), L.end());
  backend::DeviceVector<double> out(n);
  sbi::KernelMixtureWeight<Peak> k;
  k.model = m.model;
  k.data = m.data;
  k.particles = backend::raw(c);
  k.previous = backend::raw(p);
  k.log_weight_prev = backend::raw(lw);
  k.chol = backend::raw(chol);
  k.log_weight = backend::raw(out);
  k.n_theta = d;
  k.n_prev = n_prev;
  backend::launch_lanes(n, k);
  const std::vector<double> got = backend::to_host(out);
  Eigen::MatrixXd Lm(d, d);
  for (int a = 0; a < d; ++a)
    for (int b = 0; b < d; ++b) Lm(a, b) = L[a * d + b];
  const Eigen::MatrixXd prec = (Lm * Lm.transpose()).inverse();
  const AnyModelImpl<Peak> any(m);
  EXPECT_EQ(got[0], -HUGE_VAL);
  for (int i = 1; i < n; ++i) {
    double mix = 0;
    Eigen::VectorXd ti(d);
    for (int a = 0; a < d; ++a) ti[a] = cur.theta[i * d + a];
    for (int j = 0; j < n_prev; ++j) {
      Eigen::VectorXd r(d);
      for (int a = 0; a < d; ++a) r[a] = ti[a] - prev.theta[j * d + a];
      mix += w[j] * std::exp(-0.5 * r.dot(prec * r));
    }
    const double ref = any.log_prior(std::vector<double>(ti.data(), ti.data() + d)) - std::log(mix);
    EXPECT_NEAR(got[i], ref, 1e-9 * (1 + std::fabs(ref))) << "particle " << i;
  }
}

Loaded<NormalMean> load_smc_nm() {
  auto src = load_json_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/normal_mean.json");
  return testing_models::load_model<NormalMean>({}, src.get());
}

SmcAbcConfig smc_config(std::int64_t sims, std::int64_t particles, std::uint64_t seed, AbcResult* r) {
  SmcAbcConfig c;
  c.seed = seed;
  c.sims = sims;
  c.particles = particles;
  c.result = r;
  c.adjust = false;  // the population itself (the adjusted draws: adjusted_abc_test.cpp)
  return c;
}

TEST(SmcAbc, ConvergesToTheExactPosteriorAsTheBudgetGrows) {
  const Loaded<NormalMean> m = load_smc_nm();
  double mean = 0, sd = 0;
  models::normal_mean_posterior({1.2, 0.4}, 1.0, 0.0, 1.0, mean, sd);
  const int P = 2000;
  std::vector<double> eps, sd_err;
  double last_mean = 0, last_sd = 0, last_ess = 0;
  for (std::int64_t budget : {6000, 30000, 300000}) {
    AbcResult r;
    DrawSet d;
    RunInfo info;
    sample_smc_abc(m, smc_config(budget, P, 31, &r), d, info, nullptr);
    ASSERT_EQ(d.n_draws, P);
    EXPECT_LE(r.simulations, budget);
    std::int64_t sum = 0;
    for (const AbcGeneration& g : r.schedule) sum += g.simulations;
    EXPECT_EQ(sum, r.simulations);
    double s = 0, s2 = 0;
    for (int k = 0; k < P; ++k) s += d.series(0, 0)[k];
    const double mu = s / P;
    for (int k = 0; k < P; ++k) s2 += (d.series(0, 0)[k] - mu) * (d.series(0, 0)[k] - mu);
    last_mean = mu;
    last_sd = std::sqrt(s2 / (P - 1));
    last_ess = r.schedule.back().complete ? r.schedule.back().ess : r.schedule[r.schedule.size() - 2].ess;
    eps.push_back(r.epsilon);
    sd_err.push_back(std::fabs(last_sd - sd));
    std::printf("SMC-ABC, budget %lld, P %d: %zu generations, %lld simulations, epsilon %.4g, ESS %.0f, mean %.4f "
                "(exact %.4f), sd %.4f (exact %.4f)\n",
                static_cast<long long>(budget), P, r.schedule.size(), static_cast<long long>(r.simulations), r.epsilon,
                last_ess, last_mean, mean, last_sd, sd);
  }
  EXPECT_GT(eps[0], eps[1]);
  EXPECT_GT(eps[1], eps[2]);
  EXPECT_GT(sd_err[0], sd_err[2]) << "sd errors " << sd_err[0] << " .. " << sd_err[2];
  // 5 MCSE of a weighted population with effective sample size ESS (resampling adds at most
  // the same again: sqrt(2)).
  const double tol_mean = 5 * std::sqrt(2.0) * sd / std::sqrt(last_ess);
  const double tol_sd = 5 * std::sqrt(2.0) * sd / std::sqrt(2 * last_ess);
  EXPECT_NEAR(last_mean, mean, tol_mean) << "tolerance 5 MCSE = " << tol_mean << " (ESS " << last_ess << ")";
  EXPECT_NEAR(last_sd, sd, tol_sd) << "tolerance 5 MCSE = " << tol_sd << " (ESS " << last_ess << ")";
}

TEST(SmcAbc, StopsAtTheTargetEpsilon) {
  const Loaded<NormalMean> m = load_smc_nm();
  AbcResult r;
  DrawSet d;
  RunInfo info;
  SmcAbcConfig c = smc_config(1000000, 500, 4, &r);
  c.target_epsilon = 0.3;
  sample_smc_abc(m, c, d, info, nullptr);
  EXPECT_EQ(r.stop_reason, "--target-epsilon reached");
  EXPECT_EQ(r.epsilon, 0.3);
  for (int k = 0; k < d.n_draws; ++k) EXPECT_LE(d.stat_series(0, 0)[k], 0.3);
  EXPECT_LT(r.simulations, 1000000);
}

TEST(SmcAbc, RefusesBadFlags) {
  RunSettings s;
  auto cfg = [&](std::map<std::string, std::string> f) { return SmcAbcAlgorithm::configure(s, AlgorithmOptions(f)); };
  EXPECT_THROW(cfg({{"--sims", "0"}}), InputError);
  EXPECT_THROW(cfg({{"--sims", "100"}, {"--particles", "200"}}), InputError);
  EXPECT_THROW(cfg({{"--quantile", "1"}}), InputError);
  EXPECT_THROW(cfg({{"--min-acceptance", "1"}}), InputError);
  EXPECT_THROW(cfg({{"--adjust", "loclinear"}}), InputError);
  EXPECT_FALSE(cfg({{"--adjust", "none"}}).adjust);
  EXPECT_TRUE(cfg({}).adjust);
  EXPECT_EQ(cfg({{"--sims", "1e5"}, {"--particles", "100"}}).sims, 100000);
}

}  // namespace
}  // namespace lockstep
