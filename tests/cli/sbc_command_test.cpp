// `lockstep sbc`: simulation-based calibration. Eight Schools (non-centered) and a Poisson GLMM,
// 200 replicates each, pass the chi-square uniformity test of every parameter's ranks at 1%
// (family-wise: Bonferroni over the parameters); the same Eight Schools run without warmup (the
// chains stay near their uniform(-2, 2) starts) fails it, so the test can fail; ranks.csv has the
// documented columns; bad input is one line, exit status 2, nothing written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "host/diagnostics/sbc.hpp"
#include "tests/cli/cli_runner.hpp"

namespace lockstep {
namespace {

using testing::count_lines;
using testing::run_lockstep;
using testing::scratch_dir;

/// ranks.csv: parameter -> ranks (in replicate order); checks the header and max_rank.
std::map<std::string, std::vector<int>> read_ranks(const std::string& path, int max_rank, std::vector<std::string>* order) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "replicate,parameter,rank,max_rank");
  std::map<std::string, std::vector<int>> out;
  while (std::getline(in, line)) {
    // replicate,parameter,rank,max_rank; a parameter with a comma is quoted.
    const std::size_t a = line.find(','), c = line.rfind(','), b = line.rfind(',', c - 1);
    std::string name = line.substr(a + 1, b - a - 1);
    if (name.size() >= 2 && name.front() == '"') name = name.substr(1, name.size() - 2);
    const std::string rank = line.substr(b + 1, c - b - 1), mr = line.substr(c + 1);
    EXPECT_EQ(std::stoi(mr), max_rank) << line;
    if (!out.count(name)) order->push_back(name);
    out[name].push_back(std::stoi(rank));
  }
  return out;
}

/// Runs sbc and returns the smallest chi-square p-value over the parameters (computed here
/// from ranks.csv) and the number of parameters.
double min_p_value(const std::string& dir, const std::string& args, int replicates, int max_rank, int* n_params,
                   std::string* out) {
  const auto r = run_lockstep("sbc " + args + " --quiet --threads 1 --output " + dir + "/sbc", dir);
  EXPECT_EQ(r.status, 0) << r.err;
  *out = r.out;
  std::vector<std::string> order;
  const auto ranks = read_ranks(dir + "/sbc/ranks.csv", max_rank, &order);
  *n_params = static_cast<int>(order.size());
  double min_p = 1;
  std::string report;
  for (const std::string& p : order) {
    EXPECT_EQ(ranks.at(p).size(), static_cast<std::size_t>(replicates)) << p;
    const auto c = diagnostics::sbc_chi_square(ranks.at(p), max_rank, diagnostics::sbc_bins(max_rank, replicates));
    report += p + ": chi2 " + std::to_string(c.statistic) + ", p " + std::to_string(c.p_value) + "\n";
    min_p = std::min(min_p, c.p_value);
  }
  *out += report;
  return min_p;
}

TEST(Sbc, EightSchoolsNoncenteredIsCalibrated) {
  const std::string dir = scratch_dir("sbc_es");
  int P = 0;
  std::string out;
  const double p = min_p_value(dir,
                               "eight_schools_noncentered --data data/eight_schools.json --replicates 200 --chains 4 "
                               "--warmup 300 --draws 200 --ranks 100 --seed 7",
                               200, 100, &P, &out);
  EXPECT_EQ(P, 10);
  EXPECT_GE(p, 0.01 / P) << "smallest chi-square p-value " << p << " below 1% / " << P << "\n" << out;
  EXPECT_NE(out.find("Every parameter passes"), std::string::npos) << out;
  EXPECT_TRUE(std::filesystem::exists(dir + "/sbc/sbc.svg")) << out;
  // Each fit's checks: one row per replicate; the counts printed are those of the file.
  std::ifstream in(dir + "/sbc/replicates.csv");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "replicate,divergences,max_rhat,min_ess_bulk");
  int rows = 0, divergent = 0, high = 0;
  while (std::getline(in, line)) {
    std::istringstream cells(line);
    std::string rep, div, rhat, ess;
    std::getline(cells, rep, ',');
    std::getline(cells, div, ',');
    std::getline(cells, rhat, ',');
    std::getline(cells, ess, ',');
    EXPECT_EQ(std::stoi(rep), ++rows) << line;
    divergent += std::stod(div) > 0;
    high += std::stod(rhat) > 1.01;
    EXPECT_GT(std::stod(ess), 10) << line;
  }
  EXPECT_EQ(rows, 200);
  const std::string fits = divergent + high == 0 ? "Every replicate's fit: no divergent transitions"
                                                 : "Fits: " + std::to_string(divergent) + " of 200 replicates with "
                                                   "divergent transitions, " + std::to_string(high) + " with an R-hat above 1.01";
  EXPECT_NE(out.find(fits), std::string::npos) << out;
}

