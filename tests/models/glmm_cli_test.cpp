// `lockstep sample glmm` from the command line: --print-model shows the resolved model, the
// sample writes brms's names, --init takes them back, and every kind of bad input is one line
// on stderr with exit status 2 and nothing written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/cli/cli_runner.hpp"

namespace lockstep {
namespace {

using testing::count_lines;
using testing::run_lockstep;
using testing::scratch_dir;

const std::string kRadon =
    "glmm --data data/radon_mn.csv --formula 'log_radon ~ 1 + floor + (1 | county)' --family gaussian "
    "--prior 'Intercept ~ normal(0, 10)' --prior 'b ~ normal(0, 10)' --prior 'sd ~ half_normal(0, 1)' "
    "--prior 'sigma ~ half_normal(0, 1)'";

std::string write(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(GlmmCli, PrintModelShowsBlocksPriorsDesignAndLevels) {
  const std::string dir = scratch_dir("glmm_print");
  const auto r = run_lockstep("sample " + kRadon + " --print-model", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* part :
       {"unconstrained dimension 89", "family: gaussian (identity link); response log_radon, 919 rows",
        "b_Intercept            ~ normal(0, 10)   [Intercept]   (column (Intercept))",
        "b_floor                ~ normal(0, 10)   [b]   (column floor)",
        "group county: 85 levels (1, 2, 3, 4, 5, 6, ..., 85)", "sd_county__Intercept   ~ half_normal(0, 1)   [sd]",
        "r_county[<level>,Intercept]   85 coefficients", "sigma   ~ half_normal(0, 1)   [sigma]", "defaults: Intercept ~"})
    EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
  // Defaults are printed when no prior is given; the TFP model fixes sigma.
  const auto d = run_lockstep(
      "sample glmm --data data/radon_mn.csv --formula 'log_radon ~ floor + (1 | county)' --set sigma=1 --print-model",
      dir);
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_NE(d.out.find("~ student_t(3, 1.3, 2.5)   [default]"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("~ flat   [default]"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("sigma = 1 (fixed by --set sigma)"), std::string::npos) << d.out;
  // A slope beside the intercept: lme4 and brms read (1 + floor | county) as correlated; here
  // the effects are independent, and the model says so.
  const auto slopes = run_lockstep(
      "sample glmm --data data/radon_mn.csv --formula 'log_radon ~ floor + (1 + floor | county)' --print-model", dir);
  ASSERT_EQ(slopes.status, 0) << slopes.err;
  EXPECT_NE(slopes.out.find("varying effects (Intercept), floor (independent: no correlation estimated, as (... || "
                            "county) in lme4/brms)"),
            std::string::npos)
      << slopes.out;
  EXPECT_EQ(r.out.find("(independent:"), std::string::npos) << "one effect per group: nothing to say\n" << r.out;
  // ... and says it on every run, not only under --print-model
  const auto run = run_lockstep("sample glmm --data data/radon_mn.csv --formula 'log_radon ~ floor + (1 + floor | county)' "
                                "--chains 2 --warmup 10 --draws 10 --seed 1 --quiet",
                                dir);
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.err.find("lockstep: note: glmm: the 2 varying effects of 'county' have independent scales (no "
                         "correlation is estimated: (... | county) is read as (... || county) in lme4/brms)"),
            std::string::npos)
      << run.err;
}

// --newdata rows with a missing cell: one line naming the new table's row and column, whatever
// the fit's --set na (dropping a row to predict would misalign y_rep with the table).
TEST(GlmmCli, NewdataMissingCellsNameTheRowAndColumn) {
  const std::string dir = scratch_dir("glmm_newdata_na");
  const std::string nd = write(dir, "nd.csv", "floor,county\n0,AITKIN\n,ANOKA\n");
  for (const char* na : {"", " --set na=drop"}) {
    const auto r = run_lockstep(std::string("sample glmm --data data/radon_mn.csv --formula 'log_radon ~ floor + (1 | county)' "
                                            "--chains 2 --warmup 10 --draws 10 --seed 1 --quiet --predict --newdata ") +
                                    nd + na + " --output " + dir + "/o.csv",
                                dir);
    EXPECT_EQ(r.status, 2) << r.out;
    EXPECT_EQ(r.err, "lockstep: error: " + nd + ": --newdata: line 3, column 'floor': missing value (every row to predict "
                     "needs the formula's columns)\n")
        << na;
  }
  const std::string ny = write(dir, "ny.csv", "log_radon,floor,county\n1.2,0,AITKIN\nNA,1,ANOKA\n");
  const auto r = run_lockstep("sample glmm --data data/radon_mn.csv --formula 'log_radon ~ floor + (1 | county)' --chains 2 "
                              "--warmup 10 --draws 10 --seed 1 --quiet --predict --newdata " + ny,
                              dir);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.err.find("column 'log_radon': missing value (leave the response column out"), std::string::npos) << r.err;
}

TEST(GlmmCli, RowsDroppedByNaDropAreReported) {
  const std::string dir = scratch_dir("glmm_na_drop");
  const std::string data = write(dir, "na.csv", "y,x,g\n1,0.1,a\n2,,b\n3,NA,a\n4,0.5,b\n,0.7,b\n5,0.8,a\n6,0.9,b\n");
  const std::string note =
      "lockstep: note: glmm: 3 rows with missing values dropped (column 'y': 1 row, first at line 6, column 'x': 2 "
      "rows, first at line 3) (--set na=drop)\n";
  for (const std::string command : {"sample", "check"}) {
    const std::string run = command == "sample" ? " --chains 2 --warmup 20 --draws 20 --quiet --output " + dir + "/o.csv" : "";
    const auto r = run_lockstep(command + " glmm --data " + data + " --formula 'y ~ x + (1 | g)' --set na=drop" + run, dir);
    ASSERT_EQ(r.status, 0) << command << ": " << r.err;
    EXPECT_NE(r.err.find(note), std::string::npos) << command << ": " << r.err;
  }
  // Without na=drop the same data is refused (BadInputIsOneLineExitTwoNothingWritten), and data
  // without missing values prints no note.
  const auto clean = run_lockstep("check glmm --data " + write(dir, "ok.csv", "y,x,g\n1,0.1,a\n2,0.3,b\n4,0.5,b\n5,0.8,a\n") +
                                      " --formula 'y ~ x + (1 | g)' --set na=drop",
                                  dir);
  ASSERT_EQ(clean.status, 0) << clean.err;
  EXPECT_EQ(clean.err.find("note:"), std::string::npos) << clean.err;
}

TEST(GlmmCli, NamesOutAndInitBackIn) {
  const std::string dir = scratch_dir("glmm_names");
  std::string r_county = "[";
  for (int l = 0; l < 85; ++l) r_county += std::string(l ? ", " : "") + "0.05";
  const std::string init = write(dir, "init.json",
                                 "{\"b_Intercept\": 1.5, \"b_floor\": -0.66, \"sd_county__Intercept\": 0.3, "
                                 "\"sigma\": 0.73, \"r_county\": " + r_county + "]}");
  const auto r = run_lockstep("sample " + kRadon + " --algorithm hmc --steps 1 --warmup 0 --draws 1 --chains 1 " +
                                  "--seed 3 --quiet --init " + init + " --output " + dir + "/o.csv",
                              dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string csv = testing::read_file(dir + "/o_1.csv");
  EXPECT_NE(csv.find(",b_Intercept,b_floor,sd_county__Intercept,sigma,r_county.1.Intercept,"), std::string::npos);
  EXPECT_NE(csv.find("#     r_county.1.Intercept = r_county[1,Intercept]"), std::string::npos);
  // The one draw starts at the given point: after one leapfrog step (or a rejection) it is close.
  std::string last = csv.substr(csv.rfind('\n', csv.find("# \n#  Elapsed") - 2) + 1);
  std::vector<double> v;
  std::size_t at = 0;
  while (at < last.size() && last[at] != '\n') {
    v.push_back(std::stod(last.substr(at)));
    at = last.find_first_of(",\n", at);
    if (at == std::string::npos || last[at] == '\n') break;
    ++at;
  }
  // The header's columns before b_Intercept are the sampler's statistics.
  const std::size_t h = csv.find("lp__,");
  const std::string header = csv.substr(h, csv.find(",b_Intercept", h) - h);
  std::size_t stats = 1;
  for (char ch : header) stats += ch == ',';
  ASSERT_GE(v.size(), stats + 4);
  EXPECT_NEAR(v[stats], 1.5, 0.5) << last;      // b_Intercept
  EXPECT_NEAR(v[stats + 3], 0.73, 0.3) << last;  // sigma
  const auto s = run_lockstep("summary " + dir + "/o_1.csv", dir);
  ASSERT_EQ(s.status, 0) << s.err;
  EXPECT_NE(s.out.find("r_county[85,Intercept]"), std::string::npos);
}

TEST(GlmmCli, BadInputIsOneLineExitTwoNothingWritten) {
  const std::string dir = scratch_dir("glmm_bad");
  const std::string out_dir = dir + "/out";
  std::filesystem::create_directories(out_dir);
  const std::string bad_cell = write(dir, "bad_cell.csv", "y,x,g\n1,0.5,a\n2,abc,b\n3,2.5,a\n4,1,b\n");
  const std::string empty = write(dir, "empty.csv", "");
  const std::string one_level = write(dir, "one.csv", "y,x,g\n1,0.5,a\n2,1.5,a\n");
  const std::string missing = write(dir, "missing.csv", "y,x,g\n1,0.5,a\n2,NA,b\n3,,a\n4,1,b\n5,2,b\n");
  const std::string counts = write(dir, "counts.csv", "y,k,n,x,g\n0,1,3,0.5,a\n1,2.5,4,1.5,b\n1,-1,2,1,a\n2,5,4,1,b\n");
  const std::string trials = write(dir, "trials.csv", "y,n,x\n0,3,0.5\n1,2.5,1.5\n");
  const std::string out = " --output " + out_dir + "/o.csv --quiet --chains 2 --warmup 20 --draws 20";
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"glmm --data data/radon_mn.csv --formula 'log_radon ~ flor'",
       "data/radon_mn.csv: --formula: no column 'flor' (columns: log_radon, floor, county, log_uppm)"},
      {"glmm --data " + bad_cell + " --formula 'y ~ x + (1 | g)'",
       bad_cell + ": line 3, column 'x': 'abc' is not a number (a numeric column; write factor(x) to use it as a factor)"},
      {"glmm --data " + empty + " --formula 'y ~ x'", empty + ": no header row (the file has no column names)"},
      {"glmm --data data/radon_mn.csv --formula 'log_radon ~ 1 + floor + (1 | county'",
       "--formula: expected ')' to close the varying-effect term at character 36 (marked >>): log_radon ~ 1 + floor + (1 | county>>"},
      {"glmm --data " + one_level + " --formula 'y ~ x + (1 | g)'",
       "--formula: grouping factor 'g' has only one level ('a'); a varying effect needs at least 2"},
      {"glmm --data data/radon_mn.csv --formula 'log_radon ~ floor' --prior 'sd ~ half_normal(0, 1)'",
       "--prior \"sd ~ half_normal(0, 1)\": the formula has no varying effects (class sd)"},
      {"glmm --data data/radon_mn.csv --formula 'log_radon ~ 0 + floor' --prior 'Intercept ~ normal(0, 1)'",
       "--prior \"Intercept ~ normal(0, 1)\": the formula has no intercept (class Intercept)"},
      {"glmm --data data/radon_mn.csv --formula 'log_radon ~ floor' --prior 'b ~ normal(0, -1)'",
       "--prior \"b ~ normal(0, -1)\": normal: the scale s must be positive, found -1"},
      {"glmm --data data/radon_mn.csv --formula 'log_radon ~ floor' --prior 'b_flor ~ normal(0, 1)'",
       "--prior \"b_flor ~ normal(0, 1)\": the formula has no coefficient 'flor' (coefficients: b_floor)"},
      {"glmm --data data/radon_mn.csv --formula 'log_radon ~ floor' --prior 'sigma ~ half_normal(1, 1)'",
       "--prior \"sigma ~ half_normal(1, 1)\": half_normal's location must be 0, found 1"},
      {"glmm --data data/radon_mn.csv --formula 'log_radon ~ floor + (1 | county)' --prior 'sd_city ~ exponential(1)'",
       "--prior \"sd_city ~ exponential(1)\": no grouping factor 'city' (grouping factors: 'county'; scales: "
       "sd_county__Intercept)"},
      {"glmm --data data/radon_mn.csv --formula 'log_radon ~ floor' --set sigma=1 --prior 'sigma ~ exponential(1)'",
       "--prior \"sigma ~ exponential(1)\": sigma is fixed by --set sigma=1"},
      {"glmm --data " + missing + " --formula 'y ~ x + (1 | g)'",
       missing + ": 2 rows have missing values (column 'x': 2 rows, first at line 3); give --set na=drop to drop such rows"},
      {"glmm --data data/radon_mn.csv --formula 'log_radon ~ floor' --family negbinomial",
       "--family: 'negbinomial' is not available (available: gaussian, bernoulli, binomial, poisson)"},
      // The discrete families' responses.
      {"glmm --data " + counts + " --formula 'k ~ x + (1 | g)' --family poisson",
       counts + ": line 3, column 'k': 2.5: the poisson family needs a non-negative integer count"},
      {"glmm --data " + counts + " --formula 'x ~ 1 + (1 | g)' --family poisson",
       counts + ": line 2, column 'x': 0.5: the poisson family needs a non-negative integer count"},
      {"glmm --data " + counts + " --formula 'y ~ x' --family bernoulli",
       counts + ": line 5, column 'y': 2: the bernoulli family needs a response of 0 or 1"},
      {"glmm --data " + counts + " --formula 'y | trials(x) ~ 1' --family binomial",
       counts + ": line 2, column 'x': 0.5: the number of trials must be a non-negative integer"},
      {"glmm --data " + trials + " --formula 'y | trials(n) ~ x' --family binomial",
       trials + ": line 3, column 'n': 2.5: the number of trials must be a non-negative integer"},
      {"glmm --data " + counts + " --formula 'k | trials(n) ~ x' --family binomial",
       counts + ": line 3, column 'k': 2.5: the binomial family needs a non-negative integer number of successes (4 trials)"},
      {"glmm --data " + counts + " --formula 'n | trials(y) ~ x' --family binomial",
       counts + ": line 2, column 'n': 3: more successes than trials (0 trials)"},
      {"glmm --data " + counts + " --formula 'y ~ x' --family binomial",
       "--formula: the binomial family needs the number of trials in the response: 'y | trials(n) ~ ...'"},
      {"glmm --data " + counts + " --formula 'y | trials(n) ~ x' --family poisson",
       "--formula: trials(n) in the response is for --family binomial (this is poisson)"},
      {"glmm --data " + counts + " --formula 'y | trails(n) ~ x' --family binomial",
       "--formula: expected trials(column) after '|' in the response (successes | trials(n) ~ ...) at character 5 "
       "(marked >>): y | >>trails(n) ~ x"},
      {"glmm --data " + counts + " --formula 'y ~ x' --family poisson --set sigma=1",
       "--set sigma: the poisson family has no residual scale sigma"},
      {"glmm --data " + counts + " --formula 'y ~ x' --family poisson --prior 'sigma ~ exponential(1)'",
       "--prior \"sigma ~ exponential(1)\": the poisson family has no sigma"},
      {"glmm --data data/radon_mn.csv", "--formula: model 'glmm' needs a formula, e.g. --formula \"y ~ 1 + x + (1 | g)\""},
      {"glmm --data data/radon_mn.csv --formula 'log_radon ~ floor' --set parameterization=funnel",
       "--set parameterization: 'funnel' is not one of: noncentered, centered"},
  };
  for (const Case& c : cases) {
    const auto r = run_lockstep("sample " + c.args + out, dir);
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.err;
    EXPECT_EQ(r.err, "lockstep: error: " + c.message + "\n") << c.args;
    EXPECT_EQ(count_lines(r.err), 1) << c.args;
    EXPECT_TRUE(std::filesystem::is_empty(out_dir)) << c.args << ": something was written";
  }
  // na=drop: the rows are dropped and counted.
  const auto dropped = run_lockstep("sample glmm --data " + missing + " --formula 'y ~ x + (1 | g)' --set na=drop --print-model", dir);
  ASSERT_EQ(dropped.status, 0) << dropped.err;
  EXPECT_NE(dropped.out.find("3 rows of " + missing + " (2 rows with missing values dropped (column 'x': 2 rows, first at line 3))"),
            std::string::npos)
      << dropped.out;
}

}  // namespace
}  // namespace lockstep
