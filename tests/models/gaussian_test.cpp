// models/gaussian.hpp: loader checks (symmetry, positive definiteness, sizes), precision
// matrix, gradient, value against an independent solve, SIMD/scalar agreement; on a small
// 3-d data set and on data/gauss100_ill.json (condition number 1e4).
#include "models/gaussian.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <utility>

#include "tests/models/gradient_check.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace testing_models {
namespace {

using models::Gaussian;

const char* kSmall = R"({
  "N": 3,
  "mu": [1.0, -1.0, 0.5],
  "Sigma": [[2.0, 0.5, 0.3],
            [0.5, 1.0, -0.2],
            [0.3, -0.2, 1.5]]
})";

/// Independent: -(x - mu)^T z / 2 with Sigma z = x - mu solved by Gaussian elimination
/// with partial pivoting (no Cholesky, no precision matrix).
struct GaussianRef {
  int n;
  std::vector<double> mu, Sigma;
  double operator()(const std::vector<double>& x) const {
    std::vector<double> A = Sigma, r(n);
    for (int i = 0; i < n; ++i) r[i] = x[i] - mu[i];
    std::vector<double> b = r;
    for (int c = 0; c < n; ++c) {
      int piv = c;
      for (int i = c + 1; i < n; ++i)
        if (std::fabs(A[i * n + c]) > std::fabs(A[piv * n + c])) piv = i;
      if (piv != c) {
        for (int j = 0; j < n; ++j) std::swap(A[c * n + j], A[piv * n + j]);
        std::swap(b[c], b[piv]);
      }
      for (int i = c + 1; i < n; ++i) {
        const double f = A[i * n + c] / A[c * n + c];
        for (int j = c; j < n; ++j) A[i * n + j] -= f * A[c * n + j];
        b[i] -= f * b[c];
      }
    }
    for (int i = n - 1; i >= 0; --i) {
      double s = b[i];
      for (int j = i + 1; j < n; ++j) s -= A[i * n + j] * b[j];
      b[i] = s / A[i * n + i];
    }
    double q = 0;
    for (int i = 0; i < n; ++i) q += r[i] * b[i];
    return -0.5 * q;
  }
};

GaussianRef ref_from(const DataSource& src) {
  const int n = static_cast<int>(src.get_int("N"));
  return {n, src.get_reals("mu"), src.get_reals("Sigma")};
}

/// max |(P Sigma - I)_ij|.
double inverse_residual(const models::GaussianData& d, const std::vector<double>& Sigma) {
  const int n = d.N;
  double worst = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int k = 0; k < n; ++k) s += d.P[i * n + k] * Sigma[k * n + j];
      worst = std::max(worst, std::fabs(s - (i == j ? 1.0 : 0.0)));
    }
  return worst;
}

/// Points around mu: mu + U(lo, hi) in each coordinate.
std::vector<std::vector<double>> shifted(std::vector<std::vector<double>> pts,
                                         const std::vector<double>& mu) {
  for (auto& p : pts)
    for (std::size_t i = 0; i < p.size(); ++i) p[i] += mu[i];
  return pts;
}

TEST(Gaussian, Small3dFromJsonFile) {
  const std::string path = write_temp_file("gauss3.json", kSmall);
  auto data = load_json_data(path);
  auto m = load_model<Gaussian>({}, data.get());
  ASSERT_EQ(m.model.dim(m.data), 3);
  EXPECT_EQ(m.model.n_out(m.data), 3);
  EXPECT_EQ(m.names, (std::vector<std::string>{"x[1]", "x[2]", "x[3]"}));
  const std::vector<double> Sigma = data->get_reals("Sigma");
  EXPECT_LT(inverse_residual(m.data, Sigma), testing::real_tol(1e-14));
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_EQ(m.data.P[i * 3 + j], m.data.P[j * 3 + i]);

  // At the mean: lp = 0 and gradient 0; one unit along e_1: lp = -P_11 / 2, g = -P e_1.
  std::vector<double> g;
  EXPECT_EQ(log_density(m.model, m.data, {1.0, -1.0, 0.5}, &g), 0.0);
  EXPECT_EQ(g, std::vector<double>(3, 0.0));
  EXPECT_NEAR(log_density(m.model, m.data, {2.0, -1.0, 0.5}, &g), -0.5 * m.data.P[0], testing::real_tol(1e-15));
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(g[i], -m.data.P[i * 3], testing::real_tol(1e-15));

  expect_gradients_match(m.model, m.data, standard_points(3, 11));
  PointGenerator gen(12);
  expect_gradients_match(m.model, m.data, {gen.point(3, -100, 100), gen.point(3, -1e3, 1e3)});
  expect_log_density_differences(m.model, m.data, ref_from(*data), standard_points(3, 13), testing::real_tol(1e-13));
  expect_block_matches_scalar<8>(m.model, m.data, 14);
  const std::vector<double> q = {0.25, -3, 7};
  EXPECT_EQ(outputs(m.model, m.data, q), q);
}

