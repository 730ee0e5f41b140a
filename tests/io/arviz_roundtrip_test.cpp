// Our Stan CSV and netCDF files as the Python tools see them: a small run is written in both
// formats and scripts/check_arviz_load.py loads them with arviz.from_cmdstan,
// arviz.from_netcdf (and cmdstanpy.from_csv if installed) and compares every value with
// what was written.
//
// python3 must be able to import arviz (and netCDF4): scripts/install_deps.sh installs them
// and fails if it cannot, so where they are missing the test FAILS rather than skipping — a
// skip would let the suite pass without the round trip ever running. To run the suite on a
// machine without ArviZ on purpose, set LOCKSTEP_ALLOW_NO_ARVIZ=1: the test is then skipped
// (with the reason) instead, and install_deps.sh only warns when it cannot install them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "host/io/netcdf_writer.hpp"
#include "host/io/stan_csv_writer.hpp"
#include "tests/temp_dir.hpp"

namespace fs = std::filesystem;
using lockstep::DrawSet;
using lockstep::RunInfo;

using lockstep::testing::TempDir;

namespace {

/// Runs a shell command; returns its exit status and appends its output to *out.
int run(const std::string& cmd, std::string* out) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// The expected content of one variable: shape (chain, draw, extents...) and C-order values.
nlohmann::json variable(const DrawSet& d, const std::vector<std::vector<int>>& members,
                        const std::vector<int>& extents, bool stat, int d0, int nd) {
  std::size_t k_total = 1;
  for (int e : extents) k_total *= static_cast<std::size_t>(e);
  std::vector<double> v(static_cast<std::size_t>(d.n_chains) * nd * k_total, NAN);
  for (std::size_t m = 0; m < members.size(); ++m) {
    // members[m] = {quantity index, 0-based flat index within the extents}
    const int q = members[m][0];
    const std::size_t k = static_cast<std::size_t>(members[m][1]);
    for (int c = 0; c < d.n_chains; ++c)
      for (int i = 0; i < nd; ++i)
        v[(static_cast<std::size_t>(c) * nd + i) * k_total + k] = (stat ? d.stat_series(q, c) : d.series(q, c))[d0 + i];
  }
  nlohmann::json shape = {d.n_chains, nd};
  for (int e : extents) shape.push_back(e);
  return {{"shape", shape}, {"values", v}};
}

}  // namespace

TEST(ArvizRoundTrip, FromCmdstanAndFromNetcdfSeeWhatWasWritten) {
  std::string probe;
  if (run("python3 -c 'import arviz, netCDF4'", &probe) != 0) {
    const char* allow = std::getenv("LOCKSTEP_ALLOW_NO_ARVIZ");
    if (allow != nullptr && std::string(allow) == "1")
      GTEST_SKIP() << "LOCKSTEP_ALLOW_NO_ARVIZ=1 and python3 cannot import arviz, netCDF4: " << probe;
    FAIL() << "python3 cannot import arviz and netCDF4 (run scripts/install_deps.sh, or set "
              "LOCKSTEP_ALLOW_NO_ARVIZ=1 to skip this test on purpose):\n"
           << probe;
  }

  TempDir dir("run");
  const int C = 3, W = 4, D = 5;
  DrawSet d;
  // Stan's column-major order for L, to check that both loaders place L[i,j] by index.
  d.names = {"mu", "theta[1]", "theta[2]", "theta[3]", "L[1,1]", "L[2,1]", "L[1,2]", "L[2,2]"};
  d.stat_names = {"lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"};
  d.n_warmup_saved = W;
  d.resize(C, W + D);
  std::mt19937_64 rng(99);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> pow10(-6, 6), depth(1, 5);
  for (auto& x : d.values) x = normal(rng) * std::pow(10.0, pow10(rng));
  for (int c = 0; c < C; ++c)
    for (int i = 0; i < W + D; ++i) {
      const int t = depth(rng);
      d.stat_series(0, c)[i] = -8 + normal(rng);
      d.stat_series(1, c)[i] = std::min(1.0, std::fabs(normal(rng)));
      d.stat_series(2, c)[i] = i < W ? 1.0 / (i + 1) : 0.4 + 0.01 * c;
      d.stat_series(3, c)[i] = t;
      d.stat_series(4, c)[i] = (1 << t) - 1;
      d.stat_series(5, c)[i] = (i * 7 + c) % 5 == 0;
      d.stat_series(6, c)[i] = 10 + normal(rng);
    }
  RunInfo info;
  info.model = "arviz_check";
  info.algorithm = "nuts";
  info.stan_engine = "nuts";
  info.seed = 99;
  info.num_warmup = W;
  // Entries named like CmdStan's keys must not shadow them for ArviZ/CmdStanPy.
  info.config = {{"chains", "3"}, {"draws", "5"}, {"metric", "diag"}, {"num_warmup", "999"}, {"max_depth", "8"}};
  for (int c = 0; c < C; ++c) {
    info.step_size.push_back(0.4 + 0.01 * c);
    info.inv_metric.push_back({1.5, 2.5, 0.5});
  }

  const std::string nc = dir / "run.nc";
  lockstep::io::write_inference_data_netcdf(nc, d, info);
  lockstep::io::write_stan_csv(dir / "run.csv", d, info);
  const std::vector<std::string> csv = lockstep::io::stan_csv_paths(dir / "run.csv", C);

  nlohmann::json expect;
  expect["chains"] = C;
  expect["draws"] = D;
  expect["warmup"] = W;
  expect["csv_rtol"] = 5.0001e-8;  // half a unit in the 8th significant digit
  expect["attrs"] = {{"inference_library", "lockstep"}, {"model", "arviz_check"}};
  expect["step_size"] = info.step_size;
  expect["inv_metric"] = info.inv_metric;
  for (int warm = 0; warm < 2; ++warm) {
    const int d0 = warm ? 0 : W, nd = warm ? W : D;
    const std::string prefix = warm ? "warmup_" : "";
    nlohmann::json post, stats;
    post["mu"] = variable(d, {{0, 0}}, {}, false, d0, nd);
    post["theta"] = variable(d, {{1, 0}, {2, 1}, {3, 2}}, {3}, false, d0, nd);
    // L[i,j] at flat (i-1)*2 + (j-1): names L[1,1], L[2,1], L[1,2], L[2,2].
    post["L"] = variable(d, {{4, 0}, {5, 2}, {6, 1}, {7, 3}}, {2, 2}, false, d0, nd);
    const char* names[] = {"lp", "acceptance_rate", "step_size", "tree_depth", "n_steps", "diverging", "energy"};
    for (int s = 0; s < 7; ++s) stats[names[s]] = variable(d, {{s, 0}}, {}, true, d0, nd);
    stats["diverging"]["dtype"] = "bool";
    stats["tree_depth"]["dtype"] = "int";
    stats["n_steps"]["dtype"] = "int";
    expect["groups"][prefix + "posterior"] = post;
    expect["groups"][prefix + "sample_stats"] = stats;
  }
  std::ofstream(dir / "expect.json") << expect.dump();

  std::string cmd = "python3 " + std::string(LOCKSTEP_SOURCE_DIR) + "/scripts/check_arviz_load.py --expect " +
                    dir / "expect.json" + " --netcdf " + nc + " --csv";
  for (const auto& f : csv) cmd += " " + f;
  std::string out;
  const int status = run(cmd, &out);
  EXPECT_EQ(status, 0) << cmd << "\n" << out;
  EXPECT_NE(out.find("all checks passed"), std::string::npos) << out;
}
