// The glmm's offsets (offset(x), offset(log(x)) in the formula: known values added to the linear
// predictor with coefficient 1, as lme4 and brms read them) and a binomial's constant number of
// trials (`s | trials(5) ~ ...`):
//   - a gaussian y ~ ... + offset(o) is the model of y - o without it: the same log density
//     (up to a constant) and the same gradient, on the one-chain rows and on SIMD blocks;
//   - a poisson with offset(log(e)) + offset(o) against the density written out by hand;
//   - trials(5) is the model of a column of fives;
//   - --newdata rows bring their own exposure: E y_rep = E[e exp(eta)] over the draws;
//   - bad offsets are one line naming the file, row and column, or the formula's position.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "host/cli/predictive.hpp"
#include "host/io/csv_data.hpp"
#include "host/registry/any_model.hpp"
#include "models/glmm.hpp"
#include "tests/models/gradient_check.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace {

using models::Glmm;
using namespace models::glmm;
using namespace testing_models;

/// 37 rows (not a multiple of any SIMD width: the one-chain rows' tail runs): a response y,
/// y - o as yo, counts k, successes s of 5 trials, predictors x, a group g of 4 levels, an
/// exposure e > 0 and an offset o of either sign.
std::string offset_table() {
  std::ostringstream t;
  t.precision(17);  // every value read back as written: the tests recompute e and o
  t << "y,yo,k,s,five,x,g,e,o\n";
  for (int n = 0; n < 37; ++n) {
    const double x = std::sin(1.3 * n), o = 0.7 * std::cos(0.9 * n), e = 0.5 + (n % 7) * 0.75;
    const double y = 1.0 + 0.5 * x + o + 0.3 * std::sin(2.1 * n);
    t << y << "," << y - o << "," << (n * 7) % 11 << "," << (n * 3) % 6 << ",5," << x << ",g" << n % 4 << "," << e
      << "," << o << "\n";
  }
  return t.str();
}

const char* kPriors = "Intercept ~ normal(1, 2)\nb ~ normal(0, 1)\nsd ~ half_normal(0, 1)";
const char* kGaussianPriors = "Intercept ~ normal(1, 2)\nb ~ normal(0, 1)\nsd ~ half_normal(0, 1)\nsigma ~ half_normal(0, 1)";

TEST(GlmmOffset, GaussianOffsetIsTheModelOfTheResponseMinusIt) {
  auto data = load_data_file(write_temp_file("offset_gauss.csv", offset_table()));
  for (const char* rhs : {"x + (1 | g)", "x + (1 + x | g)", "0 + x + (0 + x | g)"}) {
    SCOPED_TRACE(rhs);
    const std::string priors = rhs[0] == '0' ? "b ~ normal(0, 1)\nsd ~ half_normal(0, 1)" : kGaussianPriors;
    const Loaded<Glmm> a = load_model<Glmm>(
        {{"formula", std::string("y ~ ") + rhs + " + offset(o)"}, {"prior", priors}}, data.get());
    const Loaded<Glmm> b = load_model<Glmm>({{"formula", std::string("yo ~ ") + rhs}, {"prior", priors}}, data.get());
    ASSERT_EQ(a.names, b.names);
    ASSERT_NE(a.data.offset, nullptr);
    EXPECT_EQ(b.data.offset, nullptr);
    PointGenerator gen(41);
    std::vector<std::vector<double>> points;
    for (int k = 0; k < 3; ++k) points.push_back(gen.point(a.model.dim(a.data), -1.2, 1.2));
    expect_gradients_match(a.model, a.data, points);
    expect_block_matches_scalar<8>(a.model, a.data, 43, -1.2, 1.2);
    const double da = log_density(a.model, a.data, points[0]) - log_density(a.model, a.data, points[1]);
    const double db = log_density(b.model, b.data, points[0]) - log_density(b.model, b.data, points[1]);
    EXPECT_NEAR(da, db, testing::real_tol(1e-10) * std::max(1.0, std::fabs(db)));
    for (const auto& q : points) {
      std::vector<double> ga, gb;
      log_density(a.model, a.data, q, &ga);
      log_density(b.model, b.data, q, &gb);
      for (std::size_t i = 0; i < ga.size(); ++i)
        EXPECT_NEAR(ga[i], gb[i], testing::real_tol(1e-10) * (1 + std::fabs(gb[i]))) << a.names[i];
    }
  }
}