TEST(Gaussian, Gauss100IllConditioned) {
  auto data = repo_data("gauss100_ill.json");
  auto m = load_model<Gaussian>({}, data.get());
  ASSERT_EQ(m.model.dim(m.data), 100);
  ASSERT_EQ(m.names.size(), 100u);
  EXPECT_EQ(m.names[99], "x[100]");
  const std::vector<double> Sigma = data->get_reals("Sigma");
  const std::vector<double> mu = data->get_reals("mu");
  // cond(Sigma) = 1e4: the inverse is accurate to ~cond * eps (a precision statement: the
  // same number of float eps in float, tests/build_config.hpp).
  EXPECT_LT(inverse_residual(m.data, Sigma), testing::real_tol(1e-11));
  for (double x : mu) EXPECT_NE(x, 0.0);

  expect_gradients_match(m.model, m.data, standard_points(100, 21));
  expect_gradients_match(m.model, m.data, shifted(standard_points(100, 22), mu));
  expect_log_density_differences(m.model, m.data, ref_from(*data),
                                 shifted(standard_points(100, 23), mu), testing::real_tol(1e-10));
  expect_block_matches_scalar<8>(m.model, m.data, 24);
}

/// N = 13: the one-chain SIMD product (models/gaussian.hpp dense_simd) with a SIMD chunk, a
/// column tail (13 = 8 + 5) and rows left over after the blocks of four (13 = 3 x 4 + 1); the
/// Dense evaluation is checked against finite differences, against an independent solve and
/// against the Strided (scalar) evaluation.
/// A Gaussian data file of dimension n: mu_i = mu0 + mu_step i, Sigma_ii = diag,
/// Sigma_ij = off / (1 + |i - j|).
std::unique_ptr<DataSource> banded_gaussian(const std::string& file, int n, double mu0, double mu_step,
                                            double diag, double off) {
  std::string mu = "[", sigma = "[";
  for (int i = 0; i < n; ++i) {
    mu += (i ? "," : "") + std::to_string(mu0 + mu_step * i);
    sigma += std::string(i ? "," : "") + "[";
    for (int j = 0; j < n; ++j)
      sigma += std::string(j ? "," : "") + (i == j ? std::to_string(diag) : std::to_string(off / (1 + std::abs(i - j))));
    sigma += "]";
  }
  return load_json_data(write_temp_file(
      file, "{\"N\": " + std::to_string(n) + ", \"mu\": " + mu + "], \"Sigma\": " + sigma + "]}"));
}

TEST(Gaussian, OneChainSimdPathCoversChunksTailsAndLeftoverRows) {
  const int n = 13;
  auto data = banded_gaussian("gauss13.json", n, -0.5, 0.1, 2.0, 0.3);
  auto m = load_model<Gaussian>({}, data.get());
  ASSERT_EQ(m.model.dim(m.data), n);
  expect_gradients_match(m.model, m.data, standard_points(n, 31));
  expect_log_density_differences(m.model, m.data, ref_from(*data), standard_points(n, 32), testing::real_tol(1e-12));
  expect_block_matches_scalar<8>(m.model, m.data, 33);
}

#if !LOCKSTEP_GPU_SHAPE
/// The one-chain product has two forms on the CPU: from the packed upper triangle (N <= 256,
/// every built-in size) and row by row (larger N, or U absent). Both against finite
/// differences, and against each other and the Strided evaluation on gauss100_ill and on
/// N = 13 (tails in both forms).
TEST(Gaussian, PackedAndRowMajorProductsAgree) {
  for (const char* name : {"gauss100_ill.json", ""}) {
    std::unique_ptr<DataSource> data = *name ? repo_data(name) : banded_gaussian("gauss13b.json", 13, -1.0, 0.2, 3.0, 0.5);
    auto m = load_model<Gaussian>({}, data.get());
    ASSERT_NE(m.data.U, nullptr) << "a built-in size takes the packed product";
    Gaussian::Data row_major = m.data;
    row_major.U = nullptr;
    const int n = m.model.dim(m.data);
    expect_gradients_match(m.model, row_major, standard_points(n, 41));
    expect_block_matches_scalar<8>(m.model, row_major, 42);
    for (const std::vector<double>& x : standard_points(n, 43)) {
      std::vector<double> g_packed, g_rows;
      const double lp_packed = log_density(m.model, m.data, x, &g_packed);
      const double lp_rows = log_density(m.model, row_major, x, &g_rows);
      double g_norm = 0;
      for (double v : g_rows) g_norm = std::max(g_norm, std::fabs(v));
      // Two orders of the same sums: a few hundred eps of the largest term (|P_ij r_j| <= the
      // norm of P times |r|) bound the gap; 1e-12 relative to the gradient's norm is far above.
      EXPECT_TRUE(close_relative(lp_packed, lp_rows, testing::real_tol(1e-12))) << "lp";
      for (int i = 0; i < n; ++i)
        EXPECT_TRUE(close_relative(g_packed[i], g_rows[i], testing::real_tol(1e-12), g_norm)) << "gradient " << i;
    }
  }
}
#endif

