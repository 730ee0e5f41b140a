// `lockstep sample ... --predict`: posterior predictive draws y_rep. Eight Schools' y_rep
// against an independent computation from the same draws (y_rep_j - theta_j) / sigma_j must be
// standard normal draws, and the y_rep means and sds those of theta_j plus the noise); the
// netCDF file loads in ArviZ with posterior_predictive and observed_data groups and az.plot_ppc
// draws it; Stan CSV has the columns y_rep[1..N]; the glmm's y_rep are counts for the Poisson;
// bad input is one line, exit status 2, nothing written.
#include <gtest/gtest.h>

#include <cstdlib>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "host/cli/predictive.hpp"
#include "host/diagnostics/convergence.hpp"
#include "host/diagnostics/summary.hpp"
#include "host/io/csv_data.hpp"
#include "host/io/json_data.hpp"
#include "host/io/stan_csv_reader.hpp"
#include "host/registry/any_model.hpp"
#include "tests/cli/cli_runner.hpp"

namespace lockstep {
namespace {

using testing::count_lines;
using testing::run_lockstep;
using testing::scratch_dir;

/// n draws z with sum sz and sum of squares szz are standard normal: mean within 5 SE (1/sqrt n)
/// of 0, variance within 5 SE (sqrt(2/n)) of 1.
void expect_standard_normal(double sz, double szz, double n, const std::string& what) {
  const double mz = sz / n, vz = szz / n - mz * mz;
  EXPECT_LE(std::fabs(mz), 5 / std::sqrt(n)) << what << ": mean of z " << mz << ", 5 SE " << 5 / std::sqrt(n);
  EXPECT_LE(std::fabs(vz - 1), 5 * std::sqrt(2 / n)) << what << ": variance of z " << vz;
}

/// Saved warmup draws get their y_rep too (as CmdStan writes generated quantities for them):
/// finite, (y_rep - theta) / sigma standard normal over the warmup rows, and the post-warmup
/// y_rep bit for bit those of the same run without --save-warmup.
TEST(Predict, SavedWarmupDrawsGetTheirOwnYRep) {
  auto data = load_json_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/eight_schools.json");
  ModelArgs args("eight_schools_noncentered", {}, data.get());
  const std::unique_ptr<AnyModel> model = load_model("eight_schools_noncentered", args);
  RunSettings s;
  s.chains = 4;
  s.warmup = 400;
  s.draws = 300;
  s.seed = 23;
  DrawSet plain, with_warmup;
  RunInfo info;
  model->run("nuts", s, AlgorithmOptions{}, plain, info, nullptr);
  s.save_warmup = true;
  model->run("nuts", s, AlgorithmOptions{}, with_warmup, info, nullptr);
  ASSERT_EQ(with_warmup.n_warmup_saved, 400);
  cli::add_posterior_predictive(*model, s.seed, plain);
  cli::add_posterior_predictive(*model, s.seed, with_warmup);
  const int P = plain.n_parameters(), W = with_warmup.n_warmup_saved;
  const std::vector<double> sigma = {15, 10, 16, 11, 9, 11, 10, 18};
  double sz = 0, szz = 0;
  for (int j = 0; j < 8; ++j) {
    const int theta = with_warmup.param_index("theta[" + std::to_string(j + 1) + "]");
    for (int c = 0; c < s.chains; ++c) {
      const double* y = with_warmup.series(P + j, c);
      for (int k = 0; k < W; ++k) {
        ASSERT_TRUE(std::isfinite(y[k])) << "warmup draw " << k << " of chain " << c << ", y_rep[" << j + 1 << "]";
        const double z = (y[k] - with_warmup.series(theta, c)[k]) / sigma[j];
        sz += z;
        szz += z * z;
      }
      for (int k = 0; k < s.draws; ++k)
        ASSERT_EQ(y[W + k], plain.series(P + j, c)[k]) << "post-warmup draw " << k << " of chain " << c;
    }
  }
  expect_standard_normal(sz, szz, 8.0 * s.chains * W, "warmup y_rep");
}

TEST(Predict, EightSchoolsYRepAgainstTheDrawsTheyCameFrom) {
  auto data = load_json_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/eight_schools.json");
  ModelArgs args("eight_schools_noncentered", {}, data.get());
  const std::unique_ptr<AnyModel> model = load_model("eight_schools_noncentered", args);
  RunSettings s;
  s.chains = 8;
  s.warmup = 500;
  s.draws = 1000;
  s.seed = 19;
  DrawSet d;
  RunInfo info;
  model->run("nuts", s, AlgorithmOptions{}, d, info, nullptr);
  const int P = d.n_parameters();
  cli::add_posterior_predictive(*model, s.seed, d);
  ASSERT_EQ(d.n_predictive, 8);
  ASSERT_EQ(d.n_parameters(), P);
  EXPECT_EQ(d.names[P], "y_rep[1]");
  EXPECT_EQ(d.observed_name, "y");
  const std::vector<double> sigma = {15, 10, 16, 11, 9, 11, 10, 18};
  const double n = static_cast<double>(d.n_chains) * d.n_draws;
  for (int j = 0; j < 8; ++j) {
    const int theta = d.param_index("theta[" + std::to_string(j + 1) + "]");
    ASSERT_GE(theta, 0);
    // z = (y_rep - theta) / sigma: independent N(0, 1) draws, whatever theta is.
    double sz = 0, szz = 0;
    for (int c = 0; c < d.n_chains; ++c)
      for (int k = 0; k < d.n_draws; ++k) {
        const double z = (d.series(P + j, c)[k] - d.series(theta, c)[k]) / sigma[j];
        sz += z;
        szz += z * z;
      }
    expect_standard_normal(sz, szz, n, "school " + std::to_string(j + 1));
    // E y_rep = E theta; sd(y_rep)^2 = sd(theta)^2 + sigma^2 (MCSE from theta's ESS plus the noise).
    const diagnostics::Summary t = diagnostics::summarize(diagnostics::chains_of(d, theta));
    const diagnostics::Summary y = diagnostics::summarize(diagnostics::chains_of(d, P + j));
    const double se = std::sqrt(t.mcse_mean * t.mcse_mean + sigma[j] * sigma[j] / n);
    EXPECT_LE(std::fabs(y.mean - t.mean), 5 * se) << "school " << j + 1 << ": y_rep mean " << y.mean << ", theta mean "
                                                  << t.mean << ", 5 SE " << 5 * se;
    const double sd_expected = std::sqrt(t.sd * t.sd + sigma[j] * sigma[j]);
    const double se_sd = std::sqrt(t.mcse_sd * t.mcse_sd * (t.sd / sd_expected) * (t.sd / sd_expected) +
                                   sd_expected * sd_expected / (2 * n));
    EXPECT_LE(std::fabs(y.sd - sd_expected), 5 * se_sd) << "school " << j + 1 << ": y_rep sd " << y.sd << ", expected "
                                                        << sd_expected << ", 5 SE " << 5 * se_sd;
  }
  // The p-values: T(y_rep) >= T(y) counted over every draw, by hand.
  const std::vector<cli::PpcStatistic> ppc = cli::posterior_predictive_p_values(d);
  ASSERT_EQ(ppc.size(), 4u);
  long above_max = 0;
  for (int c = 0; c < d.n_chains; ++c)
    for (int k = 0; k < d.n_draws; ++k) {
      double mx = -1e300;
      for (int j = 0; j < 8; ++j) mx = std::max(mx, d.series(P + j, c)[k]);
      above_max += mx >= 28;  // max y = 28
    }
  EXPECT_EQ(ppc[3].name, "max");
  EXPECT_EQ(ppc[3].observed, 28);
  EXPECT_DOUBLE_EQ(ppc[3].p_value, above_max / n);
  for (const auto& p : ppc) EXPECT_TRUE(p.p_value > 0.01 && p.p_value < 0.99) << p.name << ": " << p.p_value;
}

// --newdata: a known level predicts from its fitted effect, E y_rep = E exp(eta) over the draws;
// a new level draws its effect from the fitted scale, E y_rep = E exp(b0 + b1 x + sd^2 / 2) (the
// lognormal mean), Var y_rep = E[m + m^2 (e^{sd^2} - 1)] given each draw: both within 5 SE.
TEST(Predict, NewdataKnownAndNewLevelsAgainstTheDraws) {
  auto data = load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/glmm/counts_sim.csv");
  ModelArgs args("glmm",
                 {{"formula", "count ~ 1 + x + (1 | g)"}, {"family", "poisson"},
                  {"prior", "Intercept ~ normal(0, 1)\nb ~ normal(0, 0.5)\nsd ~ half_normal(0, 0.5)"}},
                 data.get());
  const std::unique_ptr<AnyModel> model = load_model("glmm", args);
  const std::string dir = scratch_dir("predict_newdata");
  {
    std::ofstream(dir + "/new.csv") << "x,g\n0.5,g1\n-1,g9\n0.5,g9\n";
  }
  auto rows_src = load_data_file(dir + "/new.csv");
  const std::unique_ptr<AnyModel> rows = model->with_newdata(*rows_src);
  // The new level is announced (the commands print the notes on stderr).
  EXPECT_EQ(rows->notes(), (std::vector<std::string>{"glmm --newdata: 1 new level of 'g' (g9): its varying effects are "
                                                     "drawn from the fitted scale for every draw"}));
  RunSettings s;
  s.chains = 4;
  s.warmup = 500;
  s.draws = 1000;
  s.seed = 23;
  DrawSet d;
  RunInfo info;
  model->run("nuts", s, AlgorithmOptions{}, d, info, nullptr);
  const int P = d.n_parameters();
  cli::add_posterior_predictive(*model, s.seed, d, rows.get());
  ASSERT_EQ(d.n_predictive, 3);
  // The new rows do not take theta's `school` dimension (new school 1 is not fitted school 1).
  for (const auto& dim : d.dims) {
    if (dim.first == "theta") EXPECT_EQ(dim.second, std::vector<std::string>{"school"});
    EXPECT_NE(dim.first, "y") << "y's rows would be named " << dim.second[0];
  }
  EXPECT_TRUE(d.observed.empty());
  EXPECT_TRUE(cli::posterior_predictive_p_values(d).empty());
  const int b0 = d.param_index("b_Intercept"), b1 = d.param_index("b_x"), sd = d.param_index("sd_g__Intercept"),
            r1 = d.param_index("r_g[g1,Intercept]");
  ASSERT_TRUE(b0 >= 0 && b1 >= 0 && sd >= 0 && r1 >= 0);
  const double xs[3] = {0.5, -1, 0.5};
  const double n = static_cast<double>(d.n_chains) * d.n_draws;
  for (int row = 0; row < 3; ++row) {
    double rep = 0, expect = 0, var = 0;
    for (int c = 0; c < d.n_chains; ++c)
      for (int k = 0; k < d.n_draws; ++k) {
        const double eta = d.series(b0, c)[k] + xs[row] * d.series(b1, c)[k];
        const double s2 = d.series(sd, c)[k] * d.series(sd, c)[k];
        double m, v;
        if (row == 0) {
          m = std::exp(eta + d.series(r1, c)[k]);
          v = m;
        } else {
          m = std::exp(eta + s2 / 2);
          v = m + m * m * std::expm1(s2);
        }
        rep += d.series(P + row, c)[k];
        expect += m;
        var += v;
      }
    const double se = std::sqrt(var / n / n);
    EXPECT_LE(std::fabs(rep / n - expect / n), 5 * se)
        << "new row " << row + 1 << ": y_rep mean " << rep / n << ", expected " << expect / n << ", 5 SE " << 5 * se;
  }
}

// A gaussian glmm, --newdata rows of a fitted county and of a new one: given each draw,
// (y_rep - b0 - r_1) / sigma for the fitted row and (y_rep - b0) / sqrt(sigma^2 + sd^2) for the
// new one are independent standard normals. The new level's effect once took the same Philox
// numbers as a row's noise (a counter of 2^31 doubled into 32 bits wrapped onto row 0's):
// variance (sigma + sd)^2 / (sigma^2 + sd^2) ~ 1.7 for the new row, and the two rows correlated.
TEST(Predict, NewLevelEffectsAreIndependentOfEveryRowsNoise) {
  auto data = load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/data/radon_mn.csv");
  ModelArgs args("glmm", {{"formula", "log_radon ~ 1 + (1 | county)"}}, data.get());
  const std::unique_ptr<AnyModel> model = load_model("glmm", args);
  const std::string dir = scratch_dir("predict_new_level_noise");
  {
    std::ofstream(dir + "/new.csv") << "county\n1\n999\n";
  }
  auto rows_src = load_data_file(dir + "/new.csv");
  const std::unique_ptr<AnyModel> rows = model->with_newdata(*rows_src);
  RunSettings s;
  s.chains = 4;
  s.warmup = 300;
  s.draws = 1000;
  s.seed = 5;
  DrawSet d;
  RunInfo info;
  model->run("nuts", s, AlgorithmOptions{}, d, info, nullptr);
  const int P = d.n_parameters();
  cli::add_posterior_predictive(*model, s.seed, d, rows.get());
  ASSERT_EQ(d.n_predictive, 2);
  const int b0 = d.param_index("b_Intercept"), sd = d.param_index("sd_county__Intercept"),
            sigma = d.param_index("sigma"), r1 = d.param_index("r_county[1,Intercept]");
  ASSERT_TRUE(b0 >= 0 && sd >= 0 && sigma >= 0 && r1 >= 0);
  double n = 0, v_fit = 0, v_new = 0, cross = 0;
  for (int c = 0; c < d.n_chains; ++c)
    for (int k = 0; k < d.n_draws; ++k) {
      const double s_sigma = d.series(sigma, c)[k], s_sd = d.series(sd, c)[k];
      const double fit = (d.series(P, c)[k] - d.series(b0, c)[k] - d.series(r1, c)[k]) / s_sigma;
      const double fresh = (d.series(P + 1, c)[k] - d.series(b0, c)[k]) / std::sqrt(s_sigma * s_sigma + s_sd * s_sd);
      n += 1;
      v_fit += fit * fit;
      v_new += fresh * fresh;
      cross += fit * fresh;
    }
  // Independent standard normals: E z^2 = 1 (SE sqrt(2 / n)), E z1 z2 = 0 (SE 1 / sqrt(n)).
  const double se_var = std::sqrt(2 / n), se_cross = 1 / std::sqrt(n);
  EXPECT_NEAR(v_fit / n, 1.0, 5 * se_var) << "fitted county's standardized y_rep";
  EXPECT_NEAR(v_new / n, 1.0, 5 * se_var) << "new county's standardized y_rep";
  EXPECT_NEAR(cross / n, 0.0, 5 * se_cross) << "the two rows' noises are correlated";
}

TEST(Predict, NetcdfLoadsInArvizAndPlotPpcDrawsIt) {
  const std::string dir = scratch_dir("predict_nc");
  const auto r = run_lockstep("sample eight_schools_noncentered --data data/eight_schools.json --chains 4 --warmup 200 "
                              "--draws 100 --seed 3 --quiet --predict --save-warmup --output " + dir + "/es.nc",
                              dir);
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* part : {"Posterior predictive checks: y (8 values) against 4 x 100 replications y_rep[1..8]",
                           "  mean ", "  sd ", "  min ", "  max "})
    EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
  EXPECT_EQ(r.out.find("y_rep[1] "), std::string::npos) << "y_rep is not in the summary table\n" << r.out;
  // The ArviZ half needs python3 with arviz, netCDF4 and matplotlib (scripts/install_deps.sh);
  // LOCKSTEP_ALLOW_NO_ARVIZ=1 skips it on purpose on a machine without them (a GPU box with no
  // network), as tests/io/arviz_roundtrip_test.cpp does.
  if (std::system("python3 -c 'import arviz, netCDF4, matplotlib' > /dev/null 2>&1") != 0) {
    const char* allow = std::getenv("LOCKSTEP_ALLOW_NO_ARVIZ");
    if (allow != nullptr && std::string(allow) == "1")
      GTEST_SKIP() << "LOCKSTEP_ALLOW_NO_ARVIZ=1 and python3 cannot import arviz, netCDF4, matplotlib";
  }
  const std::string cmd = "python3 '" + std::string(LOCKSTEP_SOURCE_DIR) + "/scripts/check_ppc_load.py' '" + dir +
                          "/es.nc' y 8 '" + dir + "/ppc.png' > '" + dir + "/check.txt' 2>&1";
  const int status = std::system(cmd.c_str());
  EXPECT_EQ(status, 0) << testing::read_file(dir + "/check.txt");
  EXPECT_TRUE(std::filesystem::exists(dir + "/ppc.png"));
}

TEST(Predict, StanCsvColumnsAndPoissonCounts) {
  const std::string dir = scratch_dir("predict_csv");
  const auto r = run_lockstep("sample glmm --data tests/fixtures/glmm/counts_sim.csv --formula 'count ~ 1 + x + (1 | g)' "
                              "--family poisson --prior 'b ~ normal(0, 1)' --prior 'sd ~ half_normal(0, 1)' "
                              "--chains 2 --warmup 200 --draws 50 --seed 4 --quiet --predict --output " + dir + "/p.csv",
                              dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Posterior predictive checks: count (60 values)"), std::string::npos) << r.out;
  std::ifstream in(dir + "/p_1.csv");
  std::string line, header;
  std::vector<std::string> rows;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header.empty())
      header = line;
    else
      rows.push_back(line);
  }
  const std::size_t first = header.find("y_rep.1,");
  ASSERT_NE(first, std::string::npos) << header;
  EXPECT_NE(header.find(",y_rep.60"), std::string::npos);
  EXPECT_EQ(header.find("y_rep.61"), std::string::npos);
  ASSERT_EQ(rows.size(), 50u);
  int column = 0;
  for (std::size_t i = 0; i < first; ++i) column += header[i] == ',';
  for (const std::string& row : rows) {
    std::stringstream ss(row);
    std::string cell;
    for (int c = 0; std::getline(ss, cell, ','); ++c)
      if (c >= column) {
        const double v = std::stod(cell);
        EXPECT_TRUE(v >= 0 && v == std::floor(v)) << "y_rep is a count: " << cell;
      }
  }
}

