// The extension points: the algorithm table (one entry per algorithm, each with its own
// flags), the model table (what each model can run and has, known without loading it), the
// one-line refusals (a flag the chosen algorithm does not use, an algorithm or capability a
// model lacks), and running an algorithm by name through AnyModel.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "host/algorithms/hmc/hmc_algorithm.hpp"
#include "host/io/json_data.hpp"
#include "host/registry/algorithm_table.hpp"
#include "host/registry/any_model.hpp"
#include "models/contract/input_error.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(AlgorithmTable, CommandsTakeTheirAlgorithmsAndFlagsFromTheList) {
  const auto sample = command_algorithms("sample");
  ASSERT_GE(sample.size(), 3u);
  EXPECT_EQ(sample.front()->name, "nuts") << "NUTS is the default of `sample`";
  EXPECT_EQ(find_algorithm("hmc").name, "hmc");
  EXPECT_EQ(find_algorithm("ensemble", "ensemble").command, "ensemble");
  EXPECT_TRUE(contains(testing_models::input_error_of([] { find_algorithm("ensemble"); }), "--algorithm: 'ensemble' is not one of: nuts"));
  // Each flag of `sample` appears once, though several algorithms declare --target-accept.
  const auto flags = command_flags("sample");
  EXPECT_EQ(std::count_if(flags.begin(), flags.end(), [](const FlagSpec& f) { return f.flag == "--target-accept"; }),
            1);
  for (const char* f : {"--steps", "--max-depth", "--metric", "--pool-adaptation", "--learning-rate"})
    EXPECT_TRUE(std::any_of(flags.begin(), flags.end(), [&](const FlagSpec& s) { return s.flag == f; })) << f;
}

TEST(AlgorithmTable, AFlagTheAlgorithmDoesNotUseIsRefused) {
  AlgorithmOptions o;
  o.set("--steps", "5");
  EXPECT_EQ(testing_models::input_error_of([&] { refuse_unused_flags(find_algorithm("nuts"), o); }),
            "--steps: not used by --algorithm nuts (a flag of: hmc)");
  refuse_unused_flags(find_algorithm("hmc"), o);  // hmc uses it: no error
  AlgorithmOptions depth;
  depth.set("--max-depth", "4");
  EXPECT_TRUE(contains(testing_models::input_error_of([&] { refuse_unused_flags(find_algorithm("chees"), depth); }), "a flag of: nuts"));
}

TEST(AlgorithmTable, ASharedSettingTheAlgorithmDoesNotHonourIsRefused) {
  // The MCMC algorithms of `sample` honour every shared setting (the HMC driver's).
  for (const char* name : {"nuts", "hmc", "chees"})
    EXPECT_EQ(find_algorithm(name).run_settings, run_settings::kAll) << name;
  // A new algorithm whose run reads only thin: --init and --superchains would pass silently
  // (a reviewer's random-walk Metropolis started every chain at random under --init FILE).
  AlgorithmInfo rwm = find_algorithm("hmc");
  rwm.name = "rwm";
  rwm.run_settings = run_settings::kThin;
  refuse_unhonoured_settings(rwm, {{"--thin", run_settings::kThin}});  // honoured: no error
  EXPECT_EQ(testing_models::input_error_of([&] {
              refuse_unhonoured_settings(rwm, {{"--thin", run_settings::kThin}, {"--init", run_settings::kInit}});
            }),
            "--init: not honoured by --algorithm rwm (its descriptor's kRunSettings leaves out run_settings::kInit)");
  EXPECT_TRUE(contains(testing_models::input_error_of([&] {
                         refuse_unhonoured_settings(rwm, {{"--superchains", run_settings::kInit}});
                       }),
                       "--superchains: not honoured"));
}

TEST(AlgorithmTable, BadFlagValuesNameTheFlag) {
  const RunSettings s;
  AlgorithmOptions o;
  o.set("--max-depth", "0");
  EXPECT_TRUE(contains(testing_models::input_error_of([&] { find_algorithm("nuts").validate(s, o); }), "--max-depth: must be between 1"));
  AlgorithmOptions m;
  m.set("--metric", "full");
  EXPECT_EQ(testing_models::input_error_of([&] { find_algorithm("nuts").validate(s, m); }), "--metric: 'full' is not one of: diag, dense");
  AlgorithmOptions t;
  t.set("--target-accept", "1.5");
  EXPECT_TRUE(contains(testing_models::input_error_of([&] { find_algorithm("hmc").validate(s, t); }), "--target-accept: must be strictly"));
  AlgorithmOptions w;
  w.set("--walkers", "x");
  EXPECT_EQ(testing_models::input_error_of([&] { find_algorithm("ensemble", "ensemble").validate(s, w); }), "--walkers: 'x' is not an integer");
}

