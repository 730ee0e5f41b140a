// Many data sets fitted at once in lanes (host/registry/replicates.hpp, kernels/core/
// lane_data.hpp; what `lockstep sbc` runs): every chain of a replicated run gives the same bits
// as the same chain of a run of the model alone on that chain's data set, so per-chain data
// changes nothing but the data.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/registry/any_model.hpp"
#include "host/registry/replicate_lanes.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace {

struct Simulated {
  std::vector<std::vector<double>> sets;
  std::vector<double> all;  // the sets one after another
};

Simulated simulate_sets(const AnyModel& model, int n, std::uint64_t seed) {
  Simulated s;
  for (int r = 0; r < n; ++r) {
    const std::vector<double> y = model.simulate(model.prior_draw(seed, r), seed, r);
    s.sets.push_back(y);
    s.all.insert(s.all.end(), y.begin(), y.end());
  }
  return s;
}

void expect_chains_match_single_runs(const std::string& model_name, const std::string& data,
                                     const std::string& algorithm) {
  SCOPED_TRACE(model_name + " with " + algorithm);
  const auto src = testing_models::repo_data(data);
  const std::unique_ptr<AnyModel> model = testing_models::load_builtin(model_name, {}, src.get());
  const int R = 3;
  const Simulated sim = simulate_sets(*model, R, 11);
  RunSettings s;
  s.chains = 2;
  s.warmup = 120;
  s.draws = 40;
  s.seed = 5;
  const int per = lane_chains_per_replicate(algorithm, s.chains);
  DrawSet lanes;
  RunInfo info;
  model->run_replicates(algorithm, s, AlgorithmOptions{}, sim.all, R, lanes, info, nullptr);
  ASSERT_EQ(lanes.n_chains, R * per);
  for (int r = 0; r < R; ++r) {
    RunSettings alone = s;
    alone.chains = R * per;
    DrawSet single;
    RunInfo single_info;
    model->with_observed(sim.sets[r])->run(algorithm, alone, AlgorithmOptions{}, single, single_info, nullptr);
    ASSERT_EQ(single.n_draws, lanes.n_draws);
    for (int k = 0; k < per; ++k) {
      const int c = r * per + k;
      for (std::size_t p = 0; p < lanes.names.size(); ++p)
        for (int d = 0; d < lanes.n_draws; ++d)
          ASSERT_EQ(lanes.series(static_cast<int>(p), c)[d], single.series(static_cast<int>(p), c)[d])
              << "replicate " << r << " chain " << k << " parameter " << lanes.names[p] << " draw " << d;
      for (std::size_t q = 0; q < lanes.stat_names.size(); ++q)
        for (int d = 0; d < lanes.n_draws; ++d)
          ASSERT_EQ(lanes.stat_series(static_cast<int>(q), c)[d], single.stat_series(static_cast<int>(q), c)[d])
              << "replicate " << r << " chain " << k << " " << lanes.stat_names[q] << " draw " << d;
    }
  }
}

TEST(Replicates, NutsChainsMatchRunsOnTheirOwnDataSetBitwise) {
  expect_chains_match_single_runs("eight_schools_noncentered", "eight_schools.json", "nuts");
}

TEST(Replicates, HmcChainsMatchRunsOnTheirOwnDataSetBitwise) {
  // static HMC runs SIMD blocks of chains: each data set gets whole blocks
  expect_chains_match_single_runs("eight_schools_centered", "eight_schools.json", "hmc");
}

TEST(Replicates, DifferentDataSetsGiveDifferentChains) {
  // the check above would pass if every lane saw data set 0: the chains of two replicates
  // must differ where their data do
  const auto src = testing_models::repo_data("eight_schools.json");
  const std::unique_ptr<AnyModel> model = testing_models::load_builtin("eight_schools_noncentered", {}, src.get());
  Simulated sim = simulate_sets(*model, 2, 11);
  RunSettings s;
  s.chains = 1;
  s.warmup = 50;
  s.draws = 10;
  DrawSet same, different;
  RunInfo info;
  std::vector<double> twice = sim.sets[0];
  twice.insert(twice.end(), sim.sets[0].begin(), sim.sets[0].end());
  model->run_replicates("nuts", s, AlgorithmOptions{}, twice, 2, same, info, nullptr);
  model->run_replicates("nuts", s, AlgorithmOptions{}, sim.all, 2, different, info, nullptr);
  const int lp = same.stat_index("lp__");
  EXPECT_EQ(same.stat_series(lp, 0)[0], different.stat_series(lp, 0)[0]) << "replicate 0 has the same data";
  EXPECT_NE(same.stat_series(lp, 1)[0], different.stat_series(lp, 1)[0]) << "replicate 1 does not";
}

TEST(Replicates, OnlyPerChainAdaptationRunsInLanes) {
  AlgorithmOptions pooled;
  pooled.set("--pool-adaptation", "true");
  EXPECT_TRUE(replicates_in_lanes("nuts", AlgorithmOptions{}));
  EXPECT_TRUE(replicates_in_lanes("hmc", AlgorithmOptions{}));
  EXPECT_FALSE(replicates_in_lanes("nuts", pooled));
  EXPECT_FALSE(replicates_in_lanes("chees", AlgorithmOptions{}));
  EXPECT_EQ(lane_chains_per_replicate("nuts", 3), 3);
  EXPECT_EQ(lane_chains_per_replicate("hmc", 3) % backend::kLaneWidth, 0);
  EXPECT_GE(lane_chains_per_replicate("hmc", 3), 3);
}

TEST(Replicates, AModelThatCannotTakeOtherDataIsRefused) {
  const std::unique_ptr<AnyModel> funnel = testing_models::load_builtin("funnel", {}, nullptr);
  RunSettings s;
  DrawSet draws;
  RunInfo info;
  EXPECT_NE(testing_models::input_error_of([&] {
              funnel->run_replicates("nuts", s, AlgorithmOptions{}, {}, 1, draws, info, nullptr);
            }).find("cannot be given other data sets"),
            std::string::npos);
}

}  // namespace
}  // namespace lockstep
