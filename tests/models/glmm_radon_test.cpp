// glmm on data: radon (log_radon ~ 1 + floor + (1 | county), weak priors) against lme4's REML
// fit (tests/fixtures/glmm/radon_lme4.json: lme4 1.1-31 on data/radon_mn.csv), with NUTS in both
// parameterizations and with ChEES (SIMD blocks of chains); the seed's slope models on
// data/slopes_groups.csv (pooled, unpooled, hierarchical).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/diagnostics/convergence.hpp"
#include "host/diagnostics/reference_posterior.hpp"
#include "host/diagnostics/summary.hpp"
#include "host/io/csv_data.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace {

using testing_models::load_builtin;
using testing_models::run;

std::unique_ptr<DataSource> repo_csv(const std::string& name) {
  return load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/data/" + name);
}

double mean_of(const DrawSet& d, const std::string& name) {
  const int p = d.param_index(name);
  EXPECT_GE(p, 0) << name;
  return diagnostics::summarize(diagnostics::chains_of(d, p)).mean;
}

const std::map<std::string, std::string> kRadonArgs = {
    {"formula", "log_radon ~ 1 + floor + (1 | county)"},
    {"prior", "Intercept ~ normal(0, 10)\nb ~ normal(0, 10)\nsd ~ half_normal(0, 1)\nsigma ~ half_normal(0, 1)"}};