TEST(ModelTable, EntriesKnowTheirAlgorithmsAndCapabilities) {
  const ModelEntry& peak = find_model("peak");
  EXPECT_TRUE(peak.supports("ensemble"));
  EXPECT_TRUE(peak.supports("nuts"));
  for (Capability c : {Capability::kLogDensityConstrained, Capability::kPriorDraw, Capability::kLogPrior,
                       Capability::kSimulate})
    EXPECT_TRUE(peak.has(c)) << capability_name(c);
  const ModelEntry& funnel = find_model("funnel");
  EXPECT_FALSE(funnel.supports("ensemble"));
  EXPECT_TRUE(funnel.capabilities.empty());
  EXPECT_TRUE(find_model("eight_schools_noncentered").has(Capability::kGeneratedQuantities));
  EXPECT_TRUE(contains(testing_models::input_error_of([] { find_model("nope"); }), "model 'nope' is unknown (known models: "));
}

/// The table's models with capability c, in table order, comma-separated (so that a model
/// added to the table needs no edit here).
std::string models_with(Capability c) {
  std::string out;
  for (const ModelEntry& e : model_table())
    if (e.has(c)) out += (out.empty() ? "" : ", ") + e.info.name;
  return out;
}

TEST(ModelTable, WhatAModelLacksIsOneLineListingTheModelsThatHaveIt) {
  EXPECT_EQ(testing_models::input_error_of([] { require_algorithm(find_model("funnel"), "ensemble"); }),
            "model 'funnel' cannot run 'ensemble': it has no log_density_constrained (a log density on the "
            "constrained scale); models that can: " + models_with(Capability::kLogDensityConstrained));
  EXPECT_EQ(testing_models::input_error_of([] { require_capability(find_model("funnel"), Capability::kSimulate, "abc"); }),
            "abc: model 'funnel' has no simulate; models that have it: " + models_with(Capability::kSimulate));
  // Today's lists, as a user reads them (the built-in models of this repository).
  EXPECT_TRUE(contains(models_with(Capability::kLogDensityConstrained), "peak"));
  EXPECT_TRUE(contains(models_with(Capability::kSimulate), "eight_schools_noncentered, eight_schools_centered, peak"));
  require_algorithm(find_model("peak"), "ensemble");  // no error
}

TEST(ModelTable, RegisteringTheSameEntryTwiceIsHarmlessAnotherWithTheNameIsRefused) {
  const std::size_t n = model_table().size();
  ModelEntry copy = find_model("std_normal");
  register_model(copy);
  EXPECT_EQ(model_table().size(), n);
  copy.make = find_model("funnel").make;
  EXPECT_TRUE(contains(testing_models::input_error_of([&] { register_model(copy); }), "registered twice"));
}

TEST(AnyModel, RunsAnAlgorithmByNameOrWithItsConfig) {
  const auto data = load_json_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/eight_schools.json");
  ModelArgs args("eight_schools_noncentered", {}, data.get());
  const std::unique_ptr<AnyModel> model = load_model("eight_schools_noncentered", args);
  RunSettings s;
  s.chains = 8;
  s.warmup = 20;
  s.draws = 10;
  AlgorithmOptions o;
  o.set("--steps", "3");
  DrawSet by_name, by_config;
  RunInfo info_name, info_config;
  model->run("hmc", s, o, by_name, info_name, nullptr);
  HmcConfig c;
  static_cast<RunSettings&>(c) = s;
  c.steps = 3;
  model->run<HmcAlgorithm>(c, by_config, info_config);
  EXPECT_EQ(by_name.values, by_config.values) << "the same run either way";
  EXPECT_EQ(info_name.gradient_evaluations, info_config.gradient_evaluations);
  EXPECT_EQ(info_name.algorithm, "hmc");
  EXPECT_TRUE(contains(testing_models::input_error_of([&] { model->run("ensemble", s, {}, by_name, info_name, nullptr); }),
                       "cannot run 'ensemble'"));
}

}  // namespace
}  // namespace lockstep
