// Stan CSV writer and reader: number formatting against C's printf, the file layout,
// write -> read round trips, CmdStan's own output (tests/fixtures/cmdstan) and every
// reader error.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "models/contract/input_error.hpp"
#include "host/io/stan_csv_reader.hpp"
#include "host/io/stan_csv_writer.hpp"
#include "tests/temp_dir.hpp"

namespace fs = std::filesystem;
using lockstep::DrawSet;
using lockstep::InputError;
using lockstep::RunInfo;
using namespace lockstep::io;

using lockstep::testing::TempDir;
using lockstep::testing::read_text;
using lockstep::testing::write_text;

namespace {

const std::string kFixtures = std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/cmdstan/";

std::string printf_g(double x, int p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", p, x);
  return buf;
}
std::string ours_g(double x, int p) {
  char buf[32];
  return std::string(buf, format_general(x, p, buf));
}

/// 3 chains x (2 warmup + 5) draws; parameters mu, theta[1..3], L[i,j] (Stan order) with
/// values spread over many magnitudes; NUTS statistics.
DrawSet make_draws(int chains = 3, int warmup = 2, int draws = 5) {
  DrawSet d;
  d.names = {"mu", "theta[1]", "theta[2]", "theta[3]", "L[1,1]", "L[2,1]", "L[1,2]", "L[2,2]"};
  d.stat_names = {"lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"};
  d.n_warmup_saved = warmup;
  d.resize(chains, warmup + draws);
  std::mt19937_64 rng(20240515);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> depth(1, 6), pow10(-12, 12);
  for (std::size_t i = 0; i < d.values.size(); ++i) d.values[i] = normal(rng) * std::pow(10.0, pow10(rng));
  for (int c = 0; c < chains; ++c)
    for (int i = 0; i < d.n_draws; ++i) {
      const int t = depth(rng);
      d.stat_series(0, c)[i] = -10 + normal(rng);
      d.stat_series(1, c)[i] = std::min(1.0, std::fabs(normal(rng)));
      d.stat_series(2, c)[i] = 0.25 + 0.01 * c;
      d.stat_series(3, c)[i] = t;
      d.stat_series(4, c)[i] = (1 << t) - 1;
      d.stat_series(5, c)[i] = (i + c) % 4 == 3 ? 1 : 0;
      d.stat_series(6, c)[i] = 12 + normal(rng);
    }
  return d;
}

RunInfo make_info(int chains = 3) {
  RunInfo info;
  info.model = "eight_schools";
  info.algorithm = "nuts";
  info.stan_engine = "nuts";
  info.data_file = "data/eight_schools.json";
  info.seed = 18446744073709551557ull;  // beyond int64: written unsigned
  info.num_warmup = 2;
  info.thin = 1;
  info.config = {{"chains", std::to_string(chains)}, {"target_accept", "0.8"}, {"metric", "diag"}};
  for (int c = 0; c < chains; ++c) {
    info.step_size.push_back(0.25 + 0.01 * c + 1.0 / 3.0 * 1e-7);
    info.inv_metric.push_back({1.0 + c, 2.0 / 3.0, 1e-9 * (c + 1)});
  }
  info.warmup_seconds = 1.25;
  info.sampling_seconds = 3.5;
  info.gradient_evaluations = 123456789012ull;
  info.divergences = 0;
  return info;
}

/// The nearest double to x rounded to p significant digits: what a reader of p digits gets.
double rounded(double x, int p) { return std::stod(printf_g(x, p)); }

}  // namespace

// ---- number formatting ------------------------------------------------------------------

