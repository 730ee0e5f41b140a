// NUTS chains advancing in gangs (kernels/nuts/nuts_gang.hpp) against one chain per lane
// (kernels/nuts/nuts_segment.hpp). The two differ only in how the model is called: W chains'
// gradients in one SIMD call, or one chain's. With a model whose SIMD code is its one-chain
// code run lane by lane (PerLane below), every draw, statistic, step size and metric must be
// the same bits in both — warmup and its adaptation included, a chain count that leaves a
// gang partly padding, diagonal and dense metrics, 1 and 2 threads. With the models' own SIMD
// code (another rounding) the gangs must still recover the posteriors (5 MCSE).
// g++ contracts a * b + c into one FMA where it sees both operations, and what it sees depends
// on what was inlined where: the same model code inlined into the one-chain transition loop or
// called per lane from a block may round differently in the last bit, which chaotic NUTS
// trajectories amplify. This file therefore compiles without contraction, so that the
// comparisons below test what the gangs do, not g++'s inlining.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <type_traits>
#include <vector>

#include "host/algorithms/nuts/nuts_sampler.hpp"
#include "kernels/core/batch.hpp"
#include "tests/hmc/sampler_fixtures.hpp"

namespace lockstep {
namespace testing {
namespace {

/// M whose gradient of a SIMD block is M's one-chain gradient of each lane in turn: the same
/// operations on the same values as one chain per lane (at most kMaxDim dimensions).
constexpr int kMaxDim = 16;
template <class M>
struct PerLane : M {
  template <class V, class G>
  LS_HD auto log_density_and_grad(const typename M::Data& d, V q, G g) const -> typename V::value_type {
    if constexpr (std::is_same_v<typename V::value_type, Real>) {
      return M::log_density_and_grad(d, q, g);
    } else {
      constexpr int W = sizeof(typename V::value_type) / sizeof(Real);
      const int dim = M::dim(d);
      typename V::value_type logp;
      Real q1[kMaxDim], g1[kMaxDim];
      for (int w = 0; w < W; ++w) {
        for (int i = 0; i < dim; ++i) q1[i] = q[i][w];
        logp[w] = M::log_density_and_grad(d, Dense<Real>{q1}, Dense<Real>{g1});
        for (int i = 0; i < dim; ++i) g[i][w] = g1[i];
      }
      return logp;
    }
  }
};

template <class M>
Loaded<PerLane<M>> per_lane(const Loaded<M>& m) {
  Loaded<PerLane<M>> out;
  static_cast<M&>(out.model) = m.model;
  out.data = m.data;
  out.store = m.store;
  out.names = m.names;
  return out;
}

template <class Model>
SampleRun run(const Loaded<Model>& m, NutsConfig cfg, const std::string& gang, int threads) {
  cfg.gang = gang;
  cfg.threads = threads;
  SampleRun r;
  sample_nuts(m, cfg, r.draws, r.info);
  return r;
}

void expect_same_runs(const SampleRun& a, const SampleRun& b, const std::string& what) {
  ASSERT_EQ(a.draws.n_chains, b.draws.n_chains);
  for (int c = 0; c < a.draws.n_chains; ++c) {
    EXPECT_EQ(first_difference(a.draws, c, b.draws, c), "") << what << ", chain " << c;
    EXPECT_TRUE(same_bits(a.info.step_size[c], b.info.step_size[c])) << what << ", chain " << c;
    EXPECT_EQ(a.info.inv_metric[c], b.info.inv_metric[c]) << what << ", chain " << c;
  }
  EXPECT_EQ(a.info.gradient_evaluations, b.info.gradient_evaluations) << what;
  EXPECT_EQ(a.info.dense_inv_metric, b.info.dense_inv_metric) << what;
}

TEST(NutsGang, SameBitsAsOneChainPerLaneWhenTheModelsCodesAgree) {
  const auto m = per_lane(load_eight_schools<models::EightSchoolsNoncentered>());
  NutsConfig cfg;
  cfg.chains = 11;  // one whole gang of 8 and one of 3 chains + 5 padding (W = 8)
  cfg.warmup = 150;
  cfg.draws = 60;
  cfg.save_warmup = true;
  cfg.seed = 21;
  for (const std::string metric : {"diag", "dense"}) {
    cfg.metric = metric;
    const SampleRun apart = run(m, cfg, "off", 2);
    const SampleRun gang = run(m, cfg, "on", 2);
    const SampleRun gang_one_thread = run(m, cfg, "on", 1);
    expect_same_runs(apart, gang, metric + ": gangs against one chain per lane");
    expect_same_runs(gang, gang_one_thread, metric + ": gangs on 1 and 2 threads");
    EXPECT_NE(first_difference(gang.draws, 0, gang.draws, 1), "");
    EXPECT_GT(apart.info.gradient_evaluations, 11 * 210) << "every iteration takes at least one leapfrog step";
  }
}

TEST(NutsGang, SameBitsWithPooledAdaptationAndThinning) {
  // Pooled step sizes cut a segment per warmup iteration: every gang meets every iteration.
  const auto m = per_lane(load_std_normal(5));
  NutsConfig cfg;
  cfg.chains = 16;
  cfg.warmup = 120;
  cfg.draws = 90;
  cfg.thin = 3;
  cfg.seed = 5;
  cfg.pool_adaptation = true;
  expect_same_runs(run(m, cfg, "off", 2), run(m, cfg, "on", 2), "pooled, thin 3");
}

TEST(NutsGang, ChainStreamsDoNotDependOnTheChainCount) {
  // A chain's draws depend on its own stream only: its lane of the block is computed from its
  // own position (the models' SIMD code is element-wise across chains).
  const auto m = load_eight_schools<models::EightSchoolsNoncentered>();
  NutsConfig cfg;
  cfg.warmup = 100;
  cfg.draws = 30;
  cfg.seed = 6;
  cfg.chains = 5;
  const SampleRun few = run(m, cfg, "on", 2);
  cfg.chains = 21;
  const SampleRun many = run(m, cfg, "on", 2);
  for (int c = 0; c < 5; ++c) EXPECT_EQ(first_difference(few.draws, c, many.draws, c), "") << "chain " << c;
}

TEST(NutsGang, EightSchoolsMatchesReferenceWithTheModelsSimdCode) {
  const auto m = load_eight_schools<models::EightSchoolsNoncentered>();
  NutsConfig cfg;
  cfg.chains = 64;
  cfg.warmup = 500;
  cfg.draws = 500;
  cfg.seed = 12;
  const SampleRun r = run(m, cfg, "on", 2);
  expect_eight_schools_reference(r.draws, "gangs");
  EXPECT_LT(r.info.divergences, 0.005 * 64 * 500);
}

TEST(NutsGang, WhoAdvancesInGangs) {
  // auto: the model's choice (the Gaussian from 16 dimensions), with two gangs' worth of chains;
  // on/off override it; never for SBC's replicates (one data set per gang call).
  const auto gauss = load_gauss100_ill();
  const auto normal = load_std_normal(100);
  const int W = nuts_detail::kGangWidth;
  EXPECT_TRUE(nuts_detail::use_gangs(gauss, "auto", 2 * W));
  EXPECT_FALSE(nuts_detail::use_gangs(gauss, "auto", 2 * W - 1));
  EXPECT_FALSE(nuts_detail::use_gangs(gauss, "off", 64));
  EXPECT_FALSE(nuts_detail::use_gangs(normal, "auto", 64)) << "std_normal does not ask for gangs";
  EXPECT_TRUE(nuts_detail::use_gangs(normal, "on", 64));
  Loaded<Replicates<models::StdNormal>> replicates;
  EXPECT_FALSE(nuts_detail::use_gangs(replicates, "on", 64));
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
