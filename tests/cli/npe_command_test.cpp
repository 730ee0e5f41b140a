// `lockstep npe`: neural posterior estimation from the command line on the peak model with the
// sbi tutorial's prior. Files (Stan CSV with algorithm = npe, the loss CSV, the network file),
// amortization (one network, two observed data sets, no retraining; the loaded network gives
// the trained run's draws bit for bit), and bad input: one line, exit status 2.
// The networks here are small and trained briefly (the CLI's plumbing is under test; the
// estimator's accuracy is tests/npe/'s and bench/npe_peak.sh's).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "host/algorithms/npe/npe_config.hpp"
#include "tests/cli/cli_runner.hpp"

namespace lockstep {
namespace {

using testing::count_lines;
using testing::read_file;
using testing::run_lockstep;
using testing::scratch_dir;

const std::string kSmall =
    "--set prior=sbi --sims 4000 --hidden 32 --components 5 --max-epochs 40 --patience 10 --threads 2 --seed 11";

/// Column `name` of a Stan CSV file.
std::vector<double> csv_column(const std::string& path, const std::string& name) {
  std::ifstream in(path);
  std::string line;
  int col = -1;
  std::vector<double> v;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) cells.push_back(c);
    if (col < 0) {
      for (std::size_t i = 0; i < cells.size(); ++i)
        if (cells[i] == name) col = static_cast<int>(i);
      if (col < 0) return v;
      continue;
    }
    v.push_back(std::stod(cells.at(col)));
  }
  return v;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / v.size();
}

/// Each test trains its network in a scratch folder of its own: ctest runs every test as its
/// own process, in parallel, and a folder shared between them would be emptied by one test's
/// set-up while another reads from it.
class NpeCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_dir(std::string("npe_command_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    trained_ = run_lockstep("npe peak --data data/peak.json " + kSmall + " --draws 500 --output " + dir_ +
                                "/trained.csv --save-net " + dir_ + "/net.json",
                            dir_);
  }
  std::string dir_;
  testing::CliResult trained_;
};

TEST_F(NpeCommand, TrainsAndWritesDrawsLossAndNetwork) {
  ASSERT_EQ(trained_.status, 0) << trained_.err;
  EXPECT_NE(trained_.out.find("Training: "), std::string::npos) << trained_.out;
  EXPECT_NE(trained_.out.find("rejection rate 0"), std::string::npos);
  // Draws from the network at the observed data are independent: no R-hat, no divergence line.
  EXPECT_NE(trained_.out.find("500 independent draws (npe): no R-hat"), std::string::npos) << trained_.out;
  EXPECT_EQ(trained_.out.find("Divergences"), std::string::npos) << trained_.out;
  const std::string csv = dir_ + "/trained_1.csv";
  ASSERT_TRUE(std::filesystem::exists(csv)) << trained_.out;
  EXPECT_NE(read_file(csv).find("algorithm = npe"), std::string::npos);
  // Every draw inside the sbi box: low (0, 0, 0, -1, 0), high (2, 1, 1, 1, 1), as printed: the
  // CSV's 8 significant digits show a draw within 5e-9 of an edge as the edge (a far-tail draw
  // of this small network does that; the values themselves stay strictly inside:
  // Peak.OutputsStayInsideTheOpenBoxAtExtremeUnconstrainedValues).
  const char* names[5] = {"l", "m", "s", "a", "b"};
  const double lo[5] = {0, 0, 0, -1, 0}, hi[5] = {2, 1, 1, 1, 1};
  for (int i = 0; i < 5; ++i) {
    const std::vector<double> v = csv_column(csv, names[i]);
    ASSERT_EQ(v.size(), 500u) << names[i];
    for (double t : v) ASSERT_TRUE(t >= lo[i] && t <= hi[i]) << names[i] << " = " << t;
  }
  // The loss per epoch: a header and one line per epoch (40 at most), one marked best.
  const std::string loss = read_file(dir_ + "/trained_loss.csv");
  EXPECT_EQ(loss.substr(0, loss.find('\n')), "epoch,train_loss,validation_loss,seconds,best,round");
  EXPECT_GE(count_lines(loss), 2);
  EXPECT_LE(count_lines(loss), 41);
  int best = 0;  // the 5th column: 1 on the kept network's epoch only
  std::istringstream rows(loss.substr(loss.find('\n') + 1));
  for (std::string row; std::getline(rows, row);) {
    std::vector<std::string> cells;
    std::istringstream cut(row);
    for (std::string cell; std::getline(cut, cell, ',');) cells.push_back(cell);
    ASSERT_EQ(cells.size(), 6u) << row;
    best += cells[4] == "1";
  }
  EXPECT_EQ(best, 1) << loss;
  EXPECT_NE(read_file(dir_ + "/net.json").find("\"lockstep-npe-network\""), std::string::npos);
}