void expect_lme4(const DrawSet& d, const std::string& what) {
  std::ifstream in(std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/glmm/radon_lme4.json");
  std::stringstream s;
  s << in.rdbuf();
  const nlohmann::json ref = nlohmann::json::parse(s.str());
  for (const char* p : {"b_Intercept", "b_floor", "sd_county__Intercept", "sigma"})
    EXPECT_NEAR(mean_of(d, p), ref[p].get<double>(), 0.03) << what << ": " << p;
}

TEST(GlmmRadon, PosteriorMeansWithin003OfLme4sReml) {
  auto data = repo_csv("radon_mn.csv");
  for (const char* param : {"noncentered", "centered"}) {
    auto opt = kRadonArgs;
    opt["parameterization"] = param;
    const auto m = load_builtin("glmm", opt, data.get());
    NutsConfig cfg;
    cfg.chains = 8;
    cfg.warmup = 400;
    cfg.draws = 400;
    cfg.seed = 11;
    DrawSet d;
    RunInfo info;
    run(*m, cfg, d, info);
    expect_lme4(d, std::string("nuts, ") + param);
  }
}

TEST(GlmmRadon, ChEESOnSimdBlocksAgrees) {
  auto data = repo_csv("radon_mn.csv");
  const auto m = load_builtin("glmm", kRadonArgs, data.get());
  CheesConfig cfg;
  cfg.chains = 128;
  cfg.warmup = 1000;
  cfg.draws = 100;
  cfg.seed = 5;
  // ChEES adapts one step size for all chains: from uniform(-2, 2) some chains start where
  // sigma = e^-2 and stay stuck at that step size; Stan-like starts near 0 avoid it.
  cfg.init_radius = 0.5;
  DrawSet d;
  RunInfo info;
  run(*m, cfg, d, info);
  expect_lme4(d, "chees");
}

/// From Stan's default start, uniform(-2, 2) on the unconstrained scale, some of 64 chains start
/// where ChEES's shared step size makes every trajectory diverge: they never move and would bias
/// the means (host/algorithms/chees/stalled_chains.hpp). Warmup restarts them from other chains'
/// states; without the rule (restart_stalled_chains = false) the same run keeps a stuck chain.
TEST(GlmmRadon, CheesRestartsChainsStalledByTheSharedStepSize) {
  auto data = repo_csv("radon_mn.csv");
  const auto m = load_builtin("glmm", kRadonArgs, data.get());
  CheesConfig cfg;
  cfg.chains = 64;
  cfg.warmup = 1000;
  cfg.draws = 200;
  cfg.seed = 3;
  DrawSet d;
  RunInfo info;
  run(*m, cfg, d, info);
  EXPECT_GE(info.warmup_restarts, 1);
  EXPECT_EQ(info.divergences, 0) << "a chain is still stuck after warmup";
  expect_lme4(d, "chees, restarts");

  CheesConfig without = cfg;
  without.restart_stalled_chains = false;
  DrawSet stuck;
  RunInfo stuck_info;
  run(*m, without, stuck, stuck_info);
  EXPECT_EQ(stuck_info.warmup_restarts, 0);
  EXPECT_GE(stuck_info.divergences, cfg.draws) << "the failure the rule prevents no longer happens at this seed";
}

/// The seed's slope models (data/slopes_groups.csv: 8 groups, group 7 has 5 points, its last two
/// overwritten with y = 30).
TEST(GlmmSeeds, PooledUnpooledAndHierarchicalSlopes) {
  auto data = repo_csv("slopes_groups.csv");
  NutsConfig cfg;
  cfg.chains = 4;
  cfg.warmup = 500;
  cfg.draws = 500;
  cfg.seed = 3;
  DrawSet pooled, unpooled, hier;
  RunInfo info;
  run(*load_builtin("glmm", {{"formula", "y ~ 0 + x"}, {"prior", "b ~ normal(0, 20)\nsigma ~ exponential(0.1)"}},
                               data.get()),
              cfg, pooled, info);
  run(*load_builtin("glmm", {{"formula", "y ~ 0 + x:factor(group)"},
                                {"prior", "b ~ normal(0, 20)\nsigma ~ exponential(10)"}},
                               data.get()),
              cfg, unpooled, info);
  NutsConfig tight = cfg;
  tight.target_accept = 0.995;
  run(*load_builtin("glmm", {{"formula", "y ~ 0 + x + (0 + x | group)"},
                                {"prior", "b ~ normal(0, 1)\nsd ~ exponential(13)\nsigma ~ exponential(10)"}},
                               data.get()),
              tight, hier, info);
  const double slope7_unpooled = mean_of(unpooled, "b_x:factorgroup7");
  const double mu = mean_of(hier, "b_x");
  const double slope7_hier = mu + mean_of(hier, "r_group[7,x]");
  EXPECT_NEAR(slope7_unpooled, 15, 2.5) << "the 5-point group's unpooled slope";
  EXPECT_NEAR(mean_of(unpooled, "b_x:factorgroup0"), 3.76, 0.3) << "a 50-point group's slope is its true one";
  EXPECT_LT(slope7_hier, slope7_unpooled - 3) << "the hierarchical slope of group 7 is pulled toward the mean";
  EXPECT_LT(std::fabs(slope7_hier - mu), std::fabs(slope7_unpooled - mu));
  EXPECT_GT(mu, 2.0);
  EXPECT_LT(mu, 4.5);
  EXPECT_GT(mean_of(pooled, "b_x"), 2.0);
}

/// The seed's hierarchical slopes against the rstan reference of data/reference/
/// slopes_hierarchical.json (bench/peers/make_slopes_reference.R: bench/peers/slopes.stan, the
/// same density, 100,000 draws): every mean and sd within 5 combined MCSE. The reference names the
/// group effects r_group[1..8] (levels in order, as ArviZ flattens them); lockstep names them by
/// level label, r_group[0,x]..r_group[7,x].
TEST(GlmmSeeds, HierarchicalSlopesMatchRstansReference) {
  auto data = repo_csv("slopes_groups.csv");
  NutsConfig cfg;
  cfg.chains = 4;
  cfg.warmup = 1000;
  cfg.draws = 1000;
  cfg.seed = 11;
  cfg.target_accept = 0.995;
  DrawSet d;
  RunInfo info;
  run(*load_builtin("glmm", {{"formula", "y ~ 0 + x + (0 + x | group)"},
                             {"prior", "b ~ normal(0, 1)\nsd ~ exponential(13)\nsigma ~ exponential(10)"}},
                    data.get()),
      cfg, d, info);
  diagnostics::ReferencePosterior ref = diagnostics::load_reference_posterior(
      std::string(LOCKSTEP_SOURCE_DIR) + "/data/reference/slopes_hierarchical.json", "slopes reference");
  ASSERT_EQ(ref.size(), 11u);
  for (auto& [name, r] : ref) {
    if (name.rfind("r_group[", 0) == 0)
      name = "r_group[" + std::to_string(std::stoi(name.substr(8)) - 1) + ",x]";
  }
  for (const diagnostics::ReferenceComparison& c : diagnostics::compare_with_reference(d, ref)) {
    EXPECT_TRUE(c.found) << c.name;
    EXPECT_TRUE(c.mean_ok() && c.sd_ok()) << c.message();
  }
}

}  // namespace
}  // namespace lockstep
