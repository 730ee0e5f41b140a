// The radon GLMM of a TensorFlow Probability notebook (docs: README, variational inference):
//   log_radon ~ N(Intercept + b_floor floor + r_county, sigma = 1),  r_county ~ N(0, sd),
//   sd ~ half-normal(1), Intercept, b_floor ~ normal(0, 1),
// the glmm with --set sigma=1 and the centered parameterization (TFP's latent county effects),
// fitted as the seed: mean-field Gaussian, Adam lr 1e-2, 3000 steps, 2 Monte Carlo points per
// step. K = 8 fits side by side (different starts and streams).
//
// Checks:
//  - the fixed effects (their approximation means) within 0.05 of NUTS on the same model and data
//    (tests/fixtures/vi/radon_tfp_nuts.json, made by the command in its "made_by" field;
//    mean-field VI is not the posterior, the tolerance 0.05 is ~ 0.6 posterior sds of
//    b_floor and ~1 of the Intercept);
//  - the seed's TFP results (Intercept 1.435, floor -0.670, county scale 0.287) within
//    5 sqrt(s^2 / K + s^2), s the sd over our K fits: the seed is one stochastic run (its own
//    spread ~ s) and our mean of K fits has s / sqrt(K); plus 0.01 for the county scale, which
//    TFP maps through softplus where we use exp (a different variational family for sd);
//  - the county scale printed beside NUTS's (mean-field is known to shrink scales; here the
//    approximation's exp(mu) is near NUTS's posterior mean, not below it).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/io/csv_data.hpp"
#include "host/algorithms/vi/vi_config.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace {

const std::map<std::string, std::string> kRadonTfp = {
    {"formula", "log_radon ~ 1 + floor + (1 | county)"},
    {"prior", "Intercept ~ normal(0, 1)\nb ~ normal(0, 1)\nsd ~ half_normal(0, 1)"},
    {"sigma", "1"},
    {"parameterization", "centered"}};

nlohmann::json nuts_reference() {
  std::ifstream in(std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/vi/radon_tfp_nuts.json");
  std::stringstream s;
  s << in.rdbuf();
  return nlohmann::json::parse(s.str());
}

struct Spread {
  double mean = 0, sd = 0;
};
Spread spread(const std::vector<double>& x) {
  Spread s;
  for (double v : x) s.mean += v;
  s.mean /= x.size();
  for (double v : x) s.sd += (v - s.mean) * (v - s.mean);
  s.sd = std::sqrt(s.sd / (x.size() - 1));
  return s;
}

/// The seed's fit: mean-field, Adam lr 1e-2, 2 points per step, the given step budget.
ViConfig seed_fit(int steps, std::uint64_t seed) {
  ViConfig c;
  c.family = vi::Family::kMeanField;
  c.learning_rate = 0.01;
  c.steps = steps;
  c.samples = 2;
  c.seed = seed;
  return c;
}

TEST(ViRadon, SeedsMeanFieldFitAgainstNutsAndTheSeed) {
  auto data = load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/data/radon_mn.csv");
  // The built-in glmm of the model table: the library's compiled ADVI (`lockstep vi glmm`).
  const auto m = testing_models::load_builtin("glmm", kRadonTfp, data.get());
  ASSERT_EQ(m->names()[0], "b_Intercept");
  ASSERT_EQ(m->names()[1], "b_floor");
  ASSERT_EQ(m->names()[2], "sd_county__Intercept");
  ViConfig c = seed_fit(3000, 7);
  c.fits = 8;
  c.tol_rel_obj = 0;  // the seed's 3000 steps
  c.draws = 4000;
  ViReport r;
  c.report = &r;
  DrawSet d;
  RunInfo info;
  m->run_config("vi", &c, d, info, nullptr);
  // Unconstrained q = (Intercept, b_floor, log sd, county effects): the approximation's means
  // of the fixed effects are the estimates; the scale's is exp(mu) (the median of q's sd).
  std::vector<double> a, b, sd;
  for (const auto& t : r.theta) {
    a.push_back(t[0]);
    b.push_back(t[1]);
    sd.push_back(std::exp(t[2]));
  }
  const Spread sa = spread(a), sb = spread(b), ss = spread(sd);
  const nlohmann::json ref = nuts_reference();
  const double na = ref["b_Intercept"]["mean"], nb = ref["b_floor"]["mean"], ns = ref["sd_county__Intercept"]["mean"];
  std::printf("  radon TFP model, mean-field, 8 fits: Intercept %.4f (sd over fits %.4f; NUTS %.4f; seed 1.435)\n"
              "  floor %.4f (%.4f; NUTS %.4f; seed -0.670)  county scale %.4f (%.4f; NUTS %.4f; seed 0.287)\n",
              sa.mean, sa.sd, na, sb.mean, sb.sd, nb, ss.mean, ss.sd, ns);
  EXPECT_NEAR(sa.mean, na, 0.05) << "Intercept against NUTS (tolerance 0.05)";
  EXPECT_NEAR(sb.mean, nb, 0.05) << "b_floor against NUTS (tolerance 0.05)";
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_NEAR(a[k], na, 0.05) << "fit " << k + 1 << " Intercept against NUTS";
    EXPECT_NEAR(b[k], nb, 0.05) << "fit " << k + 1 << " b_floor against NUTS";
  }
  const double K = static_cast<double>(a.size());
  auto seed_tol = [K](double s) { return 5 * std::sqrt(s * s / K + s * s); };
  EXPECT_NEAR(sa.mean, 1.435, seed_tol(sa.sd)) << "Intercept against the seed, tolerance " << seed_tol(sa.sd);
  EXPECT_NEAR(sb.mean, -0.670, seed_tol(sb.sd)) << "floor against the seed, tolerance " << seed_tol(sb.sd);
  EXPECT_NEAR(ss.mean, 0.287, seed_tol(ss.sd) + 0.01) << "county scale against the seed, tolerance "
                                                       << seed_tol(ss.sd) + 0.01;
  // The draws (best fit) report the same fixed effects.
  double da = 0;
  for (int k = 0; k < d.n_draws; ++k) da += d.series(0, 0)[k];
  da /= d.n_draws;
  EXPECT_NEAR(da, r.theta[r.best_fit][0], 0.01) << "mean of the draws of b_Intercept";
  // Every fit ended at a comparable ELBO (a unimodal posterior).
  for (double e : r.final_elbo) EXPECT_NEAR(e, r.final_elbo[r.best_fit], 10.0);
}

// One fit's two points per step cost microseconds here (919 rows), enough for them to run on
// the host's threads (vi_lanes.hpp decides from their measured cost): the fit is the same bits
// on one thread and on two.
TEST(ViRadon, OneFitIsTheSameBitsOnOneAndTwoThreads) {
  auto data = load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/data/radon_mn.csv");
  const auto m = testing_models::load_builtin("glmm", kRadonTfp, data.get());
  std::vector<std::vector<double>> theta;
  for (int threads : {1, 2}) {
    ViConfig c = seed_fit(300, 11);
    c.draws = 10;
    c.threads = threads;
    ViReport r;
    c.report = &r;
    DrawSet d;
    RunInfo info;
    m->run_config("vi", &c, d, info, nullptr);
    theta.push_back(r.theta[0]);
  }
  ASSERT_EQ(theta[0].size(), theta[1].size());
  for (std::size_t k = 0; k < theta[0].size(); ++k)
    EXPECT_EQ(theta[0][k], theta[1][k]) << "parameter " << k << " differs between 1 and 2 threads";
}

}  // namespace
}  // namespace lockstep