TEST(GlmmOffset, PoissonOffsetsAgainstTheDensityWrittenOut) {
  auto data = load_data_file(write_temp_file("offset_pois.csv", offset_table()));
  const Loaded<Glmm> m = load_model<Glmm>(
      {{"formula", "k ~ x + offset(log(e)) + (1 | g) + offset(o)"}, {"family", "poisson"}, {"prior", kPriors}},
      data.get());
  const auto& h = *static_cast<const GlmmHost*>(m.host.get());
  EXPECT_EQ(h.design.offset_text, "offset(log(e)) + offset(o)");
  EXPECT_NE(Glmm::describe(m).find("offset: offset(log(e)) + offset(o)"), std::string::npos) << Glmm::describe(m);
  const Design& ds = h.design;
  auto naive = [&](const std::vector<double>& q) {
    const std::vector<double> out = outputs(m.model, m.data, q);  // b0, b_x, sd, r_g[0..3]
    double lp = -0.5 * std::pow((out[0] - 1) / 2, 2) - 0.5 * out[1] * out[1] - 0.5 * out[2] * out[2] + std::log(out[2]);
    for (int l = 0; l < 4; ++l) lp += -0.5 * std::pow(out[3 + l] / out[2], 2);
    for (std::size_t n = 0; n < ds.y.size(); ++n) {
      const double eta = std::log(0.5 + (n % 7) * 0.75) + 0.7 * std::cos(0.9 * n) + out[0] + out[1] * std::sin(1.3 * n) +
                         out[3 + ds.blocks[0].level[n]];
      lp += ds.y[n] * eta - std::exp(eta);
    }
    return lp;
  };
  PointGenerator gen(47);
  std::vector<std::vector<double>> points;
  for (int k = 0; k < 3; ++k) points.push_back(gen.point(m.model.dim(m.data), -1, 1));
  expect_gradients_match(m.model, m.data, points);
  expect_block_matches_scalar<8>(m.model, m.data, 49, -1, 1);
  const double a = log_density(m.model, m.data, points[0]) - log_density(m.model, m.data, points[2]);
  const double b = naive(points[0]) - naive(points[2]);
  EXPECT_NEAR(a, b, testing::real_tol(1e-9) * std::max(1.0, std::fabs(b)));
}

TEST(GlmmOffset, ConstantTrialsAreAColumnOfThatNumber) {
  auto data = load_data_file(write_temp_file("offset_trials.csv", offset_table()));
  const Loaded<Glmm> a =
      load_model<Glmm>({{"formula", "s | trials(5) ~ x + (1 | g)"}, {"family", "binomial"}}, data.get());
  const Loaded<Glmm> b =
      load_model<Glmm>({{"formula", "s | trials(five) ~ x + (1 | g)"}, {"family", "binomial"}}, data.get());
  EXPECT_NE(Glmm::describe(a).find("response s | trials(5), 37 rows"), std::string::npos) << Glmm::describe(a);
  PointGenerator gen(53);
  for (int k = 0; k < 3; ++k) {
    const std::vector<double> q = gen.point(a.model.dim(a.data), -1, 1);
    EXPECT_EQ(log_density(a.model, a.data, q), log_density(b.model, b.data, q));
  }
  // More successes than the constant allows: the row and the response column are named.
  const std::string path = write_temp_file("offset_trials_bad.csv", "s,x\n1,0.5\n4,0.1\n");
  auto bad = load_data_file(path);
  EXPECT_EQ(input_error_of([&] { load_model<Glmm>({{"formula", "s | trials(3) ~ x"}, {"family", "binomial"}}, bad.get()); }),
            path + ": line 3, column 's': 4: more successes than trials (3 trials)");
}