// Eight Schools --newdata: a new school's y_rep = mu + tau z1 + sigma z2, so
// (y_rep - mu) / sqrt(tau^2 + sigma^2) is standard normal at every draw; a fitted school measured
// again (school = j) gives y_rep = theta_j + sigma z, (y_rep - theta_j) / sigma standard normal.
TEST(Predict, EightSchoolsNewAndFittedSchoolsAgainstTheDraws) {
  auto data = load_json_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/eight_schools.json");
  ModelArgs args("eight_schools_noncentered", {}, data.get());
  const std::unique_ptr<AnyModel> model = load_model("eight_schools_noncentered", args);
  const std::string dir = scratch_dir("predict_es_newdata");
  std::ofstream(dir + "/new.json") << R"({"J": 3, "sigma": [10, 5, 20], "school": [0, 2, 0], "y": [5, 3, -2]})";
  auto rows_src = load_json_data(dir + "/new.json");
  const std::unique_ptr<AnyModel> rows = model->with_newdata(*rows_src);
  RunSettings s;
  s.chains = 8;
  s.warmup = 300;
  s.draws = 500;
  s.seed = 23;
  DrawSet d;
  RunInfo info;
  model->run("nuts", s, AlgorithmOptions{}, d, info, nullptr);
  const int P = d.n_parameters();
  cli::add_posterior_predictive(*model, s.seed, d, rows.get());
  ASSERT_EQ(d.n_predictive, 3);
  // The new rows do not take theta's `school` dimension (new school 1 is not fitted school 1).
  for (const auto& dim : d.dims) {
    if (dim.first == "theta") EXPECT_EQ(dim.second, std::vector<std::string>{"school"});
    EXPECT_NE(dim.first, "y") << "y's rows would be named " << dim.second[0];
  }
  EXPECT_EQ(d.names[P], "y_rep[1]");
  EXPECT_EQ(d.observed, (std::vector<double>{5, 3, -2}));
  const int mu = d.param_index("mu"), tau = d.param_index("tau"), theta2 = d.param_index("theta[2]");
  const double sigma[3] = {10, 5, 20};
  const double n = static_cast<double>(d.n_chains) * d.n_draws;
  for (int k = 0; k < 3; ++k) {
    double sz = 0, szz = 0;
    for (int c = 0; c < d.n_chains; ++c)
      for (int i = 0; i < d.n_draws; ++i) {
        const double y = d.series(P + k, c)[i];
        const double z = k == 1 ? (y - d.series(theta2, c)[i]) / sigma[k]
                                : (y - d.series(mu, c)[i]) /
                                      std::sqrt(d.series(tau, c)[i] * d.series(tau, c)[i] + sigma[k] * sigma[k]);
        sz += z;
        szz += z * z;
      }
    expect_standard_normal(sz, szz, n, "new row " + std::to_string(k + 1));
  }
  EXPECT_EQ(cli::posterior_predictive_p_values(d).size(), 4u);
  // Without school and y: every row a new school, no observed data (no p-values).
  std::ofstream(dir + "/bare.json") << R"({"J": 2, "sigma": [10, 10]})";
  auto bare_src = load_json_data(dir + "/bare.json");
  const std::unique_ptr<AnyModel> bare = model->with_newdata(*bare_src);
  EXPECT_EQ(bare->generated_names(), (std::vector<std::string>{"y_rep[1]", "y_rep[2]"}));
  EXPECT_TRUE(bare->observed().empty());
}

