// The glmm rows of one chain in SIMD (models/glmm/rows_one_chain.hpp) against the general rows
// (glmm_likelihood, one row after another): the same SSE (or a discrete family's
// log-likelihood), dL/db and G up to the rounding of the reassociated sums (and of vm::'s exp
// for the C library's), on the design fixture's formulas, (1 | g) and with slopes (36 rows:
// full blocks and a tail), on the counts fixture for the discrete families, on radon (919
// rows sorted by county: long runs of one level) and on radon with its rows shuffled (a new
// level at almost every row). Every other check of the model (finite differences, Dense vs
// Strided, the naive density) runs through this path too, in glmm_gradient_test.cpp,
// glmm_family_test.cpp and glmm_radon_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "host/io/csv_data.hpp"
#include "kernels/core/dim_simd.hpp"
#include "models/glmm.hpp"
#include "tests/build_config.hpp"
#include "tests/models/gradient_check.hpp"
#include "tests/models/model_loading.hpp"

#if !LOCKSTEP_GPU_SHAPE

namespace lockstep {
namespace {

using models::Glmm;
using namespace models::glmm;
using namespace testing_models;

/// The rows of d at q both ways; expects agreement to `units` eps of the size of the terms
/// summed (sum over rows of |res^2| for SSE, of |e| |x| for a gradient coordinate), which
/// bounds the rounding of any order of summation.
void expect_rows_agree(const GlmmData& d, const std::vector<Real>& q, double units) {
  ASSERT_TRUE(one_chain_rows_apply(d));
  const Real mult[6] = {Real(0.7), Real(1.3), Real(0.45), Real(1.9), Real(1.1), Real(0.8)};
  ASSERT_LE(d.n_sd, 6);
  const Real inv_var = Real(1.6);
  std::vector<Real> g_general(d.dim, Real(0)), g_simd(d.dim, Real(0));
  const Dense<Real> qv{const_cast<Real*>(q.data())}, gv{g_general.data()};
  const Real sse_general = d.family == kBinomial  ? glmm_likelihood<kBinomial>(d, qv, gv, mult, inv_var)
                           : d.family == kPoisson ? glmm_likelihood<kPoisson>(d, qv, gv, mult, inv_var)
                                                  : glmm_likelihood<kGaussian>(d, qv, gv, mult, inv_var);
  const Real sse_simd = glmm_rows_one_chain(d, q.data(), g_simd.data(), mult, inv_var);
  // The size of what each sum adds up: res^2 for SSE; |e x| for the coordinates.
  std::vector<double> size(d.dim, 0.0);
  double sse_size = 0;
  const int j0 = d.x_icpt ? 1 : 0;
  for (int n = 0; n < d.N; ++n) {
    double eta = d.x_icpt ? q[0] : 0.0;
    for (int j = j0; j < d.P; ++j) eta += d.X[n * d.P + j] * q[j];
    // column c of term r: Z = 1 for the intercept, else the row's Z value
    auto zval = [&](int r, int c) {
      return c == 0 && (d.simple_blocks || d.icpt[r]) ? 1.0 : d.Z[n * d.Ktot + d.col_of[r] + c];
    };
    auto columns = [&](int r) { return d.simple_blocks ? 1 : d.K[r]; };
    auto scale = [&](int r) { return d.simple_blocks ? r : d.sd_of[r]; };
    for (int r = 0; r < d.R; ++r)
      for (int c = 0; c < columns(r); ++c) eta += zval(r, c) * mult[scale(r) + c] * q[d.base[n * d.R + r] + c];
    // the row's terms: res^2 and res / sigma^2 (gaussian); |y eta| + |t log1p_exp(eta)| or
    // |y eta| + e^eta and |y| + t inv_logit(eta) or |y| + e^eta (the discrete families)
    double e;
    if (d.family == kGaussian) {
      const double res = d.y[n] - eta;
      e = std::fabs(res * inv_var);
      sse_size += res * res;
    } else if (d.family == kBinomial) {
      const double t = d.trials[n], log1p_exp = std::log1p(std::exp(-std::fabs(eta))) + std::max(eta, 0.0);
      e = std::fabs(d.y[n]) + t / (1 + std::exp(-eta));
      sse_size += std::fabs(d.y[n] * eta) + t * log1p_exp;
    } else {
      e = std::fabs(d.y[n]) + std::exp(eta);
      sse_size += std::fabs(d.y[n] * eta) + std::exp(eta);
    }
    for (int j = 0; j < d.P; ++j) size[j] += e * std::fabs(j < j0 ? 1.0 : d.X[n * d.P + j]);
    for (int r = 0; r < d.R; ++r)
      for (int c = 0; c < columns(r); ++c) size[d.base[n * d.R + r] + c] += e * std::fabs(zval(r, c));
  }
  const double eps = testing::kRealEps;
  EXPECT_NEAR(sse_simd, sse_general, units * eps * sse_size) << "SSE (gaussian) or log-likelihood";
  for (int i = 0; i < d.dim; ++i)
    EXPECT_NEAR(g_simd[i], g_general[i], units * eps * size[i] + 1e-300) << "gradient coordinate " << i;
}

std::vector<Real> random_point(int dim, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  std::vector<Real> q(dim);
  for (Real& x : q) x = static_cast<Real>(u(rng));
  return q;
}

TEST(GlmmOneChain, DesignFormulasWithATail) {
  auto data = load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/glmm/design_data.csv");
  int cases = 0;
  for (const char* f : {"y ~ (1 | grp)", "y ~ x + (1 | grp)", "y ~ x + z + (1 | grp)", "y ~ 0 + x + (1 | site)",
                        "y ~ 1 + z + (1 | site) + (1 | grp)", "y ~ x * f + (1 | grp)", "y ~ x",
                        "y ~ x + (1 + x | grp)", "y ~ x + (0 + x | grp)", "y ~ x + z + (1 + x + z | grp)",
                        "y ~ x + (1 + x | grp) + (1 | site)", "y ~ 0 + x + (0 + x | grp)"}) {
    SCOPED_TRACE(f);
    const Loaded<Glmm> m = load_model<Glmm>({{"formula", f}}, data.get());
    ASSERT_NE(m.data.N % dim_simd::kDimSimd, 0) << "the fixture should leave a tail";
    for (unsigned seed : {1u, 2u, 3u}) expect_rows_agree(m.data, random_point(m.data.dim, seed), 64);
    ++cases;
  }
  EXPECT_EQ(cases, 12);
}

void expect_radon_rows_agree_sorted_and_shuffled(const char* formula) {
  SCOPED_TRACE(formula);
  auto data = load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/data/radon_mn.csv");
  const Loaded<Glmm> m = load_model<Glmm>({{"formula", formula}}, data.get());
  const GlmmData& d = m.data;
  ASSERT_EQ(d.N, 919);
  expect_rows_agree(d, random_point(d.dim, 7), 64);

  // The same rows in a random order: levels change at almost every row.
  std::vector<int> order(d.N);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(11));
  std::vector<Real> y(d.N), X(static_cast<std::size_t>(d.N) * d.P);
  std::vector<int> base(static_cast<std::size_t>(d.N) * d.R);
  std::vector<Real> Z(static_cast<std::size_t>(d.N) * d.Ktot);
  for (int n = 0; n < d.N; ++n) {
    y[n] = d.y[order[n]];
    for (int j = 0; j < d.P; ++j) X[n * d.P + j] = d.X[order[n] * d.P + j];
    for (int r = 0; r < d.R; ++r) base[n * d.R + r] = d.base[order[n] * d.R + r];
    for (int c = 0; c < d.Ktot; ++c) Z[n * d.Ktot + c] = d.Z[order[n] * d.Ktot + c];
  }
  // ... and the column-major copies the one-chain rows read (density_data.hpp).
  std::vector<Real> Xc(X.size()), Zc(Z.size());
  std::vector<int> base_c(base.size());
  for (int n = 0; n < d.N; ++n) {
    for (int j = 0; j < d.P; ++j) Xc[j * d.N + n] = X[n * d.P + j];
    for (int r = 0; r < d.R; ++r) base_c[r * d.N + n] = base[n * d.R + r];
    for (int c = 0; c < d.Ktot; ++c) Zc[c * d.N + n] = Z[n * d.Ktot + c];
  }
  GlmmData shuffled = d;
  shuffled.y = y.data();
  shuffled.X = X.data();
  shuffled.base = base.data();
  if (d.Ktot > 0) shuffled.Z = Z.data();
  shuffled.Xc = Xc.data();
  shuffled.base_c = base_c.data();
  if (d.Ktot > 0) shuffled.Zc = Zc.data();
  expect_rows_agree(shuffled, random_point(d.dim, 8), 64);
}

TEST(GlmmOneChain, RadonSortedAndShuffled) {
  expect_radon_rows_agree_sorted_and_shuffled("log_radon ~ 1 + floor + (1 | county)");
  expect_radon_rows_agree_sorted_and_shuffled("log_radon ~ 1 + floor + (1 + floor | county)");
}

// The discrete families (vm::'s exp, inv_logit and log1p_exp lane by lane, where the general
// rows take the C library's exp for the Poisson): each family on the counts fixture (36 rows:
// 4 blocks and a tail) with (1 | g) and with slopes.
TEST(GlmmOneChain, DiscreteFamilies) {
  auto data = load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/glmm/counts_data.csv");
  int cases = 0;
  for (const char* family : {"poisson", "binomial", "bernoulli"})
    for (const char* rhs : {"x + (1 | grp)", "1 + z + (1 | site)", "x + z + (1 | grp)",
                            "1 + x + (1 + x | grp) + (1 | site)", "x + (1 + x | grp)"}) {
      const std::string response = std::string(family) == "poisson"    ? "count"
                                   : std::string(family) == "binomial" ? "succ | trials(n)"
                                                                       : "yes";
      const std::string formula = response + " ~ " + rhs;
      SCOPED_TRACE(std::string(family) + ": " + formula);
      const Loaded<Glmm> m = load_model<Glmm>({{"formula", formula}, {"family", family}}, data.get());
      ASSERT_NE(m.data.family, kGaussian);
      ASSERT_NE(m.data.N % dim_simd::kDimSimd, 0) << "the fixture should leave a tail";
      for (unsigned seed : {1u, 2u}) {
        std::vector<Real> q = random_point(m.data.dim, seed);
        for (Real& v : q) v *= Real(0.5);  // moderate eta: counts up to e^(a few)
        expect_rows_agree(m.data, q, 64);
      }
      ++cases;
    }
  EXPECT_EQ(cases, 15);
}

TEST(GlmmOneChain, OtherFamiliesAndShapesTakeTheGeneralRows) {
  auto data = load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/glmm/design_data.csv");
  EXPECT_FALSE(one_chain_rows_apply(
      load_model<Glmm>({{"formula", "y ~ f * factor(g) + (1 | grp)"}}, data.get()).data));  // 12 columns
  auto counts = load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/glmm/counts_data.csv");
  EXPECT_TRUE(one_chain_rows_apply(
      load_model<Glmm>({{"formula", "count ~ x + (1 | grp)"}, {"family", "poisson"}}, counts.get()).data));
  EXPECT_TRUE(one_chain_rows_apply(load_model<Glmm>({{"formula", "y ~ x + (1 | grp)"}}, data.get()).data));
  EXPECT_TRUE(one_chain_rows_apply(load_model<Glmm>({{"formula", "y ~ x + (1 + x | grp)"}}, data.get()).data));
}

}  // namespace
}  // namespace lockstep

#endif  // !LOCKSTEP_GPU_SHAPE
