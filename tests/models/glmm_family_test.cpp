// The glmm's discrete families (bernoulli, binomial, poisson): the log density and gradient
// for every formula shape x parameterization x priors (finite differences, the BlockView<W>
// evaluation against the scalar one, the density against a naive one written from the design),
// the response checks, and the posterior against an exact reference: posterior means and sds of
// three hierarchical models computed by numerical integration (scripts/make_glmm_family_fixtures.py,
// tests/fixtures/glmm/family_reference.json), matched within 5 Monte Carlo standard errors.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/diagnostics/convergence.hpp"
#include "host/diagnostics/summary.hpp"
#include "host/io/csv_data.hpp"
#include "models/glmm.hpp"
#include "tests/models/gradient_check.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace {

using models::Glmm;
using namespace models::glmm;
using namespace testing_models;

std::unique_ptr<DataSource> family_fixture(const std::string& name) {
  return load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/glmm/" + name);
}

struct FamilyCase {
  std::string family, response;
};
const std::vector<FamilyCase>& families() {
  static const std::vector<FamilyCase> f = {
      {"poisson", "count"}, {"binomial", "succ | trials(n)"}, {"bernoulli", "yes"}};
  return f;
}

const std::vector<std::string>& right_sides() {
  static const std::vector<std::string> r = {
      "x",                                   // no varying effects
      "x * f + (1 | grp)",                   // 6 fixed columns
      "1 + x + (1 + x | grp) + (1 | site)",  // slopes: Z is read
      "(1 | grp)",                           // P = 1
      "x + z + (1 | grp)",                   // P = 3, (1 | g): compile-time sizes
      "1 + z + (1 | site)",                  // radon's shape
      "f * factor(site) + (1 | grp)",        // 18 fixed columns: through q and g
  };
  return r;
}

/// log p(y | eta) of one row, from the definitions (constants in y dropped).
double naive_row(const std::string& family, double y, double trials, double eta) {
  if (family == "poisson") return y * eta - std::exp(eta);
  const double p = 1 / (1 + std::exp(-eta));
  return y * std::log(p) + (trials - y) * std::log1p(-p);
}

/// The log density written out from the design and the outputs: priors with log-Jacobians,
/// the varying effects' prior, the likelihood.
double naive_log_density(const Loaded<Glmm>& m, const std::vector<double>& q) {
  const auto& h = *static_cast<const GlmmHost*>(m.host.get());
  const Design& ds = h.design;
  const GlmmData& d = m.data;
  const std::vector<double> out = outputs(m.model, m.data, q);
  auto coef = [](const PriorSpec& p, double x) {
    if (p.kind == kNormal) return -0.5 * std::pow((x - p.mu) / p.s, 2);
    if (p.kind == kStudentT) return -0.5 * (p.nu + 1) * std::log(1 + std::pow((x - p.mu) / p.s, 2) / p.nu);
    return 0.0;
  };
  auto scale = [&](const PriorSpec& p, double s) { return (p.kind == kExponential ? -p.s * s : coef(p, s)) + std::log(s); };
  double lp = 0;
  for (int j = 0; j < d.P; ++j) lp += coef(h.priors[j], out[j]);
  for (int s = 0; s < d.n_sd; ++s) lp += scale(h.priors[d.P + s], out[d.P + s]);
  std::vector<std::vector<std::vector<double>>> r(ds.blocks.size());
  int o = d.z_at, s0 = 0;
  for (std::size_t b = 0; b < ds.blocks.size(); ++b) {
    const std::size_t K = ds.blocks[b].effects.size(), L = ds.blocks[b].labels.size();
    r[b].assign(L, std::vector<double>(K));
    for (std::size_t l = 0; l < L; ++l)
      for (std::size_t k = 0; k < K; ++k) {
        const double sd = out[d.P + s0 + k];
        r[b][l][k] = out[o];
        lp += -0.5 * std::pow(out[o] / sd, 2) - (d.centered ? std::log(sd) : 0.0);
        ++o;
      }
    s0 += static_cast<int>(K);
  }
  for (std::size_t n = 0; n < ds.y.size(); ++n) {
    double eta = 0;
    for (int j = 0; j < d.P; ++j) eta += ds.fixed.values[j][n] * out[j];
    for (std::size_t b = 0; b < ds.blocks.size(); ++b)
      for (std::size_t k = 0; k < ds.blocks[b].effects.size(); ++k)
        eta += ds.blocks[b].effects.values[k][n] * r[b][ds.blocks[b].level[n]][k];
    lp += naive_row(h.family, ds.y[n], ds.trials.empty() ? 1.0 : ds.trials[n], eta);
  }
  return lp;
}