TEST(StanCsvFormat, MatchesPrintfOnRandomValuesAllMagnitudesAndPrecisions) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> mant(1.0, 10.0);
  std::uniform_int_distribution<int> exp10(-40, 40), prec(1, 17);
  std::uniform_int_distribution<std::uint64_t> bits;
  int mismatches = 0;
  for (int i = 0; i < 400000 && mismatches < 5; ++i) {
    double x;
    if (i % 4 == 3) {  // arbitrary finite bit patterns (subnormals, 1e+308, ...)
      const std::uint64_t b = bits(rng);
      std::memcpy(&x, &b, sizeof x);
      if (!std::isfinite(x)) continue;
    } else {
      x = mant(rng) * std::pow(10.0, exp10(rng)) * (i % 2 ? -1 : 1);
    }
    const int p = prec(rng);
    const std::string want = printf_g(x, p), got = ours_g(x, p);
    if (want != got) {
      ++mismatches;
      ADD_FAILURE() << "x = " << printf_g(x, 21) << " precision " << p << ": printf '" << want
                    << "', format_general '" << got << "'";
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(StanCsvFormat, MatchesPrintfAtTiesAndBoundaries) {
  // Exact decimal ties (round half to even in C), values next to a power of ten, integers.
  std::vector<double> xs = {0.5, 1.5, 2.5, 1234567.25, 12345678.5, 12345677.5, 0.125, 9.5, 99999999.5,
                            999999995.0, 0.999999995, 9.9999999499999, 1e-5, 9.99999996e-5, 1e-4, 1e15,
                            1e16, 1e22, 1e23, 123456789, 3, 7, 15, 1023, 4294967295.0, 1e-300, 5e-324,
                            2.2250738585072014e-308, 1.7976931348623157e308, 0.1, 0.3, 2.0 / 3.0, 100, 1e7,
                            1e8, 12345678, 123456785, 0.000123456785};
  std::vector<double> more;
  for (double x : xs) {
    more.push_back(std::nextafter(x, 0.0));
    more.push_back(std::nextafter(x, 1e308));
  }
  xs.insert(xs.end(), more.begin(), more.end());
  for (double x : xs)
    for (int p = 1; p <= 17; ++p) {
      EXPECT_EQ(ours_g(x, p), printf_g(x, p)) << "x = " << printf_g(x, 21) << " precision " << p;
      EXPECT_EQ(ours_g(-x, p), printf_g(-x, p)) << "x = " << printf_g(-x, 21) << " precision " << p;
    }
}

TEST(StanCsvFormat, NonFiniteAndZero) {
  char buf[32];
  auto g = [&](double x) { return std::string(buf, format_general(x, 8, buf)); };
  EXPECT_EQ(g(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(g(-std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(g(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(g(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(g(0.0), "0");
  EXPECT_EQ(g(-0.0), "-0");
}

// ---- names and paths -----------------------------------------------------------------

TEST(StanCsvNames, StanSpellingBothWays) {
  EXPECT_EQ(stan_csv_column_name("mu"), "mu");
  EXPECT_EQ(stan_csv_column_name("theta[1]"), "theta.1");
  EXPECT_EQ(stan_csv_column_name("theta[2,3]"), "theta.2.3");
  EXPECT_EQ(stan_csv_column_name("theta[2, 3]"), "theta.2.3");
  EXPECT_EQ(from_stan_csv_column_name("theta.1"), "theta[1]");
  EXPECT_EQ(from_stan_csv_column_name("theta.2.3"), "theta[2,3]");
  EXPECT_EQ(from_stan_csv_column_name("mu"), "mu");
  EXPECT_EQ(from_stan_csv_column_name("a.b"), "a.b");
  EXPECT_EQ(from_stan_csv_column_name("a.1."), "a.1.");
}

TEST(StanCsvNames, PerChainPaths) {
  EXPECT_EQ(stan_csv_paths("dir/out.csv", 3), (std::vector<std::string>{"dir/out_1.csv", "dir/out_2.csv", "dir/out_3.csv"}));
  EXPECT_EQ(stan_csv_paths("out", 1), (std::vector<std::string>{"out_1.csv"}));
}

// ---- writer layout --------------------------------------------------------------------

/// Draws of `lockstep vi` say CmdStan's `method = variational` with its keys (CmdStanPy and
/// ArviZ take the method from this section), not `method = sample`.
TEST(StanCsvWriter, VariationalDrawsNameCmdStansVariationalMethod) {
  TempDir dir("vi");
  DrawSet d = make_draws(1, 0, 4);
  RunInfo info = make_info(1);
  info.algorithm = "vi";
  info.num_warmup = 0;
  info.step_size.clear();
  info.inv_metric.clear();
  info.stan_engine.clear();
  info.config = {{"algorithm", "vi"}, {"approx", "fullrank"}, {"samples", "2"}, {"steps", "3000"},
                 {"learning_rate", "0.05"}, {"eval_every", "50"}, {"elbo_samples", "200"}, {"tol_rel_obj", "0"}};
  write_stan_csv(dir / "vi.csv", d, info);
  const std::string text = read_text(dir / "vi_1.csv");
  for (const char* l : {"# method = variational\n", "#   variational\n", "#     algorithm = fullrank\n",
                        "#       fullrank\n", "#     iter = 3000\n", "#     grad_samples = 2\n",
                        "#     elbo_samples = 200\n", "#     eta = 0.05\n", "#       engaged = 0\n",
                        "#     tol_rel_obj = 0\n", "#     eval_elbo = 50\n", "#     output_samples = 4\n"})
    EXPECT_NE(text.find(l), std::string::npos) << "missing line: " << l << text;
  EXPECT_EQ(text.find("method = sample"), std::string::npos) << text;
  EXPECT_EQ(text.find("num_warmup"), std::string::npos) << text;
}

TEST(StanCsvWriter, FileLayoutIsCmdStans) {
  TempDir dir("layout");
  DrawSet d = make_draws(2, 2, 3);
  RunInfo info = make_info(2);
  write_stan_csv(dir / "out.csv", d, info);
  ASSERT_TRUE(fs::exists(dir / "out_1.csv"));
  ASSERT_TRUE(fs::exists(dir / "out_2.csv"));
  EXPECT_FALSE(fs::exists(dir / "out.csv"));
  const std::string text = read_text(dir / "out_2.csv");
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);

  auto find = [&](const std::string& l) {
    for (std::size_t i = 0; i < lines.size(); ++i)
      if (lines[i] == l) return static_cast<int>(i);
    return -1;
  };
  for (const char* l : {"# model = eight_schools", "# method = sample (Default)", "#   sample", "#     num_samples = 3",
                        "#     num_warmup = 2", "#     save_warmup = true", "#     thin = 1", "#     algorithm = hmc",
                        "#         engine = nuts", "#             max_depth = 10", "#         metric = diag_e", "# id = 2",
                        "#   file = data/eight_schools.json", "#   seed = 18446744073709551557", "#   file = out_2.csv",
                        "#   gradient_evaluations = 123456789012", "#     target_accept = 0.8",
                        "#     chains = 2"})
    EXPECT_GE(find(l), 0) << "missing line: " << l;
  const int header = find("lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,"
                          "mu,theta.1,theta.2,theta.3,L.1.1,L.2.1,L.1.2,L.2.2");
  ASSERT_GE(header, 0) << text;
  for (int i = 0; i < header; ++i) EXPECT_EQ(lines[i][0], '#') << "line " << i + 1;
  // Two warmup rows, then the adaptation block, then three draws, then the timing footer.
  const int adapt = find("# Adaptation terminated");
  EXPECT_EQ(adapt, header + 3);
  EXPECT_EQ(lines[adapt + 1], "# Step size = " + printf_g(info.step_size[1], 8));
  EXPECT_EQ(lines[adapt + 2], "# Diagonal elements of inverse mass matrix:");
  EXPECT_EQ(lines[adapt + 3], "# 2, 0.66666667, 2e-09");
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(adapt + 4 + 3 + 5));
  EXPECT_EQ(lines[adapt + 7], "# ");
  EXPECT_EQ(lines[adapt + 8], "#  Elapsed Time: 1.25 seconds (Warm-up)");
  EXPECT_EQ(lines[adapt + 9], "#                3.5 seconds (Sampling)");
  EXPECT_EQ(lines[adapt + 10], "#                4.75 seconds (Total)");
  // A data row: statistics then parameters, %.8g each.
  std::string row;
  for (std::size_t s = 0; s < d.stat_names.size(); ++s) row += printf_g(d.stat_series(s, 1)[3], 8) + ",";
  for (std::size_t p = 0; p < d.names.size(); ++p) row += printf_g(d.series(p, 1)[3], 8) + ",";
  row.pop_back();
  EXPECT_EQ(lines[adapt + 5], row);
}

TEST(StanCsvWriter, NoAdaptationBlockWithoutStepSize) {
  TempDir dir("noadapt");
  DrawSet d = make_draws(1, 0, 4);
  RunInfo info = make_info(1);
  info.step_size.clear();
  info.inv_metric.clear();
  write_stan_csv(dir / "run.csv", d, info);
  const std::string text = read_text(dir / "run_1.csv");
  EXPECT_EQ(text.find("Adaptation terminated"), std::string::npos);
  EXPECT_NE(text.find("#       engaged = false"), std::string::npos);
  EXPECT_NE(text.find("#         metric = unit_e"), std::string::npos);
}

TEST(StanCsvWriter, NumSamplesIsTheIterationsThatRan) {
  // CmdStan's num_samples counts sampling iterations before thinning: --draws 10 --thin 3 keeps
  // ceil(10 / 3) = 4 rows and says 10, not 12. A DrawSet that is not the whole run (the draws
  // so far of an interrupted one) says saved x thin, as before.
  TempDir dir("num_samples");
  DrawSet d = make_draws(1, 0, 4);
  auto header_of = [&](int num_samples) {
    RunInfo info = make_info(1);
    info.num_warmup = 0;
    info.thin = 3;
    info.num_samples = num_samples;
    write_stan_csv(dir / "t.csv", d, info);
    std::istringstream in(read_text(dir / "t_1.csv"));
    for (std::string l; std::getline(in, l);)
      if (l.rfind("#     num_samples = ", 0) == 0) return l.substr(20);
    return std::string("(none)");
  };
  EXPECT_EQ(header_of(10), "10");
  EXPECT_EQ(header_of(12), "12");
  EXPECT_EQ(header_of(11), "11");
  EXPECT_EQ(header_of(20), "12") << "7 rows would be the whole run: these 4 are not";
  EXPECT_EQ(header_of(0), "12") << "unknown";
  // and the reader takes 10 with thin 3 as complete (4 rows)
  RunInfo info = make_info(1);
  info.num_warmup = 0;
  info.thin = 3;
  info.num_samples = 10;
  write_stan_csv(dir / "t.csv", d, info);
  EXPECT_EQ(read_stan_csv({dir / "t_1.csv"}, nullptr).n_draws, 4);
}

TEST(StanCsvWriter, RefusesInconsistentInputBeforeWriting) {
  TempDir dir("invalid");
  DrawSet d = make_draws(2, 2, 3);
  RunInfo info = make_info(2);
  RunInfo bad_warmup = info;
  bad_warmup.num_warmup = 10;  // 10 warmup iterations, thin 1, but 2 saved rows
  EXPECT_THROW(write_stan_csv(dir / "a.csv", d, bad_warmup), std::invalid_argument);
  RunInfo bad_steps = info;
  bad_steps.step_size.pop_back();
  EXPECT_THROW(write_stan_csv(dir / "a.csv", d, bad_steps), std::invalid_argument);
  DrawSet bad_size = d;
  bad_size.values.pop_back();
  EXPECT_THROW(write_stan_csv(dir / "a.csv", bad_size, info), std::invalid_argument);
  DrawSet bad_name = d;
  bad_name.names[0] = "a,b";
  EXPECT_THROW(write_stan_csv(dir / "a.csv", bad_name, info), std::invalid_argument);
  EXPECT_TRUE(fs::is_empty(dir.path));
}

// ---- round trips ----------------------------------------------------------------------

TEST(StanCsvRoundTrip, ValuesToPrintedPrecisionAndRunInfo) {
  TempDir dir("roundtrip");
  const DrawSet d = make_draws();
  const RunInfo info = make_info();
  write_stan_csv(dir / "out.csv", d, info);
  const std::vector<std::string> files = stan_csv_paths(dir / "out.csv", d.n_chains);

  RunInfo back;
  const DrawSet all = read_stan_csv(files, &back, StanCsvReadOptions{true});
  ASSERT_EQ(all.n_chains, d.n_chains);
  ASSERT_EQ(all.n_draws, d.n_draws);
  EXPECT_EQ(all.n_warmup_saved, d.n_warmup_saved);
  EXPECT_EQ(all.names, d.names);
  EXPECT_EQ(all.stat_names, d.stat_names);
  // Each value is the double nearest its 8-digit decimal: |error| <= half a unit in the
  // 8th digit, i.e. relative 5e-8 (checked exactly against printf's rounding too).
  for (std::size_t i = 0; i < d.values.size(); ++i) {
    ASSERT_EQ(all.values[i], rounded(d.values[i], 8)) << "value " << i;
    ASSERT_LE(std::fabs(all.values[i] - d.values[i]), 5e-8 * std::fabs(d.values[i])) << "value " << i;
  }
  for (std::size_t i = 0; i < d.stats.size(); ++i) ASSERT_EQ(all.stats[i], rounded(d.stats[i], 8)) << "stat " << i;

  EXPECT_EQ(back.model, info.model);
  EXPECT_EQ(back.algorithm, info.algorithm);
  EXPECT_EQ(back.data_file, info.data_file);
  EXPECT_EQ(back.seed, info.seed);
  EXPECT_EQ(back.num_warmup, info.num_warmup);
  EXPECT_EQ(back.thin, info.thin);
  EXPECT_EQ(back.config, info.config);
  EXPECT_EQ(back.gradient_evaluations, info.gradient_evaluations);
  ASSERT_EQ(back.step_size.size(), info.step_size.size());
  ASSERT_EQ(back.inv_metric.size(), info.inv_metric.size());
  for (std::size_t c = 0; c < info.step_size.size(); ++c) {
    EXPECT_EQ(back.step_size[c], rounded(info.step_size[c], 8));
    ASSERT_EQ(back.inv_metric[c].size(), info.inv_metric[c].size());
    for (std::size_t k = 0; k < info.inv_metric[c].size(); ++k)
      EXPECT_EQ(back.inv_metric[c][k], rounded(info.inv_metric[c][k], 8));
  }
  EXPECT_DOUBLE_EQ(back.warmup_seconds, 1.25);
  EXPECT_DOUBLE_EQ(back.sampling_seconds, 3.5);
  long div = 0;
  for (int c = 0; c < d.n_chains; ++c)
    for (int i = d.n_warmup_saved; i < d.n_draws; ++i) div += d.stat_series(5, c)[i] != 0;
  EXPECT_EQ(back.divergences, div);
  EXPECT_GT(div, 0);

  // By default the warmup rows are dropped: the post-warmup draws, n_warmup_saved = 0.
  const DrawSet post = read_stan_csv(files, nullptr);
  ASSERT_EQ(post.n_draws, d.n_draws - d.n_warmup_saved);
  EXPECT_EQ(post.n_warmup_saved, 0);
  for (std::size_t p = 0; p < d.names.size(); ++p)
    for (int c = 0; c < d.n_chains; ++c)
      for (int i = 0; i < post.n_draws; ++i)
        ASSERT_EQ(post.series(p, c)[i], all.series(p, c)[i + d.n_warmup_saved]) << p << " " << c << " " << i;
}

TEST(StanCsvRoundTrip, SeventeenDigitsAreExactIncludingNonFinite) {
  TempDir dir("exact");
  DrawSet d = make_draws(2, 0, 6);
  d.values[3] = std::numeric_limits<double>::infinity();
  d.values[4] = -std::numeric_limits<double>::infinity();
  d.values[5] = std::numeric_limits<double>::quiet_NaN();
  d.values[6] = -0.0;
  d.values[7] = 4.9406564584124654e-324;
  RunInfo info = make_info(2);
  info.num_warmup = 1000;  // not saved: any count is fine
  StanCsvWriteOptions opt;
  opt.sig_figs = 17;
  write_stan_csv(dir / "x.csv", d, info, opt);
  RunInfo back;
  const DrawSet r = read_stan_csv(stan_csv_paths(dir / "x.csv", 2), &back);
  ASSERT_EQ(r.values.size(), d.values.size());
  for (std::size_t i = 0; i < d.values.size(); ++i) {
    if (std::isnan(d.values[i])) {
      EXPECT_TRUE(std::isnan(r.values[i]));
    } else {
      EXPECT_EQ(std::memcmp(&r.values[i], &d.values[i], sizeof(double)), 0) << i << ": " << r.values[i];
    }
  }
  EXPECT_EQ(back.num_warmup, 1000);
  EXPECT_EQ(back.step_size, info.step_size);
  EXPECT_EQ(back.inv_metric, info.inv_metric);
}

TEST(StanCsvRoundTrip, DenseMetricAsCmdStanWritesIt) {
  TempDir dir("dense");
  const DrawSet d = make_draws(2, 0, 3);
  RunInfo info = make_info(2);
  info.inv_metric = {{1, 4}, {2, 5}};
  info.dense_inv_metric = {{1, 0.5, 0.5, 4}, {2, -0.25, -0.25, 5}};
  write_stan_csv(dir / "d.csv", d, info);
  const std::string text = read_text(dir / "d_2.csv");
  EXPECT_NE(text.find("#         metric = dense_e\n"), std::string::npos);
  EXPECT_NE(text.find("# Elements of inverse mass matrix:\n# 2, -0.25\n# -0.25, 5\n"), std::string::npos) << text;
  RunInfo back;
  read_stan_csv(stan_csv_paths(dir / "d.csv", 2), &back);
  EXPECT_EQ(back.dense_inv_metric, info.dense_inv_metric);
  EXPECT_EQ(back.inv_metric, info.inv_metric);
  RunInfo not_square = info;
  not_square.dense_inv_metric[1].pop_back();
  EXPECT_THROW(write_stan_csv(dir / "e.csv", d, not_square), std::invalid_argument);
}

// ---- CmdStan's files ------------------------------------------------------------------

TEST(StanCsvReader, ReadsCmdStanOutput) {
  RunInfo info;
  const DrawSet d = read_stan_csv({kFixtures + "eight_schools3-1.csv", kFixtures + "eight_schools3-2.csv"}, &info);
  EXPECT_EQ(d.n_chains, 2);
  EXPECT_EQ(d.n_draws, 6);
  EXPECT_EQ(d.n_warmup_saved, 0);
  EXPECT_EQ(d.names, (std::vector<std::string>{"mu", "tau", "theta[1]", "theta[2]", "theta[3]"}));
  EXPECT_EQ(d.stat_names, (std::vector<std::string>{"lp__", "accept_stat__", "stepsize__", "treedepth__",
                                                    "n_leapfrog__", "divergent__", "energy__"}));
  EXPECT_EQ(d.series(d.param_index("theta[2]"), 1)[1], -3.04187);
  EXPECT_EQ(d.series(d.param_index("mu"), 0)[0], 4.21835);
  EXPECT_EQ(d.series(d.param_index("theta[3]"), 0)[5], 0.862731);
  EXPECT_EQ(d.stat_series(d.stat_index("n_leapfrog__"), 1)[5], 11);
  EXPECT_EQ(d.stat_series(d.stat_index("accept_stat__"), 0)[5], 1);

  EXPECT_EQ(info.model, "eight_schools_model");
  EXPECT_EQ(info.algorithm, "nuts");
  EXPECT_EQ(info.data_file, "eight_schools3.data.json");
  EXPECT_EQ(info.seed, 4711u);
  EXPECT_EQ(info.num_warmup, 200);
  EXPECT_EQ(info.thin, 1);
  EXPECT_EQ(info.step_size, (std::vector<double>{0.412738, 0.376415}));
  ASSERT_EQ(info.inv_metric.size(), 2u);
  EXPECT_EQ(info.inv_metric[1], (std::vector<double>{25.0117, 0.928804, 0.581672, 0.744615, 0.660142}));
  EXPECT_EQ(info.divergences, 1);
  EXPECT_EQ(info.gradient_evaluations, 0u);  // not recorded by CmdStan
  EXPECT_DOUBLE_EQ(info.warmup_seconds, 0.031);
  EXPECT_DOUBLE_EQ(info.sampling_seconds, 0.007);
  auto config = [&](const std::string& k) {
    for (const auto& kv : info.config)
      if (kv.first == k) return kv.second;
    return std::string("<absent>");
  };
  EXPECT_EQ(config("sample.adapt.delta"), "0.9");
  EXPECT_EQ(config("sample.hmc.nuts.max_depth"), "10");
  EXPECT_EQ(config("output.sig_figs"), "-1");
  EXPECT_EQ(config("stan_version_minor"), "36");
  EXPECT_EQ(config("output.diagnostic_file"), "");
}

TEST(StanCsvReader, SavedWarmupWithoutAdaptationBlockAndDenseMetric) {
  TempDir dir("warmup");
  // Adaptation off and save_warmup: ceil(num_warmup / thin) = ceil(3 / 2) = 2 leading rows.
  write_text(dir / "w.csv",
             "# method = sample (Default)\n#   sample\n#     num_samples = 4\n#     num_warmup = 3\n"
             "#     save_warmup = true\n#     thin = 2\nlp__,x\n-1,10\n-2,20\n-3,30\n# a comment\n-4,40\n");
  RunInfo info;
  DrawSet d = read_stan_csv({dir / "w.csv"}, &info);
  EXPECT_EQ(d.n_draws, 2);
  EXPECT_EQ(d.series(0, 0)[0], 30);
  EXPECT_EQ(d.series(0, 0)[1], 40);
  DrawSet k = read_stan_csv({dir / "w.csv"}, nullptr, StanCsvReadOptions{true});
  EXPECT_EQ(k.n_draws, 4);
  EXPECT_EQ(k.n_warmup_saved, 2);
  EXPECT_EQ(info.thin, 2);
  // A dense metric block contributes its diagonal; CRLF line ends and '+inf' are accepted.
  write_text(dir / "dense.csv",
             "lp__,stepsize__,a,b\r\n-1,0.5,+inf,-INF\r\n# Adaptation terminated\r\n# Step size = 0.5\r\n"
             "# Elements of inverse mass matrix:\r\n# 2, 0.1\r\n# 0.1, 3\r\n-2,0.5,1,NaN\r\n");
  d = read_stan_csv({dir / "dense.csv"}, &info, StanCsvReadOptions{true});
  EXPECT_EQ(d.n_warmup_saved, 1);
  ASSERT_EQ(info.inv_metric.size(), 1u);
  EXPECT_EQ(info.inv_metric[0], (std::vector<double>{2, 3}));
  ASSERT_EQ(info.dense_inv_metric.size(), 1u);
  EXPECT_EQ(info.dense_inv_metric[0], (std::vector<double>{2, 0.1, 0.1, 3}));
  EXPECT_EQ(d.series(0, 0)[0], std::numeric_limits<double>::infinity());
  EXPECT_EQ(d.series(1, 0)[0], -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(d.series(1, 0)[1]));
}

// ---- reader errors: one line, naming the file (and line) --------------------------------

namespace {
/// The message of the InputError that reading `files` throws ("" if none).
std::string read_error(const std::vector<std::string>& files) {
  try {
    read_stan_csv(files, nullptr);
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e.what();
  }
  return "";
}
}  // namespace

TEST(StanCsvReader, Errors) {
  TempDir dir("errors");
  const std::string good = read_text(kFixtures + "eight_schools3-1.csv");
  const std::string f1 = kFixtures + "eight_schools3-1.csv";
  auto variant = [&](const std::string& name, const std::string& from, const std::string& to) {
    std::string text = good;
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    write_text(dir / name, text);
    return dir / name;
  };
  // The header is line 48 of the fixture, the first draw line 53.
  EXPECT_EQ(read_error({dir / "nope.csv"}), dir / "nope.csv" + ": cannot open file (No such file or directory)");
  write_text(dir / "comments.csv", "# model = m\n# only comments\n\n");
  EXPECT_EQ(read_error({dir / "comments.csv"}), dir / "comments.csv" + ": no header row (the file is empty or only comments)");
  write_text(dir / "nodraws.csv", "# x\nlp__,a\n# Adaptation terminated\n");
  EXPECT_EQ(read_error({dir / "nodraws.csv"}), dir / "nodraws.csv" + ":2: no draws after the header");

  const std::string ragged = variant("ragged.csv", "-7.44019,0.992817,", "-7.44019,");
  EXPECT_EQ(read_error({ragged}), ragged + ":55: row has 11 values, the header has 12 columns");
  const std::string nonnum = variant("nonnum.csv", "6.89104", "6.89x04");
  EXPECT_EQ(read_error({nonnum}), nonnum + ":56: column 'mu': '6.89x04' is not a number");
  const std::string empty = variant("emptyfield.csv", ",2.95161,", ",,");
  EXPECT_EQ(read_error({empty}), empty + ":54: column 'mu': '' is not a number");

  const std::string renamed = variant("renamed.csv", ",tau,", ",sigma,");
  EXPECT_EQ(read_error({f1, renamed}),
            renamed + ":48: column 9 is 'sigma', in " + f1 + " it is 'tau' (files must have the same columns)");
  const std::string fewer = variant("fewer.csv", ",theta.3\n", "\n");
  EXPECT_EQ(read_error({f1, fewer}),
            fewer + ":48: header has 11 columns, " + f1 + " has 12 (files must have the same columns)");
  const std::string shorter = variant("shorter.csv", "-10.0071,1,0.412738,3,7,0,13.8605,3.70416,3.44018,4.11956,7.20893,0.862731\n", "");
  // A file cut at a line end is incomplete by its own header (num_samples = 6).
  EXPECT_NE(read_error({f1, shorter}).find(shorter + ":"), std::string::npos);
  EXPECT_NE(read_error({f1, shorter}).find(": 5 draws after warmup, but its header says num_samples = 6 (6 draws): the "
                                           "file is incomplete"),
            std::string::npos)
      << read_error({f1, shorter});
  // A table that is not a Stan CSV file (no sampler column) is refused, not summarized.
  write_text(dir / "table.csv", "x,y,y_err\n0.1,0.2,0.1\n");
  EXPECT_EQ(read_error({dir / "table.csv"}),
            dir / "table.csv" + ":1: not a Stan CSV file: the header has no sampler column (lp__, ...)");
  // Files of different lengths without num_samples (not CmdStan's, nor ours) still fail on the count.
  write_text(dir / "a.csv", "lp__,x\n-1,1\n-2,2\n");
  write_text(dir / "b.csv", "lp__,x\n-1,1\n");
  EXPECT_EQ(read_error({dir / "a.csv", dir / "b.csv"}),
            dir / "b.csv" + ": 1 draws, " + dir / "a.csv" + " has 2 (files must have the same number of draws)");
  const std::string warm = variant("warm.csv", "# Adaptation terminated\n", "-1,1,1,1,1,0,1,1,1,1,1,1\n# Adaptation terminated\n");
  EXPECT_EQ(read_error({f1, warm}),
            warm + ": 1 warmup draws, " + f1 + " has 0 (files must have the same number of draws)");
  EXPECT_THROW(read_stan_csv({}, nullptr), InputError);
}

namespace {

// The glmm's names (labels in brackets, ':' in names) survive a Stan CSV write and read: the
// columns are Stan's spelling (r_county.AITKIN.Intercept), and the preamble's lockstep/names
// section gives the names back; the run's config is not polluted by it.
TEST(StanCsvRoundTrip, LabeledNamesComeBack) {
  TempDir dir("labels");
  DrawSet d = make_draws(2, 0, 3);
  d.names = {"b_Intercept", "b_height:male", "sd_county__Intercept", "r_county[AITKIN,Intercept]",
             "r_county[3,floor]", "theta[1]", "theta[2]", "L[1,1]"};
  d.resize(2, 3);
  const RunInfo info = make_info(2);
  write_stan_csv(dir / "out.csv", d, info);
  const std::string text = read_text(dir / "out_1.csv");
  EXPECT_NE(text.find("b_height:male,sd_county__Intercept,r_county.AITKIN.Intercept,r_county.3.floor,theta.1,"),
            std::string::npos);
  RunInfo back;
  const DrawSet r = read_stan_csv(stan_csv_paths(dir / "out.csv", 2), &back);
  EXPECT_EQ(r.names, d.names);
  for (const auto& kv : back.config) EXPECT_EQ(kv.first.find("r_county"), std::string::npos) << kv.first;
}

}  // namespace
