// `lockstep vi`: writes what it says (Stan CSV with `algorithm = vi`, netCDF, the ELBO trace),
// `lockstep summary` reads the draws back and says there is no R-hat, the glmm's own flags work,
// --predict adds y_rep, K fits report K final ELBOs, and bad input is one line, exit status 2,
// nothing written.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/cli_runner.hpp"

using lockstep::testing::count_lines;
using lockstep::testing::read_file;
using lockstep::testing::run_lockstep;
using lockstep::testing::scratch_dir;

namespace {

const char* kSmall =
    "vi eight_schools_noncentered --data data/eight_schools.json --approx meanfield --samples 2 --steps 600 "
    "--learning-rate 0.05 --fits 1 --draws 300 --seed 3 --quiet";

TEST(ViCommand, StanCsvWithAlgorithmViAndSummaryWithoutRhat) {
  const std::string dir = scratch_dir("vi_csv");
  const auto r = run_lockstep(std::string(kSmall) + " --output " + dir + "/es.csv --elbo " + dir + "/elbo.csv --summary " +
                                  dir + "/s.json",
                              dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("final ELBO"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no R-hat"), std::string::npos) << r.out;
  const std::string csv = read_file(dir + "/es_1.csv");
  ASSERT_FALSE(csv.empty()) << "missing es_1.csv";
  EXPECT_NE(csv.find("algorithm = vi"), std::string::npos);
  EXPECT_NE(csv.find("# method = variational\n"), std::string::npos) << "CmdStan's method section";
  EXPECT_NE(csv.find("#     algorithm = meanfield\n"), std::string::npos);
  EXPECT_NE(csv.find("lp__,log_p__,log_g__,mu,tau,theta.1"), std::string::npos);
  EXPECT_TRUE(read_file(dir + "/es_2.csv").empty());
  // 300 draws: header comments, the column line, 300 rows (and no timing footer lines counted here).
  int rows = 0;
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#' && line[0] != 'l') ++rows;
  EXPECT_EQ(rows, 300);
  const auto j = nlohmann::json::parse(read_file(dir + "/s.json"));
  EXPECT_EQ(j["algorithm"], "vi");
  EXPECT_TRUE(j["parameters"]["mu"]["r_hat"].is_null());
  EXPECT_TRUE(j["divergences"].is_null()) << "no Hamiltonian, no divergence check";
  EXPECT_EQ(j["parameters"]["mu"]["ess_bulk"].get<double>(), 300.0);
  // The ELBO trace: step, elbo, rel_change, fit; every 100 steps.
  const std::string trace = read_file(dir + "/elbo.csv");
  EXPECT_EQ(trace.substr(0, trace.find('\n')), "step,elbo,rel_change,fit");
  EXPECT_EQ(count_lines(trace), 1 + 6);
  // summary reads it back and says why there is no R-hat.
  const auto s = run_lockstep("summary " + dir + "/es_1.csv", dir);
  ASSERT_EQ(s.status, 0) << s.err;
  EXPECT_NE(s.out.find("no R-hat"), std::string::npos) << s.out;
  EXPECT_EQ(s.out.find("R-hat is above"), std::string::npos) << s.out;
}

TEST(ViCommand, NetCdfFullRankSeveralFitsAndPredict) {
  const std::string dir = scratch_dir("vi_nc");
  const auto r = run_lockstep(
      "vi eight_schools_noncentered --data data/eight_schools.json --approx fullrank --samples 4 --steps 400 "
      "--learning-rate 0.05 --fits 3 --draws 200 --seed 5 --quiet --predict --output " + dir + "/es.nc",
      dir);
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream nc(dir + "/es.nc", std::ios::binary);
  char magic[4] = {0, 0, 0, 0};
  nc.read(magic, 4);
  EXPECT_EQ(std::string(magic + 1, 3), "HDF") << "netCDF-4 (HDF5) file";
  // Three fits, each with its final ELBO, one marked best.
  int fits = 0;
  std::istringstream out(r.out);
  for (std::string line; std::getline(out, line);)
    if (line.find("step budget") != std::string::npos || line.find("below --tol-rel-obj") != std::string::npos) ++fits;
  EXPECT_EQ(fits, 3) << r.out;
  EXPECT_NE(r.out.find("<- best"), std::string::npos);
  EXPECT_NE(r.out.find("Posterior predictive checks"), std::string::npos) << r.out;
}

TEST(ViCommand, GlmmFlagsAndStanCsvWithYRep) {
  const std::string dir = scratch_dir("vi_glmm");
  const auto r = run_lockstep(
      "vi glmm --data data/radon_mn.csv --formula \"log_radon ~ 1 + floor + (1 | county)\" --prior \"Intercept ~ "
      "normal(0, 1)\" --prior \"b ~ normal(0, 1)\" --prior \"sd ~ half_normal(0, 1)\" --set sigma=1 --approx meanfield "
      "--samples 2 --steps 300 --learning-rate 0.01 --draws 100 --seed 1 --quiet --predict --output " + dir + "/r.csv",
      dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string csv = read_file(dir + "/r_1.csv");
  EXPECT_NE(csv.find("b_Intercept,b_floor,sd_county__Intercept"), std::string::npos);
  EXPECT_NE(csv.find("y_rep.919"), std::string::npos);
}

// Fits from different starts that stopped far apart are a warning (on screen and in the JSON):
// 20 steps at learning rate 0.01 cannot bring means started up to 4 apart together; the same
// run to the end of 3000 steps converges and says nothing. The default is 4 fits.
TEST(ViCommand, FitsThatStopApartAreAWarning) {
  const std::string dir = scratch_dir("vi_fits_apart");
  const std::string base = "vi std_normal --set dim=3 --tol-rel-obj 0 --draws 200 --seed 2 --quiet ";
  const auto early = run_lockstep(base + "--steps 20 --summary " + dir + "/early.json", dir);
  ASSERT_EQ(early.status, 0) << early.err;
  EXPECT_NE(early.out.find(", 4 fits x 1 Monte Carlo point"), std::string::npos) << early.out;
  EXPECT_NE(early.out.find("Warning: the fits did not reach the same optimum"), std::string::npos) << early.out;
  EXPECT_NE(early.out.find("Either a fit had not converged"), std::string::npos) << early.out;
  EXPECT_NE(early.out.find("or the posterior has more than one mode"), std::string::npos) << early.out;
  const auto j = nlohmann::json::parse(read_file(dir + "/early.json"));
  bool in_json = false;
  for (const auto& w : j["warnings"]) in_json = in_json || w.get<std::string>().find("same optimum") != std::string::npos;
  EXPECT_TRUE(in_json) << j["warnings"];
  const auto late = run_lockstep(base + "--steps 3000", dir);
  ASSERT_EQ(late.status, 0) << late.err;
  EXPECT_EQ(late.out.find("same optimum"), std::string::npos) << late.out;
}

// A fit whose ELBO stays non-finite is retried with the learning rate halved 5 times (README)
// and then fails: its row says 5 retries, not the 6 non-finite steps; the warning about fits
// apart names both causes (not converged, or several optima).
TEST(ViCommand, AFailedFitCountsItsFiveRetries) {
  const std::string dir = scratch_dir("vi_retries");
  const auto r = run_lockstep("vi funnel --quiet --learning-rate 1000 --steps 400 --seed 1", dir);
  if (r.status == 0) {  // (some fit survived, as in double precision: the failed ones' rows)
    EXPECT_NE(r.out.find("        5  failed (ELBO not finite)"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("        6  failed"), std::string::npos) << r.out;
  } else {
    EXPECT_NE(r.err.find("even after 5 retries"), std::string::npos) << r.err;
  }
  const auto all = run_lockstep("vi funnel --quiet --learning-rate 1e6 --steps 200 --seed 1", dir);
  EXPECT_EQ(all.status, 2);
  EXPECT_NE(all.err.find("even after 5 retries with the learning rate halved (down to 3.125e+04)"), std::string::npos)
      << all.err;
}

TEST(ViCommand, BadInputIsOneLineExitTwoNothingWritten) {
  const std::string dir = scratch_dir("vi_bad");
  const std::string base = "vi std_normal --set dim=2 --seed 1 --quiet --output " + dir + "/x.csv ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--steps 0", "--steps"},
      {"--samples 0", "--samples"},
      {"--learning-rate -0.1", "--learning-rate"},
      {"--learning-rate 0", "--learning-rate"},
      {"--approx lowrank", "--approx"},
      {"--fits 0", "--fits"},
      {"--draws 0", "--draws"},
      {"--eval-every 0", "--eval-every"},
      {"--elbo-samples 0", "--elbo-samples"},
      {"--tol-rel-obj -1", "--tol-rel-obj"},
      {"--elbo " + dir + "/trace.txt", "--elbo"},
      {"--walkers 4", "--walkers"},
      {"--predict", "--predict"},
  };
  for (const auto& c : cases) {
    const auto r = run_lockstep(base + c.first, dir);
    EXPECT_EQ(r.status, 2) << c.first << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << c.first << ": " << r.err;
    EXPECT_NE(r.err.find(c.second), std::string::npos) << c.first << ": " << r.err;
    EXPECT_TRUE(read_file(dir + "/x_1.csv").empty()) << c.first;
  }
  // 2^28 draws of 100 dimensions need about 1.3 TB (check_draws_memory): refused before fitting.
  const auto big = run_lockstep("vi std_normal --set dim=100 --seed 1 --quiet --draws 268435456 --output " + dir + "/x.csv", dir);
  EXPECT_EQ(big.status, 2) << big.err;
  EXPECT_EQ(big.err.rfind("lockstep: error: --draws 268435456: the draws (108 values each) need about", 0), 0u) << big.err;
  EXPECT_TRUE(read_file(dir + "/x_1.csv").empty());
}

TEST(ViCommand, NonFiniteElboStopsWithTheStepNamed) {
  // The funnel's log scale v ~ N(0, 3): a learning rate of 1e4 throws the approximation's
  // means where exp(-v) overflows; every retry (learning rate halved 5 times) fails too.
  const std::string dir = scratch_dir("vi_nan");
  const auto r = run_lockstep("vi funnel --approx meanfield --samples 2 --steps 200 --learning-rate 1e8 --eval-every 10 "
                              "--seed 1 --quiet --output " + dir + "/x.csv",
                              dir);
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("not finite at step"), std::string::npos) << r.err;
  EXPECT_TRUE(read_file(dir + "/x_1.csv").empty());
}

}  // namespace
