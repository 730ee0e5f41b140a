// The summary's sampler diagnostics beside R-hat and ESS (host/cli/summary_report.cpp): E-BFMI
// by hand, NUTS's tree-depth limit read from a run's record, and the warnings a user sees for
// trees cut at the limit, a low E-BFMI, chains that never moved (R-hat inf, not NA) and too few
// draws to diagnose.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "host/cli/summary_report.hpp"
#include "tests/cli/cli_runner.hpp"

namespace lockstep {
namespace {

using testing::read_file;
using testing::run_lockstep;
using testing::scratch_dir;

TEST(SummaryReport, EbfmiIsTheMeanSquaredEnergyStepOverTheEnergyVariance) {
  // e = 1, 3, 2, 5: mean 2.75, sample variance 8.75 / 3; steps 2, -1, 3: mean square 14 / 3.
  // ArviZ 0.23.4's az.bfmi([[1, 3, 2, 5]]) prints [1.6] = 14 / 8.75.
  const double e[4] = {1, 3, 2, 5};
  EXPECT_NEAR(cli::ebfmi(e, 4), 1.6, 1e-15);
  EXPECT_TRUE(std::isnan(cli::ebfmi(e, 1)));
  const double flat[3] = {2, 2, 2};
  EXPECT_TRUE(std::isnan(cli::ebfmi(flat, 3)));
}

TEST(SummaryReport, MaxTreeDepthComesFromTheRunsRecord) {
  RunInfo ours;
  ours.algorithm = "nuts";
  ours.config = {{"chains", "4"}, {"max_depth", "7"}};
  EXPECT_EQ(cli::max_tree_depth_of(ours), 7);
  RunInfo cmdstan;
  cmdstan.algorithm = "nuts";
  cmdstan.config = {{"sample.hmc.nuts.max_depth", "10"}};
  EXPECT_EQ(cli::max_tree_depth_of(cmdstan), 10);
  RunInfo hmc = ours;
  hmc.algorithm = "hmc";
  EXPECT_EQ(cli::max_tree_depth_of(hmc), 0);
}

TEST(SummaryReport, TreesCutAtTheDepthLimitAreWarnedOfInTheRunAndTheSummary) {
  const std::string dir = scratch_dir("summary_depth");
  const auto r = run_lockstep("sample eight_schools_noncentered --data data/eight_schools.json --chains 4 --max-depth 2 "
                              "--seed 1 --threads 1 --output " + dir + "/d.csv --summary " + dir + "/d.json",
                              dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("%) reached the maximum tree depth of 2: those trajectories were cut short"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("e+02%"), std::string::npos) << "a percentage in exponent form:\n" << r.out;
  const auto j = nlohmann::json::parse(read_file(dir + "/d.json"));
  EXPECT_EQ(j.at("max_tree_depth").get<int>(), 2);
  EXPECT_GT(j.at("max_tree_depth_hits").get<long>(), 3900);
  EXPECT_EQ(j.at("ebfmi").size(), 4u);
  // `lockstep summary` of the files reads the limit from their header.
  const auto s = run_lockstep("summary " + dir + "/d.csv", dir);
  ASSERT_EQ(s.status, 0) << s.err;
  EXPECT_NE(s.out.find("reached the maximum tree depth of 2"), std::string::npos) << s.out;
  // The default limit (10) is not reached on this model: no warning.
  const auto fine = run_lockstep("sample eight_schools_noncentered --data data/eight_schools.json --chains 4 --seed 1 "
                                 "--threads 1", dir);
  ASSERT_EQ(fine.status, 0) << fine.err;
  EXPECT_EQ(fine.out.find("maximum tree depth"), std::string::npos) << fine.out;
  EXPECT_EQ(fine.out.find("E-BFMI"), std::string::npos) << fine.out;
}

TEST(SummaryReport, AnEnsemblesFilesCountNoDivergences) {
  // An ensemble has no Hamiltonian: "Divergences: 0 of ..." would claim a check that was not made.
  const std::string dir = scratch_dir("summary_ensemble");
  ASSERT_EQ(run_lockstep("ensemble peak --data data/peak.csv --walkers 16 --steps 100 --seed 3 --quiet --output " + dir +
                             "/e.csv",
                         dir)
                .status,
            0);
  const auto r = run_lockstep("summary " + dir + "/e_1.csv " + dir + "/e_2.csv", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find("Divergences"), std::string::npos) << r.out;
  const auto nuts = run_lockstep("sample eight_schools_noncentered --data data/eight_schools.json --chains 2 --warmup 50 "
                                 "--draws 50 --seed 4 --quiet",
                                 dir);
  EXPECT_NE(nuts.out.find("Divergences: "), std::string::npos) << nuts.out;
}

TEST(SummaryReport, AFileGivenTwiceIsRefused) {
  // Twice the same chain would pass for two chains that agree: R-hat near 1, ESS doubled.
  const std::string dir = scratch_dir("summary_twice");
  const auto r = run_lockstep("sample eight_schools_noncentered --data data/eight_schools.json --chains 2 --warmup 100 "
                              "--draws 100 --seed 1 --threads 1 --quiet --output " + dir + "/t.csv",
                              dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto twice = run_lockstep("summary " + dir + "/t_1.csv " + dir + "/t_1.csv", dir);
  EXPECT_EQ(twice.status, 2);
  EXPECT_NE(twice.err.find("/t_1.csv: given twice; each file is a chain of its own: give it once"), std::string::npos)
      << twice.err;
  // t.csv stands for t_1.csv and t_2.csv: t_2.csv again is the same file under another name
  const auto again = run_lockstep("summary " + dir + "/t.csv " + dir + "/./t_2.csv", dir);
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.err.find("/./t_2.csv: given twice (also as " + dir + "/t_2.csv)"), std::string::npos) << again.err;
  EXPECT_EQ(run_lockstep("summary " + dir + "/t.csv", dir).status, 0);
}

TEST(SummaryReport, EveryTransitionDivergentIsOneHundredPercent) {
  // A step size far beyond the posterior's scale, no warmup to shrink it: every transition
  // diverges (it printed "(1e+02%)").
  const std::string dir = scratch_dir("summary_all_divergent");
  const auto r = run_lockstep("sample std_normal --set dim=2 --warmup 0 --draws 10 --chains 4 --step-size 1000 "
                              "--seed 1 --threads 1 --output " + dir + "/d.csv",
                              dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("40 of 40 transitions after warmup were divergent (100%)"), std::string::npos) << r.out;
}

TEST(SummaryReport, LowEbfmiOnTheFunnelIsWarnedOf) {
  const std::string dir = scratch_dir("summary_ebfmi");
  const auto r = run_lockstep("sample funnel --set dim=10 --chains 4 --seed 9 --threads 1", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Warning: E-BFMI is below 0.3 in "), std::string::npos) << r.out;
}

TEST(SummaryReport, ChainsThatNeverMovedHaveRhatInfinityAndTooFewDrawsSaySo) {
  const std::string dir = scratch_dir("summary_stuck");
  // A step size of 1e-30 and no warmup to adapt it (a float in the float build too): every
  // chain stays where it started.
  const auto stuck = run_lockstep("sample std_normal --set dim=2 --chains 2 --warmup 0 --draws 200 --step-size 1e-30 "
                                  "--seed 1 --threads 1", dir);
  ASSERT_EQ(stuck.status, 0) << stuck.err;
  EXPECT_NE(stuck.out.find("R-hat is above 1.01 for 3 quantities (worst: lp__, inf)"), std::string::npos) << stuck.out;
  EXPECT_EQ(stuck.out.find("undefined (NA)"), std::string::npos) << stuck.out;
  const auto few = run_lockstep("sample std_normal --set dim=2 --chains 4 --draws 3 --seed 1 --threads 1", dir);
  ASSERT_EQ(few.status, 0) << few.err;
  EXPECT_NE(few.out.find("R-hat and ESS are undefined (NA) with fewer than 4 draws per chain (3 here)"),
            std::string::npos)
      << few.out;
}

}  // namespace
}  // namespace lockstep