// abc, smc-abc and npe --predict: normal_mean's y_rep_n = mu + sigma z_n for every written draw
// of mu, so z = (y_rep_n - mu) / sigma (sigma = 1 in data/normal_mean.json) must be standard
// normal draws over all draws and n, whatever the posterior the algorithm approximated.
TEST(Predict, AbcSmcAbcAndNpeDrawYRepFromTheirDraws) {
  const std::string dir = scratch_dir("predict_sbi");
  const std::vector<std::string> commands = {
      "abc normal_mean --data data/normal_mean.json --sims 20000 --keep 400 --seed 3",
      "smc-abc normal_mean --data data/normal_mean.json --sims 20000 --particles 400 --seed 4",
      "npe normal_mean --data data/normal_mean.json --sims 2000 --draws 400 --hidden 16 --components 2 "
      "--max-epochs 20 --patience 5 --seed 5"};
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const std::string out = dir + "/run" + std::to_string(i) + ".csv";
    const auto r = run_lockstep(commands[i] + " --threads 1 --predict --output " + out, dir);
    ASSERT_EQ(r.status, 0) << commands[i] << "\n" << r.err;
    EXPECT_NE(r.out.find("Posterior predictive checks: y (2 values)"), std::string::npos) << commands[i] << "\n" << r.out;
    const std::string file = dir + "/run" + std::to_string(i) + "_1.csv";
    const DrawSet d = io::read_stan_csv({file}, nullptr);
    const int mu = d.param_index("mu"), y1 = d.param_index("y_rep[1]"), y2 = d.param_index("y_rep[2]");
    ASSERT_TRUE(mu >= 0 && y1 >= 0 && y2 >= 0) << commands[i];
    double sz = 0, szz = 0, n = 0;
    for (int k = 0; k < d.n_draws; ++k)
      for (int y : {y1, y2}) {
        const double z = d.series(y, 0)[k] - d.series(mu, 0)[k];
        sz += z;
        szz += z * z;
        n += 1;
      }
    ASSERT_GE(n, 800) << commands[i];
    expect_standard_normal(sz, szz, n, commands[i]);
  }
}