TEST(GlmmFamily, GradientsDensityAndBlocksForEveryFamilyShapeAndParameterization) {
  auto data = family_fixture("counts_data.csv");
  int cases = 0;
  for (const FamilyCase& fam : families())
    for (const std::string& rhs : right_sides())
      for (const char* param : {"noncentered", "centered"})
        for (int set = 0; set < 2; ++set) {
          const std::string formula = fam.response + " ~ " + rhs;
          std::map<std::string, std::string> opt = {
              {"formula", formula}, {"family", fam.family}, {"parameterization", param}};
          if (set == 1) {
            std::string p = "Intercept ~ normal(0, 2)\nsd ~ half_cauchy(0, 1)";
            if (rhs == "(1 | grp)") p = "sd ~ exponential(2)";
            else if (rhs.find('|') == std::string::npos) p = "b ~ student_t(3, 0, 1)";
            opt["prior"] = p;
          }
          SCOPED_TRACE(formula + " [" + fam.family + ", " + param + ", prior set " + std::to_string(set) + "]");
          const Loaded<Glmm> m = load_model<Glmm>(opt, data.get());
          EXPECT_EQ(m.data.sigma_at, -1);
          PointGenerator gen(300 + cases);
          std::vector<std::vector<double>> points;
          for (int k = 0; k < 3; ++k) points.push_back(gen.point(m.model.dim(m.data), -1.2, 1.2));
          expect_gradients_match(m.model, m.data, points);
          expect_block_matches_scalar<8>(m.model, m.data, 17 + cases, -1.2, 1.2);
          const double a = log_density(m.model, m.data, points[0]) - log_density(m.model, m.data, points[1]);
          const double b = naive_log_density(m, points[0]) - naive_log_density(m, points[1]);
          EXPECT_NEAR(a, b, testing::real_tol(1e-9) * std::max(1.0, std::fabs(b)));
          const std::vector<double> back = Glmm::unconstrain(m, outputs(m.model, m.data, points[2]));
          for (std::size_t i = 0; i < back.size(); ++i) EXPECT_NEAR(back[i], points[2][i], testing::real_tol(1e-9) * (1 + std::fabs(points[2][i])));
          ++cases;
        }
  EXPECT_EQ(cases, static_cast<int>(families().size() * right_sides().size()) * 4);
}

