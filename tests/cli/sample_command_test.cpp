// End-to-end runs of the `lockstep` command: sample writes what it says, summary reads it back
// and reports the same numbers, models lists every model.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

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
    EXPECT_NE(csv.find("lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,mu,tau,theta.1"),
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

// `lockstep summary PATH.csv` stands for the chain files PATH_1.csv .. PATH_C.csv that
// `--output PATH.csv` wrote; a netCDF file is refused in one line naming what reads it.
TEST(SampleCommand, SummaryOfTheOutputNameReadsItsChainFiles) {
  const std::string dir = scratch_dir("summary_stem");
  ASSERT_EQ(run_lockstep(std::string(kSmallRun) + " --output " + dir + "/es.csv --quiet", dir).status, 0);
  const auto s = run_lockstep("summary " + dir + "/es.csv", dir);
  ASSERT_EQ(s.status, 0) << s.err;
  EXPECT_EQ(s.out.rfind("6 chains, ", 0), 0u) << s.out;
  ASSERT_EQ(run_lockstep(std::string(kSmallRun) + " --output " + dir + "/es.nc --quiet", dir).status, 0);
  const auto nc = run_lockstep("summary " + dir + "/es.nc", dir);
  EXPECT_EQ(nc.status, 2);
  EXPECT_EQ(nc.err, "lockstep: error: " + dir + "/es.nc: a netCDF (InferenceData) file; lockstep summary reads Stan "
                    "CSV files (in Python, lockstep.summary(arviz.from_netcdf(FILE)) or arviz.summary reads this one)\n");
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
  // Whether `sbc` can run it (prior_draw, simulate and set_observed), per model.
  const auto block = [&](const std::string& m) {
    const std::size_t at = r.out.find(m + "\n");
    return r.out.substr(at, r.out.find("\n\n", at) - at);
  };
  EXPECT_NE(block("eight_schools_noncentered").find("  sbc: yes"), std::string::npos) << r.out;
  EXPECT_NE(block("peak").find("  sbc: no (needs prior_draw, simulate and set_observed)"), std::string::npos) << r.out;
}

/// Column `name` of the first draw (first data row) of a Stan CSV file; NaN if absent.
double first_draw(const std::string& csv, const std::string& name) {
  std::stringstream in(csv);
  std::string line;
  std::vector<std::string> header;
  auto split = [](const std::string& row) {
    std::vector<std::string> cells;
    std::stringstream ss(row);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    return cells;
  };
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header.empty()) {
      header = split(line);
      continue;
    }
    const auto cells = split(line);
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i)
      if (header[i] == name) return std::stod(cells[i]);
    break;
  }
  return NAN;
}

