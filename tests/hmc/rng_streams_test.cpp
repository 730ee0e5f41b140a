// Counter-based random streams (kernels/core/philox.hpp) make a chain's whole run a function
// of (seed, chain index) alone: chain k's draws, statistics and adapted step size and metric
// are bitwise identical whether 7 or 4099 chains run, and whatever the number of CPU
// threads. With pooled adaptation, streams are still per chain but the adapted step size and
// metric depend on every chain, so there only the thread count may not matter.
#include <gtest/gtest.h>

#include <string>

#include "tests/hmc/sampler_fixtures.hpp"

namespace lockstep {
namespace testing {
namespace {

HmcConfig stream_config(int chains, int threads) {
  HmcConfig cfg;
  cfg.chains = chains;
  cfg.warmup = 150;  // a metric window [75, 99] and both fast buffers
  cfg.draws = 60;
  cfg.save_warmup = true;
  cfg.seed = 20240917;
  cfg.threads = threads;
  return cfg;
}

void expect_same_adaptation(const RunInfo& a, int ca, const RunInfo& b, int cb, const std::string& what) {
  EXPECT_TRUE(same_bits(a.step_size[ca], b.step_size[cb]))
      << what << ": step size " << a.step_size[ca] << " vs " << b.step_size[cb];
  ASSERT_EQ(a.inv_metric[ca].size(), b.inv_metric[cb].size());
  for (std::size_t i = 0; i < a.inv_metric[ca].size(); ++i)
    EXPECT_TRUE(same_bits(a.inv_metric[ca][i], b.inv_metric[cb][i]))
        << what << ": inverse metric " << i << ": " << a.inv_metric[ca][i] << " vs " << b.inv_metric[cb][i];
}

class RngStreams : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto m = load_eight_schools<models::EightSchoolsNoncentered>();
    few_ = new SampleRun(run_hmc(m, stream_config(7, 2)));
    many_ = new SampleRun(run_hmc(m, stream_config(4099, 2)));
    many_one_thread_ = new SampleRun(run_hmc(m, stream_config(4099, 1)));
  }
  static void TearDownTestSuite() {
    delete few_;
    delete many_;
    delete many_one_thread_;
  }
  static SampleRun* few_;
  static SampleRun* many_;
  static SampleRun* many_one_thread_;
};
SampleRun* RngStreams::few_ = nullptr;
SampleRun* RngStreams::many_ = nullptr;
SampleRun* RngStreams::many_one_thread_ = nullptr;

TEST_F(RngStreams, ChainDrawsDoNotDependOnHowManyChainsRun) {
  ASSERT_EQ(few_->draws.n_chains, 7);
  ASSERT_EQ(many_->draws.n_chains, 4099);
  for (int k : {0, 3, 6}) {
    EXPECT_EQ(first_difference(few_->draws, k, many_->draws, k), "") << "chain " << k;
    expect_same_adaptation(few_->info, k, many_->info, k, "chain " + std::to_string(k));
  }
}

TEST_F(RngStreams, ChainsDiffer) {
  // the invariance above is not the trivial one: distinct chains have distinct streams
  EXPECT_NE(first_difference(many_->draws, 0, many_->draws, 1), "");
  EXPECT_NE(first_difference(many_->draws, 6, many_->draws, 4098), "");
  EXPECT_NE(many_->info.step_size[0], many_->info.step_size[1]);
}

TEST_F(RngStreams, DrawsDoNotDependOnThreadCount) {
  for (int c = 0; c < 4099; ++c) {
    ASSERT_EQ(first_difference(many_->draws, c, many_one_thread_->draws, c), "") << "chain " << c;
    expect_same_adaptation(many_->info, c, many_one_thread_->info, c, "chain " + std::to_string(c));
  }
  EXPECT_EQ(many_->info.gradient_evaluations, many_one_thread_->info.gradient_evaluations);
  EXPECT_EQ(many_->info.divergences, many_one_thread_->info.divergences);
}

TEST(RngStreamsPooled, DrawsDoNotDependOnThreadCount) {
  const auto m = load_eight_schools<models::EightSchoolsNoncentered>();
  HmcConfig cfg = stream_config(1029, 2);  // 129 lanes of 8, the last one padded
  cfg.pool_adaptation = true;
  const SampleRun two = run_hmc(m, cfg);
  cfg.threads = 1;
  const SampleRun one = run_hmc(m, cfg);
  for (int c = 0; c < cfg.chains; ++c) {
    ASSERT_EQ(first_difference(two.draws, c, one.draws, c), "") << "chain " << c;
    expect_same_adaptation(two.info, c, one.info, c, "pooled, chain " + std::to_string(c));
  }
  // pooled: one step size and one metric for all chains
  for (int c = 1; c < cfg.chains; ++c) {
    ASSERT_EQ(two.info.step_size[c], two.info.step_size[0]) << "chain " << c;
    ASSERT_EQ(two.info.inv_metric[c], two.info.inv_metric[0]) << "chain " << c;
  }
  // but each chain still has its own stream
  EXPECT_NE(first_difference(two.draws, 0, two.draws, 1), "");
}

TEST(RngStreamsSeed, DifferentSeedsGiveDifferentDraws) {
  const auto m = load_eight_schools<models::EightSchoolsNoncentered>();
  HmcConfig a = stream_config(8, 2), b = a;
  b.seed = a.seed + 1;
  const SampleRun ra = run_hmc(m, a), rb = run_hmc(m, b);
  for (int c = 0; c < 8; ++c) EXPECT_NE(first_difference(ra.draws, c, rb.draws, c), "") << "chain " << c;
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
