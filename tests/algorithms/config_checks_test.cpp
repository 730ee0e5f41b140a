// Every MCMC sampler config is checked in one place (host/algorithms/config_checks.hpp), and the
// library's samplers call it: a bad value reaches neither dual averaging (log of a step size
// <= 0) nor the initial values (radius 0: every chain at the same point).
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>

#include "host/algorithms/config_checks.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace {

template <class Cfg>
std::string message(const Cfg& cfg) {
  try {
    check_config(cfg);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

template <class Cfg>
std::string with(const std::function<void(Cfg&)>& change) {
  Cfg cfg;
  change(cfg);
  return message(cfg);
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

TEST(ConfigChecks, DefaultsPass) {
  EXPECT_EQ(message(HmcConfig{}), "");
  EXPECT_EQ(message(NutsConfig{}), "");
  EXPECT_EQ(message(CheesConfig{}), "");
}

TEST(ConfigChecks, SharedSettingsNameTheirFlag) {
  using C = NutsConfig;
  EXPECT_EQ(with<C>([](C& c) { c.chains = 0; }), "--chains: must be at least 1, found 0");
  EXPECT_EQ(with<C>([](C& c) { c.warmup = -1; }), "--warmup: must not be negative, found -1");
  EXPECT_EQ(with<C>([](C& c) { c.draws = 0; }), "--draws: must be at least 1, found 0");
  EXPECT_EQ(with<C>([](C& c) { c.thin = 0; }), "--thin: must be at least 1, found 0");
  EXPECT_EQ(with<C>([](C& c) { c.threads = -2; }), "--threads: must be between 0 (all cores) and 1024, found -2");
  EXPECT_EQ(with<C>([](C& c) { c.threads = 100000; }), "--threads: must be between 0 (all cores) and 1024, found 100000");
  EXPECT_EQ(with<C>([](C& c) { c.init_radius = 0; }), "--init: must be a positive finite number, found 0");
  EXPECT_EQ(with<C>([](C& c) { c.init_radius = kInf; }), "--init: must be a positive finite number, found inf");
  EXPECT_EQ(with<C>([](C& c) { c.init_radius = kNaN; }), "--init: must be a positive finite number, found nan");
  // A fixed start replaces the radius; its values must be finite and one or one per chain.
  EXPECT_EQ(with<C>([](C& c) {
              c.init_radius = 0;
              c.init_unconstrained = {{0.0, 1.0}};
            }),
            "");
  EXPECT_EQ(with<C>([](C& c) { c.init_unconstrained = {{0.0}, {1.0}}; }),
            "--init: expected initial values for 1 or 4 chains, found 2");
  EXPECT_EQ(with<C>([](C& c) { c.init_unconstrained = {{0.0, kNaN}}; }),
            "--init: an initial value is not finite on the unconstrained scale");
}

TEST(ConfigChecks, StepSizeAndTargetOfEveryHmcFamilyAlgorithm) {
  EXPECT_EQ(with<HmcConfig>([](HmcConfig& c) { c.init_step_size = 0; }),
            "--step-size: must be a positive finite number, found 0");
  EXPECT_EQ(with<NutsConfig>([](NutsConfig& c) { c.init_step_size = -0.5; }),
            "--step-size: must be a positive finite number, found -0.5");
  EXPECT_EQ(with<CheesConfig>([](CheesConfig& c) { c.init_step_size = kInf; }),
            "--step-size: must be a positive finite number, found inf");
  EXPECT_EQ(with<HmcConfig>([](HmcConfig& c) { c.target_accept = 0; }),
            "--target-accept: must be strictly between 0 and 1, found 0");
  EXPECT_EQ(with<NutsConfig>([](NutsConfig& c) { c.target_accept = 1; }),
            "--target-accept: must be strictly between 0 and 1, found 1");
  EXPECT_EQ(with<CheesConfig>([](CheesConfig& c) { c.target_accept = kNaN; }),
            "--target-accept: must be strictly between 0 and 1, found nan");
  EXPECT_EQ(with<HmcConfig>([](HmcConfig& c) { c.steps = 0; }), "--steps: must be at least 1, found 0");
}

TEST(ConfigChecks, AlgorithmSpecificSettings) {
  EXPECT_EQ(with<NutsConfig>([](NutsConfig& c) { c.metric = "full"; }), "--metric: 'full' is not one of: diag, dense");
  EXPECT_EQ(with<NutsConfig>([](NutsConfig& c) { c.max_depth = 0; }), "--max-depth: must be between 1 and 30, found 0");
  EXPECT_EQ(with<CheesConfig>([](CheesConfig& c) { c.chains = 1; }),
            "--chains: ChEES-HMC adapts across chains and needs at least 2 chains, found 1");
  EXPECT_EQ(with<CheesConfig>([](CheesConfig& c) {
              c.chains = 1;
              c.warmup = 0;
            }),
            "");
  EXPECT_EQ(with<CheesConfig>([](CheesConfig& c) { c.learning_rate = 0; }),
            "CheesConfig::learning_rate: must be a positive finite number, found 0");
  EXPECT_EQ(with<CheesConfig>([](CheesConfig& c) { c.adam_beta2 = 1; }),
            "CheesConfig::adam_beta1/adam_beta2: Adam's decay rates must be in [0, 1)");
  EXPECT_EQ(with<CheesConfig>([](CheesConfig& c) { c.max_leapfrog_steps = 0; }),
            "--max-leapfrog-steps: must be at least 1, found 0");
  EXPECT_EQ(with<CheesConfig>([](CheesConfig& c) { c.init_trajectory_length = -1; }),
            "CheesConfig::init_trajectory_length: must be a finite number >= 0, found -1");
}

// The library's compiled samplers (the instantiation `lockstep sample` runs) refuse the same
// values before they allocate or start: the step size 0 and the radius 0 of issue 22.
TEST(ConfigChecks, TheLibrarysSamplersCheckBeforeRunning) {
  const auto data = testing_models::repo_data("eight_schools.json");
  const auto model = testing_models::load_builtin("eight_schools_noncentered", {}, data.get());
  DrawSet draws;
  RunInfo info;
  auto refused = [&](const std::string& algorithm, const void* cfg) -> std::string {
    try {
      model->run_config(algorithm, cfg, draws, info, nullptr);
    } catch (const InputError& e) {
      return e.what();
    }
    return "ran";
  };
  HmcConfig hmc;
  hmc.init_step_size = 0;
  EXPECT_EQ(refused("hmc", &hmc), "--step-size: must be a positive finite number, found 0");
  NutsConfig nuts;
  nuts.init_radius = 0;
  EXPECT_EQ(refused("nuts", &nuts), "--init: must be a positive finite number, found 0");
  CheesConfig chees;
  chees.target_accept = 1.5;
  EXPECT_EQ(refused("chees", &chees), "--target-accept: must be strictly between 0 and 1, found 1.5");
  // And a valid config runs.
  nuts.init_radius = 2;
  nuts.warmup = 20;
  nuts.draws = 10;
  nuts.chains = 2;
  EXPECT_EQ(refused("nuts", &nuts), "ran");
  EXPECT_EQ(draws.n_chains, 2);
}

}  // namespace
}  // namespace lockstep
