// Checkpoints of static HMC and NUTS (host/run/sampler_snapshot.hpp, host/run/hmc_driver.hpp):
// a run stopped right after a snapshot -- in warmup or in sampling -- and continued from that
// snapshot gives the bits of the run that never stopped: every draw, every sampler statistic,
// the step sizes, metrics and gradient counts. Diagonal and dense metrics, per-chain and
// pooled adaptation, and ChEES (its adaptation state and shared metric); and the ensemble.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "host/io/csv_data.hpp"
#include "host/registry/any_model.hpp"
#include "host/run/sampler_snapshot.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace {

struct Stopped {};

/// Takes one snapshot at the first boundary at or after `stop_at` iterations, then stops the
/// run (as a kill right after a checkpoint would).
class StopAfter : public CheckpointHooks {
 public:
  explicit StopAfter(long stop_at) : stop_at_(stop_at) {}
  bool due(long t) override { return t >= stop_at_; }
  void save(const SamplerSnapshot& s) override {
    snapshot = s;
    throw Stopped{};
  }
  const SamplerSnapshot* resume() const override { return nullptr; }
  SamplerSnapshot snapshot;

 private:
  long stop_at_;
};

/// Continues from a snapshot, takes none.
class ResumeFrom : public CheckpointHooks {
 public:
  explicit ResumeFrom(const SamplerSnapshot& s) : s_(s) {}
  bool due(long) override { return false; }
  void save(const SamplerSnapshot&) override {}
  const SamplerSnapshot* resume() const override { return &s_; }

 private:
  const SamplerSnapshot& s_;
};

struct Case {
  std::string algorithm;
  std::vector<std::pair<std::string, std::string>> flags;
};

/// The run `s` of `model`, whole and stopped at `stop_at` then resumed: the same bits.
void expect_resumed_run_is_bitwise(const AnyModel& model_ref, const Case& c, const RunSettings& s, long stop_at) {
  SCOPED_TRACE(c.algorithm + (c.flags.empty() ? "" : " " + c.flags[0].first) + ", stopped at " +
               std::to_string(stop_at));
  const AnyModel* model = &model_ref;
  AlgorithmOptions options;
  for (const auto& f : c.flags) options.set(f.first, f.second);
  DrawSet whole, resumed;
  RunInfo whole_info, resumed_info;
  model->run(c.algorithm, s, options, whole, whole_info, nullptr);

  StopAfter stop(stop_at);
  RunSettings first = s;
  first.checkpoint = &stop;
  DrawSet partial;
  RunInfo partial_info;
  EXPECT_THROW(model->run(c.algorithm, first, options, partial, partial_info, nullptr), Stopped);
  ASSERT_GE(stop.snapshot.next_iteration, stop_at);
  ASSERT_LT(stop.snapshot.next_iteration, s.warmup + s.draws);

  ResumeFrom from(stop.snapshot);
  RunSettings second = s;
  second.checkpoint = &from;
  model->run(c.algorithm, second, options, resumed, resumed_info, nullptr);

  ASSERT_EQ(resumed.values.size(), whole.values.size());
  ASSERT_EQ(resumed.stats.size(), whole.stats.size());
  for (std::size_t i = 0; i < whole.values.size(); ++i)
    ASSERT_EQ(resumed.values[i], whole.values[i]) << "value " << i;
  for (std::size_t i = 0; i < whole.stats.size(); ++i) ASSERT_EQ(resumed.stats[i], whole.stats[i]) << "statistic " << i;
  EXPECT_EQ(resumed_info.step_size, whole_info.step_size);
  EXPECT_EQ(resumed_info.inv_metric, whole_info.inv_metric);
  EXPECT_EQ(resumed_info.dense_inv_metric, whole_info.dense_inv_metric);
  EXPECT_EQ(resumed_info.gradient_evaluations, whole_info.gradient_evaluations);
  EXPECT_EQ(resumed_info.divergences, whole_info.divergences);
  EXPECT_EQ(resumed_info.warmup_restarts, whole_info.warmup_restarts);
}

/// Eight Schools (non-centered), 6 chains, 200 + 100 iterations.
void expect_resumed_run_is_bitwise(const Case& c, long stop_at) {
  const auto src = testing_models::repo_data("eight_schools.json");
  const std::unique_ptr<AnyModel> model = testing_models::load_builtin("eight_schools_noncentered", {}, src.get());
  RunSettings s;
  s.chains = 6;
  s.warmup = 200;
  s.draws = 100;
  s.seed = 31;
  s.save_warmup = true;
  expect_resumed_run_is_bitwise(*model, c, s, stop_at);
}

const std::vector<Case> kCases = {
    {"nuts", {}},
    {"nuts", {{"--metric", "dense"}}},
    {"nuts", {{"--pool-adaptation", "true"}}},
    {"hmc", {}},
    {"hmc", {{"--pool-adaptation", "true"}}},
    {"chees", {}},
};

TEST(Checkpoint, StoppedInWarmupAndResumedGivesTheSameBits) {
  for (const Case& c : kCases) expect_resumed_run_is_bitwise(c, 90);  // between window ends
}