TEST(Sbc, HmcReplicatesInLanesAreCalibrated) {
  // static HMC: SIMD blocks of chains, each replicate a whole number of blocks
  const std::string dir = scratch_dir("sbc_hmc");
  int P = 0;
  std::string out;
  const double p = min_p_value(dir,
                               "eight_schools_noncentered --data data/eight_schools.json --replicates 200 --chains 2 "
                               "--warmup 300 --draws 200 --ranks 100 --seed 9 --algorithm hmc --steps 8",
                               200, 100, &P, &out);
  EXPECT_GE(p, 0.01 / P) << "smallest chi-square p-value " << p << " below 1% / " << P << "\n" << out;
}

TEST(Sbc, SaysHowTheReplicatesRun) {
  const std::string dir = scratch_dir("sbc_how");
  const std::string model = "eight_schools_noncentered --data data/eight_schools.json --chains 2 "
                            "--warmup 100 --draws 50 --ranks 20 --seed 3 --threads 1 --output " + dir + "/out";
  const auto all = run_lockstep("sbc " + model + " --replicates 6", dir);
  EXPECT_EQ(all.status, 0) << all.err;
  EXPECT_NE(all.err.find("sbc: 6 replicates at a time in lanes (12 chains)"), std::string::npos) << all.err;
  const auto batches = run_lockstep("sbc " + model + " --replicates 6 --batch 4", dir);
  EXPECT_EQ(batches.status, 0) << batches.err;
  EXPECT_NE(batches.err.find("sbc: 4 replicates at a time in lanes (8 chains)"), std::string::npos) << batches.err;
  const auto chees = run_lockstep("sbc " + model + " --algorithm chees --replicates 2", dir);
  EXPECT_EQ(chees.status, 0) << chees.err;
  EXPECT_NE(chees.err.find("sbc: one replicate at a time (chees adapts across chains)"), std::string::npos)
      << chees.err;
}

TEST(Sbc, FitsDoNotDependOnTheBatch) {
  // Chain k of the i-th replicate is chain i*C + k of the calibration (its own random stream)
  // whichever batch fits it: one replicate alone, four one at a time, four in one batch and
  // four in batches of 3 and 1 give the same ranks, line for line.
  const std::string dir = scratch_dir("sbc_batch1");
  const std::string model = "eight_schools_noncentered --data data/eight_schools.json --chains 2 --warmup 100 "
                            "--draws 50 --ranks 20 --seed 3 --threads 1 --quiet";
  auto ranks_of = [&](const std::string& extra) {
    const auto r = run_lockstep("sbc " + model + " " + extra + " --output " + dir + "/out", dir);
    EXPECT_EQ(r.status, 0) << r.err;
    std::ifstream in(dir + "/out/ranks.csv");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  };
  const auto one = ranks_of("--replicates 1");
  const auto alone = ranks_of("--replicates 4 --batch 1");
  const auto together = ranks_of("--replicates 4");
  const auto three_and_one = ranks_of("--replicates 4 --batch 3");
  ASSERT_EQ(one.size(), 11u);  // header + 10 parameters
  ASSERT_EQ(alone.size(), 41u);
  for (std::size_t i = 0; i < one.size(); ++i) EXPECT_EQ(alone[i], one[i]);
  EXPECT_EQ(together, alone);
  EXPECT_EQ(three_and_one, alone);
  // and the replicates are fitted, not copied: replicates 1 and 2 rank differently
  auto rank_field = [](const std::string& line) {  // replicate,parameter,rank,max_rank
    const std::size_t c = line.rfind(','), b = line.rfind(',', c - 1);
    return line.substr(b + 1, c - b - 1);
  };
  std::vector<std::string> first, second;
  for (std::size_t i = 1; i < 11; ++i) {
    first.push_back(rank_field(alone[i]));
    second.push_back(rank_field(alone[i + 10]));
  }
  EXPECT_NE(first, second);
}

