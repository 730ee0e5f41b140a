// Nested R̂ against a direct numpy transcription of Margossian et al. (2024), section 3
// (scripts/make_nested_rhat_fixture.py, numbers in tests/fixtures/nested_rhat/).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/diagnostics/nested_rhat.hpp"

namespace lockstep::diagnostics {
namespace {

nlohmann::json load_cases() {
  const std::string path = std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/nested_rhat/nested_rhat.json";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  return nlohmann::json::parse(in).at("cases");
}

TEST(NestedRhat, MatchesNumpyTranscriptionOfThePaper) {
  constexpr double kTol = 1e-10;
  const nlohmann::json cases = load_cases();
  ASSERT_GE(cases.size(), 8u);
  for (const auto& c : cases) {
    std::vector<std::vector<double>> draws;
    for (const auto& chain : c.at("draws")) draws.push_back(chain.get<std::vector<double>>());
    Chains x;
    x.n_draws = static_cast<int>(draws[0].size());
    for (const auto& d : draws) x.chain.push_back(d.data());
    const std::vector<int> ids = c.at("superchain").get<std::vector<int>>();
    const double got = nested_rhat(x, ids);
    const std::string name = c.at("name").get<std::string>();
    if (c.at("nested_rhat").is_null()) {
      EXPECT_TRUE(std::isnan(got)) << name << ": expected NaN (undefined), got " << got;
    } else {
      const double want = c.at("nested_rhat").get<double>();
      EXPECT_NEAR(got, want, kTol * want) << name << ": relative tolerance " << kTol;
    }
  }
}

TEST(NestedRhat, ShiftedSuperchainsAreFlaggedAndAtLeastOne) {
  // Two superchains of two chains, N = 3: superchain 1 is superchain 0 shifted by 10.
  const std::vector<double> a{0.1, -0.3, 0.2}, b{0.0, 0.4, -0.1}, c{10.1, 9.7, 10.2}, d{10.0, 10.4, 9.9};
  Chains x;
  x.n_draws = 3;
  x.chain = {a.data(), b.data(), c.data(), d.data()};
  EXPECT_GT(nested_rhat(x, {0, 0, 1, 1}), 5.0);
  // Pairing one chain of each location per superchain removes the between-superchain gap:
  // the superchain means are equal up to the draws' noise, and nR̂ ≥ 1 by construction.
  const double mixed = nested_rhat(x, {0, 1, 0, 1});
  EXPECT_GE(mixed, 1.0);
  EXPECT_LT(mixed, 1.01) << "superchains with equal means";
}

TEST(NestedRhat, ChainsThatNeverMovedFromDifferentStartsAreInfinite) {
  // Two superchains of two chains, each stuck at its superchain's start. 0.1 added ten times
  // is not 1: a mean taken as a rounded sum / N left ~1e-34 of variance and nR-hat ~1e15 for
  // one quantity, NA for another in the same run (a reviewer's `--step-size 1000` run).
  const std::vector<double> low(10, 0.1), high(10, 0.7);
  Chains x;
  x.n_draws = 10;
  x.chain = {low.data(), low.data(), high.data(), high.data()};
  EXPECT_EQ(nested_rhat(x, {0, 0, 1, 1}), std::numeric_limits<double>::infinity());
  // The same value everywhere: nothing to compare, NA.
  x.chain = {low.data(), low.data(), low.data(), low.data()};
  EXPECT_TRUE(std::isnan(nested_rhat(x, {0, 0, 1, 1})));
  // Stuck chains that differ within a superchain: finite and large.
  x.chain = {low.data(), high.data(), high.data(), high.data()};
  const double mixed = nested_rhat(x, {0, 0, 1, 1});
  EXPECT_TRUE(std::isfinite(mixed) && mixed > 1.01) << mixed;
}

TEST(NestedRhat, BadIdsGiveNaN) {
  const std::vector<double> a{0.1, 0.2}, b{0.3, -0.2};
  Chains x;
  x.n_draws = 2;
  x.chain = {a.data(), b.data()};
  EXPECT_TRUE(std::isnan(nested_rhat(x, {0})));       // wrong length
  EXPECT_TRUE(std::isnan(nested_rhat(x, {0, -1})));   // negative id
  EXPECT_TRUE(std::isnan(nested_rhat(x, {0, 2})));    // id 1 has no chain: unequal sizes
  EXPECT_FALSE(std::isnan(nested_rhat(x, {0, 1})));
}

TEST(NestedRhat, ConsecutiveSuperchains) {
  EXPECT_EQ(consecutive_superchains(6, 3), (std::vector<int>{0, 0, 1, 1, 2, 2}));
  EXPECT_EQ(consecutive_superchains(4, 4), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_TRUE(consecutive_superchains(6, 4).empty());
  EXPECT_TRUE(consecutive_superchains(6, 0).empty());
}

}  // namespace
}  // namespace lockstep::diagnostics