TEST_F(NpeCommand, OneNetworkTwoDataSetsWithoutRetraining) {
  ASSERT_EQ(trained_.status, 0) << trained_.err;
  const auto first = run_lockstep("npe peak --data data/peak.json --set prior=sbi --load-net " + dir_ +
                                      "/net.json --draws 500 --seed 11 --output " + dir_ + "/first.csv",
                                  dir_);
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(first.out.find("Training: "), std::string::npos) << "a loaded network is not retrained";
  EXPECT_NE(first.out.find("not retrained"), std::string::npos);
  // The same network, data and seed: the trained run's draws, bit for bit (the file keeps
  // every weight exactly).
  EXPECT_EQ(csv_column(dir_ + "/first_1.csv", "l"), csv_column(dir_ + "/trained_1.csv", "l"));
  EXPECT_EQ(csv_column(dir_ + "/first_1.csv", "b"), csv_column(dir_ + "/trained_1.csv", "b"));
  const auto second = run_lockstep("npe peak --data data/peak_second.json --set prior=sbi --load-net " + dir_ +
                                       "/net.json --draws 500 --seed 11 --output " + dir_ + "/second.nc",
                                   dir_);
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/second.nc"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/second_loss.csv"));
}

TEST_F(NpeCommand, TheTwoDataSetsGetDifferentPosteriors) {
  ASSERT_EQ(trained_.status, 0) << trained_.err;
  // peak.json's truth has m = 0.5 (the peak's position), peak_second.json's m = 0.3: even a
  // briefly trained network (40 epochs on 4000 simulations: posterior means of m about 0.48 and
  // 0.27 with this seed) moves its posterior with the data.
  const auto r = run_lockstep("npe peak --data data/peak_second.json --set prior=sbi --load-net " + dir_ +
                                  "/net.json --draws 500 --seed 11 --output " + dir_ + "/second.csv",
                              dir_);
  ASSERT_EQ(r.status, 0) << r.err;
  const double m1 = mean(csv_column(dir_ + "/trained_1.csv", "m")), m2 = mean(csv_column(dir_ + "/second_1.csv", "m"));
  EXPECT_GT(m1 - m2, 0.1) << "posterior mean of m: " << m1 << " (peak.json) vs " << m2 << " (peak_second.json)";
}

void expect_refused(const std::string& args, const std::string& dir, const std::string& words) {
  const auto r = run_lockstep(args, dir);
  EXPECT_EQ(r.status, 2) << args << "\n" << r.out << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(words), std::string::npos) << "expected '" << words << "' in: " << r.err;
}

TEST_F(NpeCommand, ANetworkFromAnotherPriorModelOrVersionIsRefused) {
  ASSERT_EQ(trained_.status, 0) << trained_.err;
  const std::string load = " --load-net " + dir_ + "/net.json --draws 10 --output " + dir_ + "/x.csv";
  expect_refused("npe peak --data data/peak.json --set prior=mcmc" + load, dir_, "prior=sbi");
  expect_refused("npe peak --data data/peak.json" + load, dir_, "--load-net");
  std::string text = read_file(dir_ + "/net.json");
  auto rewrite = [&](const std::string& from, const std::string& to, const std::string& name) {
    std::string t = text;
    const auto at = t.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    t.replace(at, from.size(), to);
    std::ofstream(dir_ + "/" + name) << t;
  };
  rewrite("\"model\":\"peak\"", "\"model\":\"glmm\"", "other_model.json");
  expect_refused("npe peak --data data/peak.json --set prior=sbi --load-net " + dir_ + "/other_model.json", dir_,
                 "a network for model 'glmm'");
  rewrite("\"version\":1", "\"version\":2", "other_version.json");
  expect_refused("npe peak --data data/peak.json --set prior=sbi --load-net " + dir_ + "/other_version.json", dir_,
                 "version 2");
  {  // x_scale's first sd set to 0: (x - mean) / sd would make every draw NaN
    std::string t = text;
    const std::size_t sd = t.find("\"sd\":[", t.find("\"x_scale\""));
    ASSERT_NE(sd, std::string::npos);
    const std::size_t from = sd + 6, to = t.find_first_of(",]", from);
    t.replace(from, to - from, "0");
    std::ofstream(dir_ + "/zero_sd.json") << t;
  }
  expect_refused("npe peak --data data/peak.json --set prior=sbi --load-net " + dir_ + "/zero_sd.json", dir_,
                 "malformed network file (a scale's sd is not a positive finite number)");
  std::ofstream(dir_ + "/garbage.json") << "not json";
  expect_refused("npe peak --data data/peak.json --set prior=sbi --load-net " + dir_ + "/garbage.json", dir_,
                 "not a lockstep NPE network file");
  expect_refused("npe peak --data data/peak.json --set prior=sbi --load-net " + dir_ + "/missing.json", dir_,
                 "cannot read");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/x_1.csv"));
}

