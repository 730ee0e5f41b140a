// `lockstep sample --superchains K`: nested R-hat (Margossian et al. 2024) in the table, the
// JSON summary and the files; chains of a superchain share their start; bad K is refused.
#include <gtest/gtest.h>
#include <netcdf.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/cli/initial_values.hpp"
#include "models/contract/model_args.hpp"
#include "host/registry/any_model.hpp"
#include "tests/cli/cli_runner.hpp"

using lockstep::testing::count_lines;
using lockstep::testing::read_file;
using lockstep::testing::run_lockstep;
using lockstep::testing::scratch_dir;

namespace {

const char* kRun =
    "sample eight_schools_noncentered --data data/eight_schools.json --chains 8 --warmup 150 --draws 100 "
    "--seed 7 --quiet --superchains 4";

TEST(Superchains, NestedRhatInTableJsonAndStanCsv) {
  const std::string dir = scratch_dir("superchains_csv");
  const auto r = run_lockstep(std::string(kRun) + " --save-warmup --output " + dir + "/es.csv --summary " + dir +
                                  "/s.json",
                              dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("nested_r_hat"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("4 superchains of 2 chains"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(read_file(dir + "/s.json"));
  EXPECT_EQ(j["superchains"].get<int>(), 4);
  for (const char* p : {"mu", "tau", "theta[1]"}) {
    ASSERT_TRUE(j["parameters"][p]["nested_rhat"].is_number()) << p;
    const double nr = j["parameters"][p]["nested_rhat"];
    EXPECT_GE(nr, 1.0) << p;        // nR̂ ≥ 1 by construction
    EXPECT_LT(nr, 1.5) << p;        // a converged run: nowhere near the shifted-superchain values
  }
  // Chain c (1-based) is in superchain (c + 1) / 2, and both chains of a superchain start from the
  // same point: their first saved warmup draw... is after one transition, so compare the comment.
  for (int c = 1; c <= 8; ++c) {
    const std::string csv = read_file(dir + "/es_" + std::to_string(c) + ".csv");
    EXPECT_NE(csv.find("# superchain = " + std::to_string((c + 1) / 2) + "\n"), std::string::npos)
        << "chain " << c;
  }
  // `lockstep summary` reads the superchains back and reports the same nested R-hat.
  std::string files;
  for (int c = 1; c <= 8; ++c) files += " " + dir + "/es_" + std::to_string(c) + ".csv";
  const auto s = run_lockstep("summary" + files + " --summary " + dir + "/back.json", dir);
  ASSERT_EQ(s.status, 0) << s.err;
  EXPECT_NE(s.out.find("nested_r_hat"), std::string::npos) << s.out;
  const auto back = nlohmann::json::parse(read_file(dir + "/back.json"));
  EXPECT_EQ(back["superchains"].get<int>(), 4);
  for (const char* p : {"mu", "tau", "theta[1]"})
    EXPECT_NEAR(back["parameters"][p]["nested_rhat"].get<double>(), j["parameters"][p]["nested_rhat"].get<double>(),
                1e-6)
        << p;
}

TEST(Superchains, ChainsOfASuperchainShareTheirStart) {
  lockstep::ModelArgs args("std_normal", {{"dim", "3"}}, nullptr);
  const auto model = lockstep::load_model("std_normal", args);
  const double R = 1.5;
  const auto inits = lockstep::cli::superchain_inits(*model, 6, 3, R, 99);
  ASSERT_EQ(inits.size(), 6u);
  for (int c = 0; c < 6; ++c) {
    ASSERT_EQ(inits[c].size(), 3u);
    for (double v : inits[c]) EXPECT_TRUE(v > -R && v < R) << v;
    EXPECT_EQ(inits[c], inits[(c / 2) * 2]) << "chain " << c << " differs from its superchain's first chain";
  }
  EXPECT_NE(inits[0], inits[2]);
  EXPECT_NE(inits[2], inits[4]);
  // Superchain k's point depends only on (seed, k): the same with 12 chains, or run again.
  const auto more = lockstep::cli::superchain_inits(*model, 12, 3, R, 99);
  EXPECT_EQ(more[0], inits[0]);
  EXPECT_EQ(more[4], inits[2]);
  EXPECT_EQ(more[8], inits[4]);
  EXPECT_NE(lockstep::cli::superchain_inits(*model, 6, 3, R, 100)[0], inits[0]);
}

TEST(Superchains, NetcdfRecordsTheSuperchainOfEachChain) {
  const std::string dir = scratch_dir("superchains_nc");
  const auto r = run_lockstep(std::string(kRun) + " --output " + dir + "/es.nc", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  int nc = -1, g = -1;
  ASSERT_EQ(nc_open((dir + "/es.nc").c_str(), NC_NOWRITE, &nc), NC_NOERR);
  ASSERT_EQ(nc_inq_grp_ncid(nc, "posterior", &g), NC_NOERR);
  std::size_t len = 0;
  ASSERT_EQ(nc_inq_attlen(g, NC_GLOBAL, "superchain", &len), NC_NOERR);
  ASSERT_EQ(len, 8u);
  std::vector<int> ids(len);
  ASSERT_EQ(nc_get_att_int(g, NC_GLOBAL, "superchain", ids.data()), NC_NOERR);
  nc_close(nc);
  EXPECT_EQ(ids, (std::vector<int>{0, 0, 1, 1, 2, 2, 3, 3}));
}

TEST(Superchains, WarnsWhenSuperchainsDisagree) {
  // Two warmup iterations from starts uniform(-20, 20): the superchains have not forgotten them.
  const std::string dir = scratch_dir("superchains_warn");
  const auto r = run_lockstep(
      "sample eight_schools_noncentered --data data/eight_schools.json --chains 16 --warmup 2 --draws 20 "
      "--seed 3 --quiet --init 20 --superchains 4",
      dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Warning: Nested R-hat is above 1.01"), std::string::npos) << r.out;
}

struct BadK {
  const char* args;
  const char* expected;
};

TEST(Superchains, BadValuesOneLineExitTwo) {
  const std::string dir = scratch_dir("superchains_bad");
  for (const BadK& c : {BadK{"--chains 8 --superchains 3", "must divide --chains 8"},
                        BadK{"--chains 8 --superchains 1", "--superchains"},
                        BadK{"--chains 8 --superchains -2", "--superchains"},
                        BadK{"--chains 8 --superchains 16", "must divide --chains 8"},
                        BadK{"--chains 8 --superchains two", "--superchains"}}) {
    const auto r = run_lockstep(
        std::string("sample eight_schools_noncentered --data data/eight_schools.json --warmup 10 --draws 10 --quiet ") +
            c.args,
        dir);
    EXPECT_EQ(r.status, 2) << c.args << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << c.args << ": " << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << c.args << ": expected '" << c.expected << "' in " << r.err;
  }
}

}  // namespace