TEST(Gaussian, Gauss100IllHasTheAdvertisedSpectrum) {
  // The Rayleigh quotient x^T Sigma x / x^T x lies in [1e-2, 1e2] for every x, and the
  // power method along P reaches the top of the spectrum of P (1 / lambda_min = 100).
  auto data = repo_data("gauss100_ill.json");
  const std::vector<double> S = data->get_reals("Sigma");
  auto m = load_model<Gaussian>({}, data.get());
  const int n = 100;
  std::vector<double> x(n, 1.0), y(n);
  double rayleigh = 0;
  for (int it = 0; it < 3000; ++it) {
    double norm = 0;
    for (int i = 0; i < n; ++i) {
      y[i] = 0;
      for (int k = 0; k < n; ++k) y[i] += m.data.P[i * n + k] * x[k];
      norm += y[i] * y[i];
    }
    norm = std::sqrt(norm);
    double num = 0, den = 0;
    for (int i = 0; i < n; ++i) {
      x[i] = y[i] / norm;
      double sx = 0;
      for (int k = 0; k < n; ++k) sx += S[i * n + k] * x[k];
      num += x[i] * sx;
      den += x[i] * x[i];
    }
    rayleigh = num / den;
  }
  EXPECT_NEAR(rayleigh, 1e-2, 1e-6);
  for (int i = 0; i < n; ++i) {
    EXPECT_GT(S[i * n + i], 1e-2);
    EXPECT_LT(S[i * n + i], 1e2);
  }
}

class GaussianLoadErrors : public ::testing::Test {
 protected:
  std::string error_for(const std::string& json) {
    auto data = parse_json_data(json, "g.json");
    return input_error_of([&] { load_model<Gaussian>({}, data.get()); });
  }
};

TEST_F(GaussianLoadErrors, NotPositiveDefinite) {
  // Eigenvalues of [[1, 2], [2, 1]] are 3 and -1.
  EXPECT_EQ(error_for(R"({"N": 2, "mu": [0, 0], "Sigma": [[1, 2], [2, 1]]})"),
            "g.json: field 'Sigma': not positive definite (leading minor of order 2 is not positive)");
  // Singular: rank 2 in 3-d (third row = first + second).
  EXPECT_EQ(error_for(R"({"N": 3, "mu": [0, 0, 0],
                          "Sigma": [[2, 1, 3], [1, 2, 3], [3, 3, 6]]})"),
            "g.json: field 'Sigma': not positive definite (leading minor of order 3 is not positive)");
  EXPECT_EQ(error_for(R"({"N": 1, "mu": [0], "Sigma": [[0]]})"),
            "g.json: field 'Sigma': not positive definite (leading minor of order 1 is not positive)");
  EXPECT_EQ(error_for(R"({"N": 2, "mu": [0, 0], "Sigma": [[-1, 0], [0, 1]]})"),
            "g.json: field 'Sigma': not positive definite (leading minor of order 1 is not positive)");
}

TEST_F(GaussianLoadErrors, NotSymmetric) {
  EXPECT_EQ(error_for(R"({"N": 3, "mu": [0, 0, 0],
                          "Sigma": [[2, 0.5, 0.3], [0.5, 1, -0.2], [0.3, 0.2, 1.5]]})"),
            "g.json: field 'Sigma': not symmetric: Sigma[2,3] = -0.2 but Sigma[3,2] = 0.2");
  // Differences at the 1e-13 level (a matrix printed with 13 digits) are symmetrized away.
  auto data = parse_json_data(R"({"N": 2, "mu": [0, 0], "Sigma": [[1, 0.3], [0.3000000000000001, 1]]})",
                              "g.json");
  EXPECT_NO_THROW(load_model<Gaussian>({}, data.get()));
}

TEST_F(GaussianLoadErrors, SizesAndFields) {
  EXPECT_EQ(error_for(R"({"N": 2, "mu": [0, 0], "Sigma": [[1, 0, 0], [0, 1, 0]]})"),
            "g.json: field 'Sigma': expected 4 values (a 2 x 2 matrix), found 6");
  EXPECT_EQ(error_for(R"({"N": 2, "mu": [0, 0, 1], "Sigma": [[1, 0], [0, 1]]})"),
            "g.json: field 'mu': expected 2 values, found 3");
  EXPECT_EQ(error_for(R"({"N": 2, "mu": [0, 0]})"), "g.json: field 'Sigma': missing");
  EXPECT_EQ(error_for(R"({"N": 0, "mu": [], "Sigma": []})"),
            "g.json: field 'N': must be a positive integer, found 0");
  EXPECT_EQ(error_for(R"({"N": 2, "mu": [0, "NaN"], "Sigma": [[1, 0], [0, 1]]})"),
            "g.json: field 'mu': value 2 is not finite (NaN)");
}

TEST(Gaussian, NeedsData) {
  EXPECT_EQ(input_error_of([] { load_model<Gaussian>({}, nullptr); }),
            "--data: model 'gaussian' needs a data file");
}

}  // namespace
}  // namespace testing_models
}  // namespace lockstep