TEST(NpeCommandInput, BadFlagsAreOneLineWithStatusTwo) {
  const std::string dir = scratch_dir("npe_bad");
  const std::string base = "npe peak --data data/peak.json --set prior=sbi ";
  expect_refused(base + "--sims 5 --output " + dir + "/o.csv", dir, "too few simulations for the validation split");
  expect_refused(base + "--output " + dir + "/o.csv", dir, "--sims");
  expect_refused(base + "--sims 1000 --draws 0", dir, "--draws");
  expect_refused(base + "--sims 1000 --learning-rate -1", dir, "--learning-rate");
  expect_refused(base + "--sims 1000 --validation-fraction 1.5", dir, "--validation-fraction");
  expect_refused(base + "--sims 1000 --output " + dir + "/o.txt", dir, "--output");
  expect_refused(base + "--sims 1000 --load-net " + dir + "/n.json", dir, "--sims: not used with --load-net");
  // 2e9 draws need about 1 TB (check_draws_memory): refused before any simulation.
  expect_refused("npe normal_mean --data data/normal_mean.json --sims 1000 --draws 2000000000", dir,
                 "--draws 2000000000: the draws (9 values each) need about");
  expect_refused("npe funnel --sims 100", dir, "cannot run 'npe'");
  expect_refused("npe funnel", dir, "cannot run 'npe'");  // before asking for --sims
  expect_refused(base + "--sims 1000 --rounds 0", dir, "--rounds");
  expect_refused(base + "--sims 1000 --rounds 2 --checkpoint " + dir + "/c.ckpt", dir, "--checkpoint: not with --rounds");
  expect_refused(base + "--load-net " + dir + "/n.json --rounds 2", dir, "--rounds: not used with --load-net");
  expect_refused(base + "--sims 15 --rounds 2", dir, "too few simulations for the validation split");
  EXPECT_FALSE(std::filesystem::exists(dir + "/o_1.csv"));
}

// Truncated sequential NPE (--rounds) on the conjugate normal mean with a wide prior (tau0 = 20
// against a posterior sd of 0.71): round 2 simulates only from the prior inside round 1's
// highest-density region (about 1/10 of the prior's width), and the draws match the exact
// posterior N(0.799, 0.707) -- mean within 10% of the sd, sd within 10% (4000 draws: the Monte
// Carlo error of the mean is 1.6% of the sd, of the sd 1.1%).
TEST(NpeRounds, TruncatedRoundsFindTheNormalMeanPosterior) {
  const std::string dir = scratch_dir("npe_rounds");
  const testing::CliResult r = run_lockstep(
      "npe normal_mean --data data/normal_mean.json --set tau0=20 --sims 6000 --rounds 2 --components 2 --hidden 20 "
      "--draws 4000 --threads 2 --seed 5 --output " + dir + "/r.csv",
      dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("round 1: 3000 simulations from the prior"), std::string::npos) << r.out;
  const std::size_t at = r.out.find("round 2: 3000 simulations from the truncated prior");
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::size_t pct = r.out.find("% kept", at);
  ASSERT_NE(pct, std::string::npos) << r.out;
  const std::size_t open = r.out.rfind(", ", pct);
  const double kept = std::stod(r.out.substr(open + 2, pct - open - 2));
  // The candidates are uniform in boxes around round 1's draws, kept when inside its
  // highest-density region: some are rejected, and most of the boxes' volume is kept.
  EXPECT_LT(kept, 100.0) << r.out;
  EXPECT_GT(kept, 5.0) << r.out;
  // Exact: 1/s^2 = 1/20^2 + 2/1^2, m = s^2 (1.2 + 0.4).
  const double prec = 1.0 / 400 + 2, exact_sd = std::sqrt(1 / prec), exact_mean = 1.6 / prec;
  const std::vector<double> mu = csv_column(dir + "/r_1.csv", "mu");
  ASSERT_EQ(mu.size(), 4000u);
  const double m = mean(mu);
  double ss = 0;
  for (double v : mu) ss += (v - m) * (v - m);
  const double sd = std::sqrt(ss / (mu.size() - 1));
  std::printf("npe --rounds 2: mean %.4f (exact %.4f), sd %.4f (exact %.4f)\n", m, exact_mean, sd, exact_sd);
  EXPECT_NEAR(m, exact_mean, 0.1 * exact_sd) << "tolerance 10% of the exact sd " << exact_sd;
  EXPECT_NEAR(sd, exact_sd, 0.1 * exact_sd) << "tolerance 10%";
}