// --newdata on every command with --predict (vi, abc, npe as sample): Eight Schools' fitted
// school 1 measured again with sigma 10 and a new school with sigma 12. For every written draw,
// (y_rep_1 - theta_1) / 10 must be standard normal, and y_rep_2's mean that of mu (a new school
// is drawn around mu): checked loosely, as z of (y_rep_2 - mu) / sqrt(tau^2 + 144).
TEST(Predict, NewdataOnViAbcAndNpe) {
  const std::string dir = scratch_dir("predict_newdata_commands");
  const std::string rows = dir + "/rows.json";
  std::ofstream(rows) << R"({"J": 2, "sigma": [10, 12], "school": [1, 0]})";
  const std::string es = "eight_schools_noncentered --data data/eight_schools.json --threads 1 --seed 2 ";
  const std::vector<std::string> commands = {
      "vi " + es + "--steps 2000 --draws 1000", "abc " + es + "--sims 50000 --keep 1000",
      "npe " + es + "--sims 4000 --draws 1000 --hidden 16 --components 2 --max-epochs 20 --patience 5"};
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const std::string out = dir + "/run" + std::to_string(i) + ".csv";
    const auto r = run_lockstep(commands[i] + " --predict --newdata " + rows + " --output " + out, dir);
    ASSERT_EQ(r.status, 0) << commands[i] << "\n" << r.err;
    EXPECT_NE(r.out.find("replications y_rep[1..2] of new rows"), std::string::npos) << commands[i] << "\n" << r.out;
    const DrawSet d = io::read_stan_csv({dir + "/run" + std::to_string(i) + "_1.csv"}, nullptr);
    const int mu = d.param_index("mu"), tau = d.param_index("tau"), theta1 = d.param_index("theta[1]");
    const int y1 = d.param_index("y_rep[1]"), y2 = d.param_index("y_rep[2]");
    ASSERT_TRUE(mu >= 0 && tau >= 0 && theta1 >= 0 && y1 >= 0 && y2 >= 0) << commands[i];
    double s1 = 0, ss1 = 0, s2 = 0, ss2 = 0;
    const double n = d.n_draws;
    for (int k = 0; k < d.n_draws; ++k) {
      const double z1 = (d.series(y1, 0)[k] - d.series(theta1, 0)[k]) / 10;
      const double t = d.series(tau, 0)[k];
      const double z2 = (d.series(y2, 0)[k] - d.series(mu, 0)[k]) / std::sqrt(t * t + 144);
      s1 += z1, ss1 += z1 * z1, s2 += z2, ss2 += z2 * z2;
    }
    ASSERT_GE(n, 1000) << commands[i];
    expect_standard_normal(s1, ss1, n, commands[i] + ": fitted school 1");
    expect_standard_normal(s2, ss2, n, commands[i] + ": new school");
  }
}

