// End-to-end runs of the `lockstep` command: sample writes what it says, summary reads it back
// and reports the same numbers, models lists every model.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_runner.hpp"

using lockstep::testing::read_file;
using lockstep::testing::run_lockstep;
using lockstep::testing::scratch_dir;

namespace {

const char* kSmallRun =
    "sample eight_schools_noncentered --data data/eight_schools.json --chains 6 --warmup 150 --draws 200 "
    "--seed 42 --quiet";

TEST(SampleCommand, WritesStanCsvPerChainAndJsonSummary) {
  const std::string dir = scratch_dir("sample_csv");
  const auto r = run_lockstep(std::string(kSmallRun) + " --output " + dir + "/es.csv --summary " + dir + "/s.json", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  for (int c = 1; c <= 6; ++c) {
    const std::string csv = read_file(dir + "/es_" + std::to_string(c) + ".csv");
    ASSERT_FALSE(csv.empty()) << "missing es_" << c << ".csv";
    EXPECT_NE(csv.find("lp__,accept_stat__,stepsize__,n_leapfrog__,divergent__,energy__,mu,tau,theta.1"),
              std::string::npos);
    EXPECT_NE(csv.find("# Step size = "), std::string::npos);
  }
  EXPECT_TRUE(read_file(dir + "/es_7.csv").empty());
  const auto j = nlohmann::json::parse(read_file(dir + "/s.json"));
  for (const char* p : {"mu", "tau", "theta[1]", "theta[8]"}) {
    ASSERT_TRUE(j["parameters"].contains(p)) << p;
    for (const char* k : {"mean", "sd", "q5", "q50", "q95", "ess_bulk", "ess_tail", "r_hat", "mcse_mean"})
      EXPECT_TRUE(j["parameters"][p].contains(k)) << p << "." << k;
  }
  EXPECT_TRUE(j.contains("divergences"));
  EXPECT_TRUE(j.contains("wall_seconds"));
  EXPECT_GT(j["gradient_evaluations"].get<double>(), 6 * 350);
  // The printed table names every parameter and the facts.
  EXPECT_NE(r.out.find("theta[8]"), std::string::npos);
  EXPECT_NE(r.out.find("Divergences:"), std::string::npos);
  EXPECT_NE(r.out.find("per second"), std::string::npos);
}

TEST(SampleCommand, SummaryOfWrittenFilesMatchesTheRunsSummary) {
  const std::string dir = scratch_dir("summary_roundtrip");
  const auto r = run_lockstep(std::string(kSmallRun) + " --output " + dir + "/es.csv --summary " + dir + "/a.json", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  std::string files;
  for (int c = 1; c <= 6; ++c) files += " " + dir + "/es_" + std::to_string(c) + ".csv";
  const auto s = run_lockstep("summary" + files + " --summary " + dir + "/b.json", dir);
  ASSERT_EQ(s.status, 0) << s.err;
  const auto a = nlohmann::json::parse(read_file(dir + "/a.json"))["parameters"];
  const auto b = nlohmann::json::parse(read_file(dir + "/b.json"))["parameters"];
  for (auto it = a.begin(); it != a.end(); ++it) {
    ASSERT_TRUE(b.contains(it.key())) << it.key();
    for (const char* k : {"mean", "sd", "q50", "r_hat", "ess_bulk"}) {
      const double x = it.value()[k], y = b[it.key()][k];
      // CSV keeps 8 significant digits: moments agree to ~1e-7 relative; rank-based R-hat
      // and ESS move a little more because rounding can create ties among the draws.
      const double tol = std::string(k) == "mean" || std::string(k) == "sd" || std::string(k) == "q50" ? 1e-5 : 1e-3;
      EXPECT_NEAR(x, y, tol * std::max(1.0, std::fabs(x))) << it.key() << "." << k;
    }
  }
}

TEST(SampleCommand, SameSeedSameDraws) {
  const std::string d1 = scratch_dir("seed_a"), d2 = scratch_dir("seed_b");
  ASSERT_EQ(run_lockstep(std::string(kSmallRun) + " --threads 1 --output " + d1 + "/x.csv", d1).status, 0);
  ASSERT_EQ(run_lockstep(std::string(kSmallRun) + " --threads 2 --output " + d2 + "/x.csv", d2).status, 0);
  for (int c = 1; c <= 6; ++c) {
    std::string a = read_file(d1 + "/x_" + std::to_string(c) + ".csv"), b = read_file(d2 + "/x_" + std::to_string(c) + ".csv");
    // Drop the timing comments at the end.
    a = a.substr(0, a.find("Elapsed Time"));
    b = b.substr(0, b.find("Elapsed Time"));
    EXPECT_EQ(a.substr(a.find("lp__")), b.substr(b.find("lp__"))) << "chain " << c;
  }
}

TEST(SampleCommand, NetcdfOutput) {
  const std::string dir = scratch_dir("sample_nc");
  const auto r = run_lockstep(std::string(kSmallRun) + " --output " + dir + "/es.nc", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string nc = read_file(dir + "/es.nc");
  ASSERT_GT(nc.size(), 1000u);
  EXPECT_EQ(nc.substr(1, 3), "HDF");  // netCDF-4 is HDF5 underneath
}

TEST(ModelsCommand, ListsEveryModelWithParametersOptionsAndData) {
  const std::string dir = scratch_dir("models");
  const auto r = run_lockstep("models", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* m : {"std_normal", "gaussian", "funnel", "eight_schools_centered", "eight_schools_noncentered"})
    EXPECT_NE(r.out.find(std::string(m) + "\n"), std::string::npos) << m;
  EXPECT_NE(r.out.find("priors"), std::string::npos);
  EXPECT_NE(r.out.find("sigma"), std::string::npos);
  EXPECT_NE(r.out.find("dim"), std::string::npos);
}

TEST(SampleCommand, InitFileIsReadAndChecked) {
  const std::string dir = scratch_dir("init_file");
  std::ofstream(dir + "/init.json") << R"({"mu": 3.5, "tau": 2.0, "theta": [1, 2, 3, 4, 5, 6, 7, 8]})";
  const auto r = run_lockstep(
      "sample eight_schools_noncentered --data data/eight_schools.json --chains 2 --warmup 0 --draws 1 "
      "--steps 1 --seed 3 --quiet --save-warmup --init " + dir + "/init.json --output " + dir + "/i.csv",
      dir);
  ASSERT_EQ(r.status, 0) << r.err;  // a valid file of constrained values is accepted
  // A value outside the support is refused, naming the parameter.
  std::ofstream(dir + "/bad_init.json") << R"({"mu": 3.5, "tau": -1.0, "theta": [1, 2, 3, 4, 5, 6, 7, 8]})";
  const auto bad = run_lockstep(
      "sample eight_schools_noncentered --data data/eight_schools.json --chains 2 --quiet --init " + dir +
          "/bad_init.json",
      dir);
  EXPECT_EQ(bad.status, 2) << bad.err;
  EXPECT_NE(bad.err.find("tau"), std::string::npos) << bad.err;
}

}  // namespace

namespace {

TEST(SampleCommand, NutsWritesTreeDepthAndMatchesHmcOnEightSchools) {
  const std::string dir = scratch_dir("sample_nuts");
  const auto r = run_lockstep(
      "sample eight_schools_noncentered --data data/eight_schools.json --chains 64 --warmup 300 --draws 300 "
      "--seed 5 --quiet --algorithm nuts --output " + dir + "/n.csv --summary " + dir + "/n.json",
      dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string csv = read_file(dir + "/n_1.csv");
  EXPECT_NE(csv.find("lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,mu"),
            std::string::npos);
  const auto j = nlohmann::json::parse(read_file(dir + "/n.json"));
  // posteriordb reference for mu: 4.41 (sd 3.31); 64 x 300 draws give an MCSE near 0.03.
  const double mu = j["parameters"]["mu"]["mean"], mcse = j["parameters"]["mu"]["mcse_mean"];
  EXPECT_LT(std::fabs(mu - 4.4105), 5 * std::sqrt(mcse * mcse + 0.0331 * 0.0331)) << "mu " << mu;
  EXPECT_LT(j["parameters"]["mu"]["r_hat"].get<double>(), 1.01);
}

TEST(SampleBadInput, DenseMetricNeedsNuts) {
  const std::string dir = scratch_dir("dense_hmc");
  const auto r = run_lockstep(
      "sample eight_schools_noncentered --data data/eight_schools.json --metric dense --quiet", dir);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("--metric"), std::string::npos) << r.err;
}

}  // namespace
