// The glmm log density and gradient for every formula shape x prior x parameterization: the
// gradient against finite differences (the code `lockstep check` runs), the BlockView<W>
// evaluation against the scalar one, the density against an independent, naive evaluation from
// the design (dense Z, the priors written out again), the transform round trip, and the
// outputs' names.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/io/csv_data.hpp"
#include "models/glmm.hpp"
#include "tests/models/gradient_check.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace {

using models::Glmm;
using namespace models::glmm;
using namespace testing_models;

std::unique_ptr<DataSource> design_data() {
  return load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/glmm/design_data.csv");
}

const std::vector<std::string>& formulas() {
  static const std::vector<std::string> f = {
      "y ~ x",
      "y ~ 0 + x:factor(g)",
      "y ~ x * f + (1 | grp)",
      "y ~ 1 + x + (1 + x | grp) + (1 | site)",
      "y ~ 0 + x + (0 + x | site)",
      "y ~ f + (1 + f | grp)",
      "y ~ x + (0 + f | site) + (1 | grp:h)",
      "y ~ z + (1 | grp/h)",
      "y ~ (1 | grp)",
      "y ~ x + z + (1 | grp)",                           // 3 fixed columns, (1 | g): compile-time sizes
      "y ~ 1 + z + (1 | site)",                          // radon's shape: 2 columns, one (1 | g)
      "y ~ f * factor(g) + (1 | grp) + (0 + x | site)",  // 12 fixed columns: through q and g
  };
  return f;
}

/// The prior sets, applied to the classes the formula has.
std::vector<std::string> priors_for(int set, const Design& d, bool sigma_free) {
  const bool slopes = d.fixed.size() > (d.intercept ? 1u : 0u), bars = !d.blocks.empty();
  std::vector<std::string> p;
  if (set == 1) {
    if (d.intercept) p.push_back("Intercept ~ normal(0, 10)");
    if (slopes) p.push_back("b ~ student_t(3, 0.5, 2)");
    if (bars) p.push_back("sd ~ half_cauchy(0, 1)");
    if (sigma_free) p.push_back("sigma ~ exponential(2)");
  } else if (set == 2) {
    if (slopes) p.push_back("b ~ cauchy(0, 1)");
    if (slopes) p.push_back("b_" + d.fixed.names.back() + " ~ normal(1, 0.5)");
    if (bars) p.push_back("sd ~ exponential(3)");
    if (bars) p.push_back("sd_" + d.blocks[0].group + " ~ half_normal(0, 2)");
    if (bars) p.push_back("sd_" + d.blocks[0].group + "__" + d.blocks[0].effects.names[0] + " ~ half_student_t(4, 0, 1)");
    if (sigma_free) p.push_back("sigma ~ flat");
  } else if (set == 3) {
    if (d.intercept) p.push_back("Intercept ~ flat");
    if (bars) p.push_back("sd ~ normal(0.5, 1)");
    if (sigma_free) p.push_back("sigma ~ student_t(3, 0, 1)");
  }
  return p;
}

std::string join_lines(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "\n" : "") + v[i];
  return s;
}