TEST(NpeRounds, WithoutTheFlagOneRoundPerTenThousandSimulationsAndOneForASavedNetwork) {
  EXPECT_EQ(default_rounds(1), 1);
  EXPECT_EQ(default_rounds(19999), 1);
  EXPECT_EQ(default_rounds(20000), 2);
  EXPECT_EQ(default_rounds(100000), 5);
  EXPECT_EQ(default_rounds(1000000), 5);
  const std::string dir = scratch_dir("npe_default_rounds");
  const std::string run = "npe normal_mean --data data/normal_mean.json --set tau0=20 --sims 20000 --components 2 "
                          "--hidden 20 --draws 500 --threads 2 --seed 5 --output " + dir + "/d.csv";
  const testing::CliResult r = run_lockstep(run, dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("2 truncated rounds (the default for --sims 20000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("round 2: 10000 simulations from the truncated prior"), std::string::npos) << r.out;
  // A network saved for other data sets stays amortized: one round from the prior.
  const testing::CliResult saved = run_lockstep(run + " --save-net " + dir + "/net.json", dir);
  ASSERT_EQ(saved.status, 0) << saved.err;
  EXPECT_EQ(saved.out.find("round 1:"), std::string::npos) << saved.out;
  EXPECT_EQ(saved.out.find("truncated"), std::string::npos) << saved.out;
}

// Truncated rounds: the loss CSV holds every round's epochs (it held the last round's), a saved
// network says it is for these data, and --threads 1 runs one thread (the simulations ran on
// all of them).
TEST(NpeCommandInput, TheLossOfEveryRoundIsWrittenAndThreadsAreHonoured) {
  const std::string dir = scratch_dir("npe_loss_of_rounds");
  const auto r = run_lockstep("npe normal_mean --data data/normal_mean.json --sims 4000 --rounds 2 --draws 10 --seed 1 "
                              "--threads 1 --output " + dir + "/r.csv --save-net " + dir + "/net.json",
                              dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("on CPU, 1 threads"), std::string::npos) << r.out;
  // a network of truncated rounds is saved with a note that it is for these data
  EXPECT_NE(r.out.find("Note: its 2 rounds trained on the prior truncated around these data's posterior"),
            std::string::npos)
      << r.out;
  const std::size_t at = r.out.find("Training: ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const int epochs = std::stoi(r.out.substr(at + 10));
  const std::string loss = read_file(dir + "/r_loss.csv");
  EXPECT_EQ(count_lines(loss), 1 + epochs) << loss;
  EXPECT_NE(loss.find(",1\n"), std::string::npos) << "round 1's epochs";
  EXPECT_NE(loss.find(",2\n"), std::string::npos) << "round 2's epochs";
}

TEST(NpeCommandInput, ANonFiniteLossSaysAtWhichEpochWithStatusTwo) {
  const std::string dir = scratch_dir("npe_nan");
  // A learning rate of 1e300 sends the weights to +-1e300 at the first step: the loss overflows.
  expect_refused("npe peak --data data/peak.json " + kSmall + " --learning-rate 1e300 --output " + dir + "/o.csv",
                 dir, "not finite at epoch 1");
  EXPECT_FALSE(std::filesystem::exists(dir + "/o_1.csv")) << "no epoch finished: no draws";
  EXPECT_TRUE(std::filesystem::exists(dir + "/o_loss.csv")) << "the loss CSV records the epoch";
}

}  // namespace
}  // namespace lockstep
