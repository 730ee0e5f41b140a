// `lockstep abc` and `lockstep smc-abc`: the draws (Stan CSV with algorithm = abc / smc-abc,
// netCDF) and the schedule CSV are written, `lockstep summary` reads the draws, the same seed
// gives the same files; bad input is one line on stderr, exit status 2, nothing written.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include <filesystem>
#include <string>
#include <vector>

#include "kernels/core/config.hpp"
#include "tests/cli/cli_runner.hpp"

namespace lockstep {
namespace {

using testing::count_lines;
using testing::read_file;
using testing::run_lockstep;
using testing::scratch_dir;

using testing::data_lines;

TEST(AbcCommand, WritesDrawsAndScheduleThatSummaryReads) {
  const std::string dir = scratch_dir("abc_cmd");
  const auto r = run_lockstep("abc peak --data data/peak.csv --set prior=sbi --sims 20000 --keep 200 --seed 3 --output " +
                                  dir + "/abc.csv",
                              dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Final epsilon"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Adjustment: local-linear regression with heteroscedastic correction on 5 statistics"), std::string::npos) << r.out;
  const std::string csv = read_file(dir + "/abc_1.csv");
  EXPECT_NE(csv.find("adjustment = local-linear regression"), std::string::npos);
  EXPECT_NE(csv.find("algorithm = abc"), std::string::npos);
  EXPECT_NE(csv.find("distance__"), std::string::npos);
  const std::string schedule = read_file(dir + "/abc_schedule.csv");
  EXPECT_EQ(schedule.substr(0, schedule.find('\n')),
            "generation,epsilon,acceptance_rate,simulations,total_simulations,non_finite,ess,complete");
  EXPECT_EQ(count_lines(schedule), 2);
  const auto s = run_lockstep("summary " + dir + "/abc_1.csv", dir);
  EXPECT_EQ(s.status, 0) << s.err;
  for (const char* p : {"l", "m", "s", "a", "b"}) EXPECT_NE(s.out.find(std::string("\n") + p), std::string::npos) << s.out;
  // The K nearest simulations, adjusted and resampled by the kernel's weights: no R-hat, no
  // divergence line, and the ESS of the weights the run recorded.
  EXPECT_NE(s.out.find("200 draws resampled from a weighted sample (abc): no R-hat"), std::string::npos) << s.out;
  const std::size_t at = csv.find("effective_draws = ");
  ASSERT_NE(at, std::string::npos);
  const double ess = std::atof(csv.c_str() + at + 18);
  EXPECT_GT(ess, 10);
  EXPECT_LT(ess, 200);
  EXPECT_NE(s.out.find("ESS = " + std::to_string(static_cast<long>(std::lround(ess))) + " (the weights' effective sample size)"),
            std::string::npos) << s.out;
  EXPECT_EQ(s.out.find("Divergences"), std::string::npos) << s.out;
  // The same seed, the same draws.
  const auto again = run_lockstep("abc peak --data data/peak.csv --set prior=sbi --sims 20000 --keep 200 --seed 3 --output " +
                                      dir + "/again.csv",
                                  dir);
  ASSERT_EQ(again.status, 0);
  EXPECT_EQ(data_lines(csv), data_lines(read_file(dir + "/again_1.csv")));
  // Two files pool their draws: 400, and the sum of the two recorded effective samples.
  const auto both = run_lockstep("summary " + dir + "/abc_1.csv " + dir + "/again_1.csv", dir);
  EXPECT_EQ(both.status, 0) << both.err;
  EXPECT_NE(both.out.find("400 draws resampled from a weighted sample (abc)"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("ESS = " + std::to_string(static_cast<long>(std::lround(2 * ess))) + " ("), std::string::npos)
      << both.out;
  // --adjust none: the kept simulations' own parameters, so other draws, and the line says so.
  const auto raw = run_lockstep("abc peak --data data/peak.csv --set prior=sbi --sims 20000 --keep 200 --seed 3 "
                                "--adjust none --output " + dir + "/raw.csv",
                                dir);
  ASSERT_EQ(raw.status, 0) << raw.err;
  EXPECT_NE(raw.out.find("Adjustment: none\n"), std::string::npos) << raw.out;
  EXPECT_NE(data_lines(csv), data_lines(read_file(dir + "/raw_1.csv")));
}

TEST(AbcCommand, SmcAbcWritesNetcdfAndSchedule) {
  const std::string dir = scratch_dir("smc_abc_cmd");
  const auto r = run_lockstep("smc-abc normal_mean --data data/normal_mean.json --sims 20000 --particles 500 --seed 2 "
                              "--output " + dir + "/smc.nc --schedule " + dir + "/sched.csv",
                              dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir + "/smc.nc"));
  const std::string schedule = read_file(dir + "/sched.csv");
  EXPECT_GE(count_lines(schedule), 3) << schedule;  // header, generation 0, at least one more
  EXPECT_NE(r.out.find("Stopped:"), std::string::npos);
}

TEST(AbcCommand, BadInputIsOneLineExitTwo) {
  const std::string dir = scratch_dir("abc_bad");
  const std::string peak = "--data data/peak.csv --set prior=sbi --output " + dir + "/x.csv ";
  for (const std::string& args : std::vector<std::string>{
           "abc peak " + peak + "--sims 100 --keep 101", "abc peak " + peak + "--sims 0",
        "abc peak " + peak + "--keep 5 --epsilon 1", "smc-abc peak " + peak + "--sims 0 --particles 10",
        "smc-abc peak " + peak + "--sims 100 --particles 1000", "abc peak " + peak + "--sims 100 --particles 10",
        "abc peak " + peak + "--epsilon 1e-9 --sims 1000", "abc std_normal --set dim=2 --sims 10",
        "abc peak --data data/peak.csv --set prior=box --sims 100", "abc peak " + peak + "--sims 100 --adjust ridge",
        "smc-abc peak " + peak + "--sims 2000 --particles 100 --adjust",
        "abc glmm --data data/radon_mn.csv --formula log_radon~1+floor --prior \"b ~ flat\" --sims 100 --output " +
            dir + "/x.csv"}) {
    const auto r = run_lockstep(args, dir);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << args << "\n" << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir + "/x_1.csv")) << args;
    EXPECT_FALSE(std::filesystem::exists(dir + "/x_schedule.csv")) << args;
  }
  const auto flat = run_lockstep(
      "abc glmm --data data/radon_mn.csv --formula log_radon~1+floor --prior \"b ~ flat\" --sims 100", dir);
  EXPECT_NE(flat.err.find("abc: the prior of b_floor cannot be drawn from (improper, e.g. flat)"), std::string::npos)
      << flat.err;
}

}  // namespace
}  // namespace lockstep