TEST(GlmmOffset, BadOffsetsAreOneLine) {
  const std::string path = write_temp_file("offset_bad.csv", "k,x,e,g\n1,0.5,2,a\n3,0.1,0,b\n");
  auto data = load_data_file(path);
  auto error = [&](const std::string& formula) {
    return input_error_of([&] { load_model<Glmm>({{"formula", formula}, {"family", "poisson"}}, data.get()); });
  };
  EXPECT_EQ(error("k ~ x + offset(log(e))"),
            path + ": line 3, column 'e': 0 is not positive, and offset(log(e)) takes its log");
  EXPECT_EQ(error("k ~ x + offset(g)"), path + ": line 2, column 'g': 'a' is not a number (an offset must be numeric)");
  EXPECT_EQ(error("k ~ x + offset(w)"), path + ": --formula: no column 'w' (columns: k, x, e, g)");
  EXPECT_EQ(error("k ~ x - offset(e)"),
            "--formula: an offset cannot be removed with '-' at character 9 (marked >>): k ~ x - >>offset(e)");
  EXPECT_EQ(error("k ~ x:offset(e)"), "--formula: offset(...) must be a term of its own, added with '+' outside any "
                                      "parentheses at character 7 (marked >>): k ~ x:>>offset(e)");
  EXPECT_EQ(error("k ~ x + offset(sqrt(e))"),
            "--formula: offset() takes a column or log(column) at character 16 (marked >>): k ~ x + offset(>>sqrt(e))");
  EXPECT_EQ(error("k ~ offset(k)"), "--formula: 'k' is the response and cannot also appear on the right-hand side: k ~ offset(k)");
  EXPECT_EQ(error("k ~ x + log(e)"), "--formula: function 'log' is not supported (columns, factor(column), offset(column) "
                                     "and offset(log(column)) are) at character 9 (marked >>): k ~ x + >>log(e)");
}

// --newdata rows carry their own exposure: given each draw, E y_rep = e exp(b0 + b1 x + r_g).
TEST(GlmmOffset, NewdataRowsUseTheirOwnExposure) {
  auto data = load_data_file(write_temp_file("offset_fit.csv", offset_table()));
  ModelArgs args("glmm",
                 {{"formula", "k ~ x + (1 | g) + offset(log(e))"}, {"family", "poisson"},
                  {"prior", "Intercept ~ normal(0, 1)\nb ~ normal(0, 0.5)\nsd ~ half_normal(0, 0.5)"}},
                 data.get());
  const std::unique_ptr<AnyModel> model = load_model("glmm", args);
  auto rows_src = load_data_file(write_temp_file("offset_new.csv", "x,g,e\n0.5,g1,1\n0.5,g1,40\n"));
  const std::unique_ptr<AnyModel> rows = model->with_newdata(*rows_src);
  RunSettings s;
  s.chains = 4;
  s.warmup = 500;
  s.draws = 1000;
  s.seed = 29;
  DrawSet d;
  RunInfo info;
  model->run("nuts", s, AlgorithmOptions{}, d, info, nullptr);
  const int P = d.n_parameters();
  cli::add_posterior_predictive(*model, s.seed, d, rows.get());
  ASSERT_EQ(d.n_predictive, 2);
  const int b0 = d.param_index("b_Intercept"), b1 = d.param_index("b_x"), r1 = d.param_index("r_g[g1,Intercept]");
  ASSERT_TRUE(b0 >= 0 && b1 >= 0 && r1 >= 0);
  const double exposure[2] = {1, 40};
  const double n = static_cast<double>(d.n_chains) * d.n_draws;
  for (int row = 0; row < 2; ++row) {
    double rep = 0, expect = 0;
    for (int c = 0; c < d.n_chains; ++c)
      for (int k = 0; k < d.n_draws; ++k) {
        rep += d.series(P + row, c)[k];
        expect += exposure[row] * std::exp(d.series(b0, c)[k] + 0.5 * d.series(b1, c)[k] + d.series(r1, c)[k]);
      }
    const double se = std::sqrt(expect / n / n);  // Poisson noise: Var y_rep given the draw = its mean
    EXPECT_LE(std::fabs(rep / n - expect / n), 5 * se)
        << "new row " << row + 1 << " (exposure " << exposure[row] << "): y_rep mean " << rep / n << ", expected "
        << expect / n << ", 5 SE " << 5 * se;
  }
}

}  // namespace
}  // namespace lockstep
