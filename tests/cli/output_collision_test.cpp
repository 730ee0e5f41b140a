// Two outputs of one command that are the same file (host/cli/command_common.cpp,
// check_distinct_outputs): refused before any work, one line naming both flags, exit status 2,
// nothing written; so that no output overwrites or deletes another (a schedule over the draws,
// a checkpoint removed at the end that was the loss CSV, ...). Also: a chain file that is a
// directory is refused up front by every command that writes Stan CSV.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/cli/cli_runner.hpp"

namespace lockstep {
namespace {

using testing::count_lines;
using testing::run_lockstep;
using testing::scratch_dir;

TEST(OutputCollision, TwoOutputsOfOneCommandThatAreOneFileAreRefused) {
  const std::string dir = scratch_dir("output_collision");
  const std::string out = dir + "/out";
  std::filesystem::create_directories(out);
  const std::string nm = "normal_mean --data data/normal_mean.json --seed 1 ";
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"abc " + nm + "--sims 2000 --keep 10 --output " + out + "/o.csv --schedule " + out + "/o_1.csv",
       "--schedule " + out + "/o_1.csv: --output writes that file too; give another name"},
      {"smc-abc " + nm + "--sims 2000 --particles 100 --output " + out + "/o.nc --schedule " + out + "/./o.nc",
       "--schedule " + out + "/./o.nc: --output writes that file too (as " + out + "/o.nc); give another name"},
      {"npe " + nm + "--sims 2000 --output " + out + "/o.csv --save-net " + out + "/o_1.csv",
       "--save-net " + out + "/o_1.csv: --output writes that file too; give another name"},
      {"npe " + nm + "--sims 2000 --output " + out + "/o.csv --checkpoint " + out + "/o_loss.csv",
       "--checkpoint " + out + "/o_loss.csv: --output (its loss CSV) writes that file too; give another name"},
      {"vi " + nm + "--output " + out + "/o.csv --elbo " + out + "/o_1.csv",
       "--elbo " + out + "/o_1.csv: --output writes that file too; give another name"},
      {"sample " + nm + "--chains 4 --output " + out + "/o.csv --checkpoint " + out + "/o_3.csv",
       "--checkpoint " + out + "/o_3.csv: --output writes that file too; give another name"},
      {"ensemble peak --data data/peak.csv --walkers 32 --steps 10 --output " + out + "/e.nc --checkpoint " + out + "/e.nc",
       "--checkpoint " + out + "/e.nc: --output writes that file too; give another name"},
  };
  for (const Case& c : cases) {
    const auto r = run_lockstep(c.args, dir);
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.err;
    EXPECT_EQ(r.err, "lockstep: error: " + c.message + "\n") << c.args;
    EXPECT_EQ(count_lines(r.err), 1) << c.args;
    EXPECT_TRUE(std::filesystem::is_empty(out)) << c.args << ": something was written";
  }
  // A chain file that is a directory: refused before the run (it could not be committed after).
  std::filesystem::create_directories(out + "/d_1.csv");
  for (const std::string& command : {"abc " + nm + "--sims 2000 --keep 10", "smc-abc " + nm + "--sims 2000 --particles 100",
                                     "vi " + nm, "npe " + nm + "--sims 2000"}) {
    const auto r = run_lockstep(command + " --output " + out + "/d.csv", dir);
    EXPECT_EQ(r.status, 2) << command << "\n" << r.err;
    EXPECT_EQ(r.err, "lockstep: error: --output " + out + "/d.csv: cannot write chain file " + out +
                         "/d_1.csv: is a directory\n")
        << command;
  }
}

}  // namespace
}  // namespace lockstep