TEST(Sbc, PoissonGlmmIsCalibrated) {
  const std::string dir = scratch_dir("sbc_poisson");
  int P = 0;
  std::string out;
  const double p = min_p_value(dir,
                               "glmm --data tests/fixtures/glmm/counts_sim.csv --formula 'count ~ 1 + x + (1 | g)' "
                               "--family poisson --prior 'Intercept ~ normal(0, 1)' --prior 'b ~ normal(0, 0.5)' "
                               "--prior 'sd ~ half_normal(0, 0.5)' --replicates 200 --chains 4 --warmup 200 "
                               "--draws 100 --ranks 100 --seed 8",
                               200, 100, &P, &out);
  EXPECT_EQ(P, 9);  // b_Intercept, b_x, sd_g__Intercept, r_g[g1..g6,Intercept]
  EXPECT_GE(p, 0.01 / P) << "smallest chi-square p-value " << p << " below 1% / " << P << "\n" << out;
}

TEST(Sbc, NoWarmupFailsTheSameTest) {
  const std::string dir = scratch_dir("sbc_fail");
  int P = 0;
  std::string out;
  const double p = min_p_value(dir,
                               "eight_schools_noncentered --data data/eight_schools.json --replicates 200 --chains 4 "
                               "--warmup 0 --draws 20 --ranks 20 --seed 7",
                               200, 20, &P, &out);
  EXPECT_LT(p, 0.01 / P) << "the miscalibrated run passed\n" << out;
  EXPECT_NE(out.find("FAIL calibration"), std::string::npos) << out;
}

TEST(Sbc, BadInputIsOneLineExitTwoNothingWritten) {
  const std::string dir = scratch_dir("sbc_bad");
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"std_normal --set dim=2", "sbc: model 'std_normal' has no prior_draw; models that can run sbc: "},
      {"peak --data data/peak.csv", "sbc: model 'peak' has no set_observed (it cannot be fitted to other data sets)"},
      {"glmm --data tests/fixtures/glmm/counts_sim.csv --formula 'count ~ 1 + x' --family poisson",
       "sbc: the prior of b_x cannot be drawn from (improper, e.g. flat); give proper priors (model options or flags)"},
      {"eight_schools_noncentered --data data/eight_schools.json --chains 3 --ranks 100",
       "--ranks 100: must be a multiple of --chains 3 (every chain gives ranks / chains thinned draws)"},
      {"eight_schools_noncentered --data data/eight_schools.json --chains 4 --draws 10 --ranks 100",
       "--ranks 100: more than --chains x --draws = 40 draws to rank among"},
      {"eight_schools_noncentered --data data/eight_schools.json --replicates 0", "--replicates: must be at least 1, found 0"},
      {"eight_schools_noncentered --data data/eight_schools.json --batch -1",
       "--batch: must be at least 1 (or 0: as many as fit), found -1"},
  };
  for (const Case& c : cases) {
    const auto r = run_lockstep("sbc " + c.args + " --output " + dir + "/out", dir);
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("lockstep: error: " + c.message, 0), 0u) << c.args << "\n" << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << c.args;
    EXPECT_FALSE(std::filesystem::exists(dir + "/out/ranks.csv")) << c.args;
  }
}

}  // namespace
}  // namespace lockstep