// --init FILE starts every chain at the given (constrained) values. The run is one static-HMC
// iteration with no warmup: step size 1 (the initial step size, never adapted), one leapfrog
// step (--steps 1: the jitter is uniform on {1}), unit metric. Started at mu = 50, tau = 2,
// theta_j = 50 (eta_j = 0), far from the posterior (mu ~ 4.4 +- 3.3), the first draw of mu is
// either the start itself (rejected) or one leapfrog step away:
//   mu' = 50 + p + eps^2/2 * dlogp/dmu = 50 + p - 2.28,  p ~ N(0, 1),
// with dlogp/dmu = -50/25 + sum_j (y_j - 50)/sigma_j^2 = -4.55 there. So |mu' - 50| < 8 for
// every chain (a margin of 5.7 sd of p). Ignoring the file would start mu uniform(-2, 2) and
// land within ~8 of 0; the same run with --init 2 is the control that shows the bound bites.
TEST(SampleCommand, InitFileSetsTheStartOfEveryChain) {
  const std::string dir = scratch_dir("init_file");
  std::ofstream(dir + "/init.json") << R"({"mu": 50, "tau": 2.0, "theta": [50, 50, 50, 50, 50, 50, 50, 50]})";
  const int kChains = 8;
  const std::string base =
      "sample eight_schools_noncentered --data data/eight_schools.json --algorithm hmc --chains 8 --warmup 0 "
      "--draws 1 --steps 1 --seed 3 --threads 1 --quiet ";
  const double kInit = 50, kBound = 8;
  struct Case {
    const char* name;
    std::string init;
    bool near_init;  // expected: the first draw of mu within kBound of 50
  };
  const std::vector<Case> cases = {{"file", dir + "/init.json", true}, {"random_radius_2", "2", false}};
  for (const Case& c : cases) {
    const std::string out = dir + "/" + c.name + ".csv";
    const auto r = run_lockstep(base + "--init " + c.init + " --output " + out, dir);
    ASSERT_EQ(r.status, 0) << c.name << ": " << r.err;  // a valid file of constrained values is accepted
    for (int k = 1; k <= kChains; ++k) {
      const std::string csv = read_file(dir + "/" + c.name + "_" + std::to_string(k) + ".csv");
      ASSERT_FALSE(csv.empty()) << c.name << ": no file for chain " << k;
      const double mu = first_draw(csv, "mu");
      ASSERT_TRUE(std::isfinite(mu)) << c.name << ", chain " << k << ": no mu in the first draw";
      const double gap = std::fabs(mu - kInit);
      if (c.near_init)
        EXPECT_LT(gap, kBound) << c.name << ", chain " << k << ": first mu " << mu << " is " << gap
                               << " from the --init value " << kInit << " (bound " << kBound << ")";
      else
        EXPECT_GT(gap, kInit - kBound) << c.name << ", chain " << k << ": first mu " << mu
                                       << " is near 50 without the init file";
    }
  }
  // A value outside the support is refused, naming the parameter.
  std::ofstream(dir + "/bad_init.json") << R"({"mu": 3.5, "tau": -1.0, "theta": [1, 2, 3, 4, 5, 6, 7, 8]})";
  const auto bad = run_lockstep(
      "sample eight_schools_noncentered --data data/eight_schools.json --chains 2 --quiet --init " + dir +
          "/bad_init.json",
      dir);
  EXPECT_EQ(bad.status, 2) << bad.err;
  EXPECT_NE(bad.err.find("tau"), std::string::npos) << bad.err;
  // A radius so wide that no draw has a finite density (exp(1e308) overflows) is the user's
  // input, named as such: status 2, nothing written (it was "failed: chain 1: ...", status 1).
  const auto wide = run_lockstep("sample eight_schools_noncentered --data data/eight_schools.json --chains 2 --quiet "
                                 "--init 1e308 --output " + dir + "/wide.csv",
                                 dir);
  EXPECT_EQ(wide.status, 2) << wide.err;
  EXPECT_EQ(wide.err.rfind("lockstep: error: --init 1e+308: chain 1 found no initial value", 0), 0u) << wide.err;
  EXPECT_FALSE(std::ifstream(dir + "/wide_1.csv").good());
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

TEST(SampleCommand, CheesRunsAllChainsInLockStepAndMatchesPosteriordb) {
  const std::string dir = scratch_dir("sample_chees");
  const auto r = run_lockstep(
      "sample eight_schools_noncentered --data data/eight_schools.json --algorithm chees --chains 256 "
      "--warmup 200 --draws 200 --seed 9 --quiet --output " + dir + "/c.csv --summary " + dir + "/c.json",
      dir);
  ASSERT_EQ(r.status, 0) << r.err;
  // One step size and one leapfrog count per iteration for every chain (lock-step).
  const std::string first = read_file(dir + "/c_1.csv"), last = read_file(dir + "/c_256.csv");
  EXPECT_NE(first.find("algorithm = chees"), std::string::npos);
  EXPECT_NE(first.find("target_accept = 0.651"), std::string::npos);
  EXPECT_NE(first.find("adapted_trajectory_length = "), std::string::npos);
  auto step_and_leapfrogs = [](const std::string& csv) {
    std::vector<std::string> rows;
    std::size_t at = csv.find("\n", csv.find("lp__,"));
    while ((at = csv.find('\n', at)) != std::string::npos && at + 1 < csv.size()) {
      const std::size_t begin = at + 1, end = csv.find('\n', begin);
      const std::string row = csv.substr(begin, end - begin);
      at = end;
      if (row.empty() || row[0] == '#') continue;
      std::size_t c1 = row.find(','), c2 = row.find(',', c1 + 1), c3 = row.find(',', c2 + 1),
                  c4 = row.find(',', c3 + 1);
      rows.push_back(row.substr(c2 + 1, c4 - c2 - 1));  // stepsize__, n_leapfrog__
    }
    return rows;
  };
  const auto a = step_and_leapfrogs(first), b = step_and_leapfrogs(last);
  ASSERT_EQ(a.size(), 200u);
  EXPECT_EQ(a, b);
  const auto j = nlohmann::json::parse(read_file(dir + "/c.json"));
  // posteriordb reference: mu 4.4105 (mcse 0.0331), tau 3.6021 (mcse 0.0320).
  const std::pair<const char*, std::pair<double, double>> refs[] = {{"mu", {4.4105, 0.0331}},
                                                                     {"tau", {3.6021, 0.0320}}};
  for (const auto& ref : refs) {
    const double m = j["parameters"][ref.first]["mean"], mcse = j["parameters"][ref.first]["mcse_mean"];
    const double bound = 5 * std::sqrt(mcse * mcse + ref.second.second * ref.second.second);
    EXPECT_LT(std::fabs(m - ref.second.first), bound) << ref.first << " " << m << ", bound " << bound;
    EXPECT_LT(j["parameters"][ref.first]["r_hat"].get<double>(), 1.01) << ref.first;
  }
}

TEST(SampleBadInput, CheesNeedsTwoChains) {
  const std::string dir = scratch_dir("chees_one_chain");
  const auto r = run_lockstep(
      "sample eight_schools_noncentered --data data/eight_schools.json --algorithm chees --chains 1 --quiet", dir);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("--chains"), std::string::npos) << r.err;
}

TEST(SampleBadInput, DenseMetricNeedsNuts) {
  const std::string dir = scratch_dir("dense_hmc");
  const auto r = run_lockstep(
      "sample eight_schools_noncentered --data data/eight_schools.json --algorithm hmc --metric dense --quiet",
      dir);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("--metric"), std::string::npos) << r.err;
}

}  // namespace