TEST(Predict, BadInputIsOneLineExitTwoNothingWritten) {
  const std::string dir = scratch_dir("predict_bad");
  const std::string out_dir = dir + "/out";
  std::filesystem::create_directories(out_dir);
  // MemAvailable decides what fits: the draws of the run fit, y_rep (10x more) does not.
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kb = 0, available = 0;
  while (meminfo >> key >> kb) {
    if (key == "MemAvailable:") available = kb * 1024;
    meminfo.ignore(256, '\n');
  }
  ASSERT_GT(available, 0);
  const long draws = static_cast<long>(available / 2000 / 64);
  const std::string newdata = dir + "/new.csv";
  std::ofstream(newdata) << "f,grp\nz,east\na,north\n";
  const std::string header_only = dir + "/header_only.csv";
  std::ofstream(header_only) << "count,f,grp\n";
  const std::string bad_schools = dir + "/schools.json";
  std::ofstream(bad_schools) << R"({"J": 2, "sigma": [10, 10], "school": [1, 9]})";
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"std_normal --set dim=3 --predict",
       "--predict: model 'std_normal' has no generated_quantities"},
      {"eight_schools_noncentered --data data/eight_schools.json --newdata data/eight_schools.json",
       "--newdata: give --predict too"},
      {"peak --data data/peak.csv --predict --newdata data/peak.csv", "--newdata: model 'peak' cannot predict new rows"},
      {"eight_schools_noncentered --data data/eight_schools.json --predict --newdata " + bad_schools,
       bad_schools + ": field 'school': value 2 is 9, must be 0 (a new school) or a fitted school 1..8"},
      {"glmm --data tests/fixtures/glmm/counts_data.csv --formula 'count ~ f + (1 | grp)' --family poisson --predict "
       "--newdata " + newdata,
       newdata + ": --newdata: the fixed-effect columns differ from the fit's (a factor level the fit has not seen?): "
       "fit Intercept, fa, fc; with the new rows Intercept, fa, fc, fz"},
      {"glmm --data tests/fixtures/glmm/counts_data.csv --formula 'count ~ x + (1 | grp)' --family poisson --predict "
       "--newdata " + newdata,
       newdata + ": --newdata: no column 'x' (the formula needs it)"},
      {"glmm --data tests/fixtures/glmm/counts_data.csv --formula 'count ~ f + (1 | grp)' --family poisson --predict "
       "--newdata " + header_only,
       header_only + ": --newdata: no rows to predict"},
      {"glmm --data data/radon_mn.csv --formula 'log_radon ~ floor + (1 | county)' --predict --chains 64 --draws " +
           std::to_string(draws),
       "--predict: y_rep (919 values x 64 chains x " + std::to_string(draws) + " draws) needs about"},
  };
  for (const Case& c : cases) {
    const auto r = run_lockstep("sample " + c.args + " --quiet --output " + out_dir + "/o.csv", dir);
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("lockstep: error: " + c.message, 0), 0u) << c.args << "\n" << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << c.args;
    EXPECT_TRUE(std::filesystem::is_empty(out_dir)) << c.args << ": something was written";
  }
}

}  // namespace
}  // namespace lockstep