namespace lockstep {
namespace {

// What the ABC commands say about runs that went wrong in ways that are not bad input: every
// simulation kept (the draws are the prior's), a tolerance no simulation met (the number as the
// user wrote it), a population whose covariance overflows (named, not blamed on the kernel).
TEST(AbcCommand, MessagesSayWhatHappened) {
  const std::string dir = scratch_dir("abc_messages");
  const auto all = run_lockstep("abc normal_mean --data data/normal_mean.json --sims 500 --seed 1 --adjust none", dir);
  ASSERT_EQ(all.status, 0) << all.err;
  EXPECT_NE(all.out.find("Warning: every one of the 500 simulations was kept (--keep 500): nothing was rejected, so "
                         "the draws are the prior's"),
            std::string::npos)
      << all.out;
  const auto tight = run_lockstep("abc normal_mean --data data/normal_mean.json --sims 1000 --epsilon 1e-9 --seed 1", dir);
  EXPECT_EQ(tight.status, 2);
  EXPECT_EQ(tight.err, "lockstep: error: --epsilon 1e-09: no simulation within it; increase --epsilon or --sims\n");
  // (a float build's parameters cannot reach a spread whose square overflows a double)
  if (sizeof(Real) == sizeof(double)) {
    const auto wide = run_lockstep(
        "smc-abc normal_mean --data data/normal_mean.json --set tau0=1e160 --sims 20000 --particles 200 --seed 1", dir);
    EXPECT_EQ(wide.status, 2) << wide.out;
    EXPECT_NE(wide.err.find("smc-abc: the population's covariance is not finite"), std::string::npos) << wide.err;
  }
}

}  // namespace
}  // namespace lockstep
