// host/algorithms/abc/: rejection ABC converges to the exact posterior of the conjugate normal
// mean as the kept fraction (epsilon) shrinks; the streamed top-K selection equals the full
// sort of the simulation store's distances; epsilon mode keeps exactly the simulations within
// epsilon; non-finite simulations are counted and dropped; bad flags are refused.
#include "host/algorithms/abc/abc_sampler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "host/algorithms/abc/abc_algorithm.hpp"
#include "host/io/json_data.hpp"
#include "host/registry/model_entry.hpp"
#include "models/normal_mean.hpp"
#include "models/peak.hpp"
#include "tests/build_config.hpp"
#include "tests/models/model_loading.hpp"
#include "tests/sbi/draw_moments.hpp"

namespace lockstep {
namespace {

using models::NormalMean;

Loaded<NormalMean> load_nm() {
  auto src = load_json_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/normal_mean.json");
  return testing_models::load_model<NormalMean>({}, src.get());
}

AbcConfig config(std::int64_t sims, std::int64_t keep, std::uint64_t seed, AbcResult* r = nullptr) {
  AbcConfig c;
  c.seed = seed;
  c.sims = sims;
  c.keep = keep;
  c.result = r;
  c.adjust = false;  // the selection itself (the adjusted draws: adjusted_abc_test.cpp)
  return c;
}

using testing_sbi::draw_moments;
using testing_sbi::DrawMoments;

TEST(RejectionAbc, ConvergesToTheExactPosteriorAsEpsilonShrinks) {
  const Loaded<NormalMean> m = load_nm();
  double mean = 0, sd = 0;
  models::normal_mean_posterior({1.2, 0.4}, 1.0, 0.0, 1.0, mean, sd);
  const std::int64_t N = 1000000;
  std::vector<double> sd_err, eps;
  DrawMoments last{};
  std::int64_t last_k = 0;
  for (std::int64_t K : {500000, 100000, 10000}) {
    DrawSet d;
    RunInfo info;
    AbcResult r;
    sample_abc(m, config(N, K, 2026, &r), d, info, nullptr);
    ASSERT_EQ(d.n_draws, K);
    EXPECT_EQ(r.simulations, N);
    EXPECT_EQ(r.non_finite, 0);
    const DrawMoments mo = draw_moments(d);
    std::printf("rejection ABC, N %lld, K %lld: epsilon %.4g, mean %.4f (exact %.4f), sd %.4f (exact %.4f)\n",
                static_cast<long long>(N), static_cast<long long>(K), r.epsilon, mo.mean, mean, mo.sd, sd);
    sd_err.push_back(std::fabs(mo.sd - sd));
    eps.push_back(r.epsilon);
    last = mo;
    last_k = K;
  }
  // The trend: epsilon and the error of the sd fall with the kept fraction 50% -> 10% -> 1%
  // (the ABC posterior is the posterior blurred by the epsilon-ball: its sd shrinks to the
  // exact one; at 1% the blur adds ~0.4% to the sd, below the MC error).
  EXPECT_GT(eps[0], eps[1]);
  EXPECT_GT(eps[1], eps[2]);
  EXPECT_GT(sd_err[0], sd_err[1]) << "sd errors " << sd_err[0] << ", " << sd_err[1];
  EXPECT_GT(sd_err[1], sd_err[2]) << "sd errors " << sd_err[1] << ", " << sd_err[2];
  // The final error: 5 Monte Carlo standard errors of K independent draws (mean sd/sqrt(K),
  // sd sd/sqrt(2K)).
  const double tol_mean = 5 * sd / std::sqrt(static_cast<double>(last_k));
  const double tol_sd = 5 * sd / std::sqrt(2.0 * last_k);
  EXPECT_NEAR(last.mean, mean, tol_mean) << "tolerance 5 MCSE = " << tol_mean;
  EXPECT_NEAR(last.sd, sd, tol_sd) << "tolerance 5 MCSE = " << tol_sd;
}

TEST(RejectionAbc, StreamedTopKEqualsTheSortedStore) {
  auto src = load_json_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/normal_mean.json");
  const Loaded<NormalMean> m = testing_models::load_model<NormalMean>({}, src.get());
  const std::int64_t N = 30000, K = 250;
  AbcResult r;
  DrawSet d;
  RunInfo info;
  sample_abc(m, config(N, K, 77, &r), d, info, nullptr);
  // The same distances from the stored simulations, on the host.
  std::string source;
  const std::vector<double> inv = abc_inverse_scale(m, 77, N, source);
  EXPECT_EQ(source, "prior-predictive MAD of " + std::to_string(std::min<std::int64_t>(N, 10000)) +
                        " pilot simulations, outside the --sims budget");
  const PriorSimulations s = simulate_prior_predictive(m, 77, 0, N);
  std::vector<std::pair<double, std::int64_t>> all;
  for (std::int64_t i = 0; i < N; ++i) {
    double q = 0;
    for (int k = 0; k < s.n_x; ++k) {
      const double e = (s.x[i * s.n_x + k] - m.sbi_observed[k]) * inv[k];
      q += e * e;
    }
    all.push_back({std::sqrt(q), i});
  }
  std::sort(all.begin(), all.end());
  for (int k = 0; k < K; ++k) {
    EXPECT_NEAR(d.stat_series(0, 0)[k], all[k].first, testing::real_tol(1e-12) * (1 + all[k].first));
    EXPECT_EQ(d.series(0, 0)[k], s.theta[all[k].second]) << "draw " << k;
  }
  EXPECT_NEAR(r.epsilon, all[K - 1].first, testing::real_tol(1e-15) * (1 + all[K - 1].first));
}

TEST(RejectionAbc, EpsilonModeKeepsExactlyTheSimulationsWithinEpsilon) {
  const Loaded<NormalMean> m = load_nm();
  DrawSet top;
  RunInfo info;
  AbcResult r;
  sample_abc(m, config(50000, 400, 5, &r), top, info, nullptr);
  AbcConfig c = config(50000, 0, 5);
  c.epsilon = r.epsilon;
  DrawSet within;
  sample_abc(m, c, within, info, nullptr);
  ASSERT_EQ(within.n_draws, 400);
  for (int k = 0; k < 400; ++k) {
    EXPECT_EQ(within.series(0, 0)[k], top.series(0, 0)[k]);
    EXPECT_LE(within.stat_series(0, 0)[k], r.epsilon);
  }
}

/// A simulator that returns NaN when its uniform theta is above 0.75 (and its data 0, 0).
struct NanSim {
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
                              : t + Real(0.1) * static_cast<Real>(normal(rng, it, Stream::kSimulate, static_cast<std::uint32_t>(k)));
  }
  static ModelInfo info() {
    ModelInfo i;
    i.name = "nan_sim";
    return i;
  }
};

TEST(RejectionAbc, NonFiniteSimulationsAreCountedAndDropped) {
  Loaded<NanSim> m;
  m.data.n = 2;
  m.names = {"t"};
  m.sbi_observed = {0.5, 0.5};
  m.sbi_scale = {0.1, 0.1};
  AbcResult r;
  DrawSet d;
  RunInfo info;
  sample_abc(m, config(20000, 100, 9, &r), d, info, nullptr);
  const PriorSimulations s = simulate_prior_predictive(m, 9, 0, 20000);
  EXPECT_EQ(r.non_finite, count_non_finite(s));
  EXPECT_GT(r.non_finite, 0);
  for (int k = 0; k < d.n_draws; ++k) EXPECT_LE(d.series(0, 0)[k], 0.75);
  // Observed data of the wrong size.
  m.sbi_observed = {0.5};
  EXPECT_THROW(sample_abc(m, config(100, 10, 9), d, info, nullptr), InputError);
}

TEST(RejectionAbc, RefusesBadFlags) {
  RunSettings s;
  auto cfg = [&](std::map<std::string, std::string> f) { return AbcAlgorithm::configure(s, AlgorithmOptions(f)); };
  EXPECT_THROW(cfg({{"--sims", "100"}, {"--keep", "101"}}), InputError);
  EXPECT_THROW(cfg({{"--sims", "0"}}), InputError);
  EXPECT_THROW(cfg({{"--sims", "1.5"}}), InputError);
  EXPECT_THROW(cfg({{"--keep", "5"}, {"--epsilon", "1"}}), InputError);
  EXPECT_THROW(cfg({{"--epsilon", "-1"}}), InputError);
  EXPECT_EQ(cfg({{"--sims", "1e6"}, {"--keep", "1000"}}).sims, 1000000);
  EXPECT_EQ(cfg({{"--sims", "100"}}).keep, 100);  // the default K never exceeds N
  EXPECT_THROW(cfg({{"--adjust", "yes"}}), InputError);
  EXPECT_FALSE(cfg({{"--adjust", "none"}}).adjust);
  EXPECT_TRUE(cfg({}).adjust);
}

// An observed value whose square over its scale overflows is the data's fault, said as such
// (not "every simulation was not finite").
TEST(RejectionAbc, AnObservedValueTooLargeForTheDistanceIsNamed) {
  try {
    abc_check_observed_distance({0.5, 1e200, 2.0}, {1.0, 2.0, 1.0}, "abc");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("abc: observed value 2 ("), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("the squared distance overflows"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(abc_check_observed_distance({0.5, 1e100, 2.0}, {1.0, 2.0, 1.0}, "abc"));
}

}  // namespace
}  // namespace lockstep