/// The log density written out from the design (host, double): likelihood, priors with
/// log-Jacobians, the varying effects' normal prior; up to a constant.
double naive_gaussian_log_density(const Loaded<Glmm>& m, const std::vector<double>& q) {
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
  double sigma = h.sigma_fixed;
  if (d.sigma_at >= 0) {
    sigma = out[d.P + d.n_sd];
    lp += scale(h.priors[d.P + d.n_sd], sigma);
  }
  // r values by (block, level, column); their prior.
  std::vector<std::vector<std::vector<double>>> r(ds.blocks.size());
  int o = d.z_at, s0 = 0;
  for (std::size_t b = 0; b < ds.blocks.size(); ++b) {
    const std::size_t K = ds.blocks[b].effects.size(), L = ds.blocks[b].labels.size();
    r[b].assign(L, std::vector<double>(K));
    for (std::size_t l = 0; l < L; ++l)
      for (std::size_t k = 0; k < K; ++k) {
        const double sd = out[d.P + s0 + k];
        r[b][l][k] = out[o];
        if (d.centered)
          lp += -0.5 * std::pow(out[o] / sd, 2) - std::log(sd);
        else
          lp += -0.5 * std::pow(out[o] / sd, 2);  // z = r / sd ~ N(0, 1), no Jacobian (z is the coordinate)
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
    lp += -0.5 * std::pow((ds.y[n] - eta) / sigma, 2) - std::log(sigma);
  }
  return lp;
}

/// Float only: the rounding of a Real log density, in units of eps times its size. The
/// sum runs over 36 rows and up to ~40 parameters; its error is at most (terms) x eps x the
/// sum of the terms' sizes, typically sqrt(terms) x eps x |lp| (measured over the 192 cases:
/// 4.4 eps max(1, |lp0|, |lp1|); the test prints it).
constexpr double kLpUnits = 32.0;

TEST(GlmmGradient, EveryFormulaShapeTimesPriorsTimesParameterization) {
  auto data = design_data();
  int cases = 0;
  double worst_gap = 0;  // |a - b| in units of eps max(1, |lp0|, |lp1|), printed
  for (const std::string& f : formulas()) {
    for (const char* param : {"noncentered", "centered"})
      for (bool sigma_free : {true, false})
        for (int set = 0; set < 4; ++set) {
          std::map<std::string, std::string> opt = {{"formula", f}, {"parameterization", param}};
          if (!sigma_free) opt["sigma"] = "0.8";
          const Loaded<Glmm> base = load_model<Glmm>(opt, data.get());
          const auto& h = *static_cast<const GlmmHost*>(base.host.get());
          const std::vector<std::string> p = priors_for(set, h.design, sigma_free);
          if (!p.empty()) opt["prior"] = join_lines(p);
          SCOPED_TRACE(f + " [" + param + (sigma_free ? "" : ", sigma = 0.8") + "] priors: " + join_lines(p));
          const Loaded<Glmm> m = load_model<Glmm>(opt, data.get());
          PointGenerator gen(100 + cases);
          std::vector<std::vector<double>> points;
          for (int k = 0; k < 3; ++k) points.push_back(gen.point(m.model.dim(m.data), -1.5, 1.5));
          expect_gradients_match(m.model, m.data, points);
          expect_block_matches_scalar<8>(m.model, m.data, 7 + cases, -1.5, 1.5);
          // The density equals the naive one up to a constant. Double: to 1e-9 of the difference
          // (the naive sum runs in another order). Float: the model's log density is a Real sum,
          // each of lp0 and lp1 rounded to ~eps of its own size (kLpUnits: a few eps per term
          // group, summed over the likelihood rows, priors and varying effects), so the
          // difference is known to kLpUnits eps max(1, |lp0|, |lp1|), not relative to itself.
          const double lp0 = log_density(m.model, m.data, points[0]), lp1 = log_density(m.model, m.data, points[1]);
          const double a = lp0 - lp1;
          const double b = naive_gaussian_log_density(m, points[0]) - naive_gaussian_log_density(m, points[1]);
          const double lp_tol = testing::kRealIsFloat
                                    ? kLpUnits * testing::kRealEps * std::max({1.0, std::fabs(lp0), std::fabs(lp1)})
                                    : 1e-9 * std::max(1.0, std::fabs(b));
          EXPECT_NEAR(a, b, lp_tol);
          worst_gap = std::max(worst_gap, std::fabs(a - b) / (testing::kRealEps * std::max({1.0, std::fabs(lp0), std::fabs(lp1)})));
          // The inverse transform: double 1e-9; float check::kRoundTripRelTol (the outputs are
          // Reals, each rounded to eps of itself before unconstrain inverts them).
          const double back_tol = testing::kRealIsFloat ? check::kRoundTripRelTol : 1e-9;
          const std::vector<double> back = Glmm::unconstrain(m, outputs(m.model, m.data, points[2]));
          for (std::size_t i = 0; i < back.size(); ++i)
            EXPECT_NEAR(back[i], points[2][i], back_tol * (1 + std::fabs(points[2][i])));
          ++cases;
        }
  }
  EXPECT_EQ(cases, static_cast<int>(formulas().size()) * 16);
  std::printf("glmm density vs naive: largest gap %.3g eps max(1, |lp0|, |lp1|)\n", worst_gap);
}

TEST(GlmmGradient, NamesAreBrmss) {
  auto data = design_data();
  const Loaded<Glmm> m =
      load_model<Glmm>({{"formula", "y ~ x * f + (1 + x | grp) + (1 | site)"}}, data.get());
  std::vector<std::string> head(m.names.begin(), m.names.begin() + 10);
  EXPECT_EQ(head, (std::vector<std::string>{"b_Intercept", "b_x", "b_fa", "b_fc", "b_x:fa", "b_x:fc",
                                            "sd_grp__Intercept", "sd_grp__x", "sd_site__Intercept", "sigma"}));
  EXPECT_EQ(m.names[10], "r_grp[Mid,Intercept]");
  EXPECT_EQ(m.names[11], "r_grp[Mid,x]");
  EXPECT_EQ(m.names[12], "r_grp[east,Intercept]");
  EXPECT_EQ(m.names.back(), "r_site[6,Intercept]");
  EXPECT_EQ(static_cast<int>(m.names.size()), m.model.n_out(m.data));
  EXPECT_EQ(m.model.dim(m.data), m.model.n_out(m.data));
  const Loaded<Glmm> u = load_model<Glmm>({{"formula", "y ~ 0 + x:factor(g)"}, {"sigma", "1"}}, data.get());
  EXPECT_EQ(u.names, (std::vector<std::string>{"b_x:factorg1", "b_x:factorg2", "b_x:factorg3", "b_x:factorg10"}));
}

}  // namespace
}  // namespace lockstep

namespace lockstep {
namespace {

// A JSON file's arrays are a table too: radon from data/radon_mn.json (county_idx, floor_measure)
// is the same model as from data/radon_mn.csv (county, floor).
TEST(GlmmGradient, JsonArraysAreATableToo) {
  auto csv = load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/data/radon_mn.csv");
  auto json = testing_models::repo_data("radon_mn.json");
  const Loaded<models::Glmm> a =
      testing_models::load_model<models::Glmm>({{"formula", "log_radon ~ floor + (1 | county)"}}, csv.get());
  const Loaded<models::Glmm> b = testing_models::load_model<models::Glmm>(
      {{"formula", "log_radon ~ floor_measure + (1 | county_idx)"}}, json.get());
  ASSERT_EQ(a.model.dim(a.data), b.model.dim(b.data));
  check::PointGenerator gen(5);
  const std::vector<double> q = gen.point(a.model.dim(a.data), -1, 1);
  EXPECT_NEAR(testing_models::log_density(a.model, a.data, q), testing_models::log_density(b.model, b.data, q), 1e-9);
  EXPECT_EQ(b.names[1], "b_floor_measure");
  EXPECT_EQ(b.names.back(), "r_county_idx[85,Intercept]");
}

}  // namespace
}  // namespace lockstep