TEST(GlmmFamily, ResponseChecks) {
  EXPECT_EQ(response_problem("poisson", 3, -1), "");
  EXPECT_EQ(response_problem("poisson", 0, -1), "");
  EXPECT_NE(response_problem("poisson", -1, -1), "");
  EXPECT_NE(response_problem("poisson", 1.5, -1), "");
  EXPECT_EQ(response_problem("bernoulli", 1, -1), "");
  EXPECT_NE(response_problem("bernoulli", 2, -1), "");
  EXPECT_NE(response_problem("bernoulli", -1, -1), "");
  EXPECT_EQ(response_problem("binomial", 4, 4), "");
  EXPECT_EQ(response_problem("binomial", 4, 4), "");
  EXPECT_EQ(response_problem("binomial", 5, 4), "more successes than trials");
  EXPECT_NE(response_problem("binomial", -1, 4), "");
  EXPECT_NE(trials_problem(-1), "");
  EXPECT_NE(trials_problem(2.5), "");
  EXPECT_EQ(trials_problem(0), "");
  EXPECT_EQ(response_problem("gaussian", -2.5, -1), "");
  auto data = family_fixture("counts_data.csv");
  // A negative count in a table: one line naming the file, row and column.
  const std::string path = write_temp_file("neg.csv", "k,x\n1,0.1\n-2,0.3\n");
  auto neg = load_data_file(path);
  EXPECT_EQ(input_error_of([&] { load_model<Glmm>({{"formula", "k ~ x"}, {"family", "poisson"}}, neg.get()); }),
            path + ": line 3, column 'k': -2: the poisson family needs a non-negative integer count");
  // The families' default priors, on the link scale.
  const Loaded<Glmm> p = load_model<Glmm>({{"formula", "count ~ x + (1 | grp)"}, {"family", "poisson"}}, data.get());
  const auto& h = *static_cast<const GlmmHost*>(p.host.get());
  EXPECT_EQ(h.priors[0].text, "student_t(3, 0, 2.5)");  // median count 1: log 1 = 0
  EXPECT_EQ(h.priors[2].text, "half_student_t(3, 0, 2.5)");
  EXPECT_NE(Glmm::describe(p).find("family: poisson (log link); response count, 36 rows"), std::string::npos)
      << Glmm::describe(p);
  const Loaded<Glmm> b = load_model<Glmm>({{"formula", "succ | trials(n) ~ x"}, {"family", "binomial"}}, data.get());
  EXPECT_NE(Glmm::describe(b).find("family: binomial (logit link); response succ | trials(n), 36 rows"), std::string::npos)
      << Glmm::describe(b);
  EXPECT_EQ(p.names, (std::vector<std::string>{"b_Intercept", "b_x", "sd_grp__Intercept", "r_grp[Mid,Intercept]",
                                               "r_grp[east,Intercept]", "r_grp[north,Intercept]",
                                               "r_grp[south,Intercept]", "r_grp[west,Intercept]"}));
}

/// NUTS on counts_sim.csv against the exact posterior moments: |mean - exact| <= 5 MCSE.
void expect_exact_posterior(const std::string& family) {
  std::ifstream in(std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/glmm/family_reference.json");
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json ref = nlohmann::json::parse(text.str());
  auto data = family_fixture("counts_sim.csv");
  std::string priors;
  for (const auto& p : ref["priors"]) priors += (priors.empty() ? "" : "\n") + p.get<std::string>();
  const auto m = testing_models::load_builtin(
      "glmm", {{"formula", ref[family]["formula"].get<std::string>()}, {"family", family}, {"prior", priors}}, data.get());
  NutsConfig cfg;
  cfg.chains = 8;
  cfg.warmup = 500;
  cfg.draws = 1500;
  cfg.seed = 21;
  DrawSet d;
  RunInfo info;
  testing_models::run(*m, cfg, d, info);
  for (const auto& [name, moments] : ref[family]["posterior"].items()) {
    const int p = d.param_index(name);
    ASSERT_GE(p, 0) << name;
    const diagnostics::Summary s = diagnostics::summarize(diagnostics::chains_of(d, p));
    const double exact = moments["mean"].get<double>(), exact_sd = moments["sd"].get<double>();
    EXPECT_LE(std::fabs(s.mean - exact), 5 * s.mcse_mean)
        << family << " " << name << ": posterior mean " << s.mean << ", exact " << exact << ", MCSE " << s.mcse_mean
        << " (tolerance 5 MCSE = " << 5 * s.mcse_mean << ")";
    EXPECT_LE(std::fabs(s.sd - exact_sd), 5 * s.mcse_sd)
        << family << " " << name << ": posterior sd " << s.sd << ", exact " << exact_sd << ", MCSE of sd " << s.mcse_sd;
    EXPECT_LT(s.rhat, 1.01) << family << " " << name;
  }
}

TEST(GlmmFamily, PoissonPosteriorMatchesExactIntegration) { expect_exact_posterior("poisson"); }
TEST(GlmmFamily, BinomialPosteriorMatchesExactIntegration) { expect_exact_posterior("binomial"); }
TEST(GlmmFamily, BernoulliPosteriorMatchesExactIntegration) { expect_exact_posterior("bernoulli"); }

}  // namespace
}  // namespace lockstep