TEST(Checkpoint, StoppedInSamplingAndResumedGivesTheSameBits) {
  for (const Case& c : kCases) expect_resumed_run_is_bitwise(c, 240);
}

TEST(Checkpoint, StoppedAtTheEndOfWarmupAndResumedGivesTheSameBits) {
  // the snapshot at iteration == warmup comes before the final step size is set
  for (const Case& c : kCases) expect_resumed_run_is_bitwise(c, 200);
}

/// ChEES restarting stalled chains (host/algorithms/chees/stalled_chains.hpp; radon from Stan's
/// default start, 16 chains, seed 3: 3 restarts): stopped while chains count their stalled
/// transitions (10), after the restarts (50) and at the end of warmup (200).
TEST(Checkpoint, CheesRestartingStalledChainsStoppedAndResumedGivesTheSameBits) {
  const auto src = load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/data/radon_mn.csv");
  const std::unique_ptr<AnyModel> model =
      testing_models::load_builtin("glmm", {{"formula", "log_radon ~ 1 + floor + (1 | county)"}}, src.get());
  RunSettings s;
  s.chains = 16;
  s.warmup = 200;
  s.draws = 50;
  s.seed = 3;
  DrawSet d;
  RunInfo info;
  model->run("chees", s, AlgorithmOptions{}, d, info, nullptr);
  ASSERT_GE(info.warmup_restarts, 1) << "no chain stalls at this seed: the test needs one that does";
  for (long stop_at : {10L, 50L, 200L}) expect_resumed_run_is_bitwise(*model, {"chees", {}}, s, stop_at);
}

/// The ensemble (host/algorithms/ensemble/ensemble_sampler.hpp): stopped in its discarded steps
/// or after saved steps (thinned, so that chunk boundaries and saved steps do not coincide), and
/// resumed: every draw and statistic the same bits.
void expect_resumed_ensemble_is_bitwise(long stop_at, const std::string& move) {
  SCOPED_TRACE("ensemble --move " + move + ", stopped at " + std::to_string(stop_at));
  const auto src = testing_models::repo_data("peak.json");
  const std::unique_ptr<AnyModel> model = testing_models::load_builtin("peak", {}, src.get());
  AlgorithmOptions options;
  options.set("--walkers", "40");
  options.set("--steps", "700");
  options.set("--discard", "100");
  options.set("--thin", "3");
  options.set("--move", move);
  RunSettings s;
  s.seed = 17;
  DrawSet whole, partial, resumed;
  RunInfo info;
  model->run("ensemble", s, options, whole, info, nullptr);
  StopAfter stop(stop_at);
  RunSettings first = s;
  first.checkpoint = &stop;
  EXPECT_THROW(model->run("ensemble", first, options, partial, info, nullptr), Stopped);
  ASSERT_GE(stop.snapshot.next_iteration, stop_at);
  ASSERT_LT(stop.snapshot.next_iteration, 700);
  ResumeFrom from(stop.snapshot);
  RunSettings second = s;
  second.checkpoint = &from;
  model->run("ensemble", second, options, resumed, info, nullptr);
  ASSERT_EQ(resumed.values.size(), whole.values.size());
  ASSERT_GT(whole.values.size(), 0u);
  for (std::size_t i = 0; i < whole.values.size(); ++i) ASSERT_EQ(resumed.values[i], whole.values[i]) << "value " << i;
  for (std::size_t i = 0; i < whole.stats.size(); ++i) ASSERT_EQ(resumed.stats[i], whole.stats[i]) << "statistic " << i;
}

TEST(Checkpoint, EnsembleStoppedAndResumedGivesTheSameBits) {
  for (const std::string move : {"stretch", "de:0.5,walk:0.5"}) {
    expect_resumed_ensemble_is_bitwise(40, move);   // in the discarded steps
    expect_resumed_ensemble_is_bitwise(333, move);  // after saved steps
  }
}

TEST(Checkpoint, ASnapshotOfAnotherShapeIsRefused) {
  const auto src = testing_models::repo_data("eight_schools.json");
  const std::unique_ptr<AnyModel> model = testing_models::load_builtin("eight_schools_noncentered", {}, src.get());
  RunSettings s;
  s.chains = 4;
  s.warmup = 100;
  s.draws = 50;
  StopAfter stop(60);
  s.checkpoint = &stop;
  DrawSet d;
  RunInfo info;
  EXPECT_THROW(model->run("nuts", s, AlgorithmOptions{}, d, info, nullptr), Stopped);
  ResumeFrom from(stop.snapshot);
  s.checkpoint = &from;
  s.chains = 8;
  try {
    model->run("nuts", s, AlgorithmOptions{}, d, info, nullptr);
    FAIL() << "resumed with another chain count";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot continue as a nuts run of 8 chains"), std::string::npos) << e.what();
  }
  s.chains = 4;
  try {
    model->run("hmc", s, AlgorithmOptions{}, d, info, nullptr);
    FAIL() << "resumed with another sampler";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("a nuts run of 4 chains (dim 10) cannot continue as a hmc run"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace lockstep
