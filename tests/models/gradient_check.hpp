#pragma once
// Test helpers for every model: a finite-difference gradient checker, reproducible test
// points, and the check that the SIMD instantiation (BlockView<W>, T = Batch<W>) gives what
// the scalar one (Strided<Real>) gives, chain by chain.
//
// Finite differences: Richardson extrapolation of central differences (Ridders' scheme;
// C. J. F. Ridders, "Accurate computation of F'(x) and F'(x)F''(x)", Adv. Eng. Software 4(2),
// 1982). With D(h) = (f(x+h) - f(x-h)) / (2h) = f'(x) + c1 h^2 + c2 h^4 + ..., the tableau
//   A[k][0] = D(h0 / 2^k),   A[k][j] = A[k][j-1] + (A[k][j-1] - A[k-1][j-1]) / (4^j - 1)
// cancels one more even power of h per column. Each entry's error is estimated from its two
// parents; the entry with the smallest estimate is the answer, and the halving stops once
// rounding makes the diagonal worse (error grows to twice the best). Typically 1e-10 relative
// or better, so a 1e-6 tolerance tests the gradient, not the differencing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/strided.hpp"

namespace lockstep {
namespace testing_models {

/// Tolerance of the gradient check: |g - fd| <= kGradRelTol * max(1, |g|).
constexpr double kGradRelTol = 1e-6;

/// Log density and gradient of one chain at q (a dense vector), through Dense<Real> views.
template <class Model>
double log_density(const Model& model, const typename Model::Data& data, std::vector<double> q,
                   std::vector<double>* grad = nullptr) {
  std::vector<double> g(q.size(), 0.0);
  const double lp = model.log_density_and_grad(data, Dense<Real>{q.data()}, Dense<Real>{g.data()});
  if (grad) *grad = g;
  return lp;
}

/// The model's outputs (constrained parameters and derived quantities) at q.
template <class Model>
std::vector<double> outputs(const Model& model, const typename Model::Data& data,
                            std::vector<double> q) {
  std::vector<double> out(static_cast<std::size_t>(model.n_out(data)), 0.0);
  model.write_out(data, Dense<Real>{q.data()}, Dense<Real>{out.data()});
  return out;
}

struct Derivative {
  double value;
  double error;  // estimated absolute error
};

/// d/dt f(t) at t = 0 by Richardson-extrapolated central differences from step h0.
template <class F>
Derivative richardson_derivative(F f, double h0) {
  constexpr int kMaxLevels = 12;
  double prev[kMaxLevels], cur[kMaxLevels];
  Derivative best{0.0, INFINITY};
  double h = h0;
  for (int k = 0; k < kMaxLevels; ++k, h *= 0.5) {
    cur[0] = (f(h) - f(-h)) / (2 * h);
    double pow4 = 1.0;
    for (int j = 1; j <= k; ++j) {
      pow4 *= 4.0;
      cur[j] = cur[j - 1] + (cur[j - 1] - prev[j - 1]) / (pow4 - 1.0);
      const double err = std::max(std::fabs(cur[j] - cur[j - 1]), std::fabs(cur[j] - prev[j - 1]));
      if (err <= best.error) best = {cur[j], err};
    }
    if (k > 0 && std::fabs(cur[k] - prev[k - 1]) >= 2 * best.error) break;
    std::copy(cur, cur + k + 1, prev);
  }
  return best;
}

/// Compares the model's gradient at q with finite differences in every coordinate:
/// |g_i - fd_i| <= rel_tol * max(1, |g_i|). Also requires a finite log density.
template <class Model>
::testing::AssertionResult gradient_matches(const Model& model, const typename Model::Data& data,
                                            const std::vector<double>& q,
                                            double rel_tol = kGradRelTol) {
  std::vector<double> g;
  const double lp0 = log_density(model, data, q, &g);
  auto point = [&q] {
    std::ostringstream s;
    s.precision(6);
    s << "at q = (";
    for (std::size_t i = 0; i < q.size() && i < 12; ++i) s << (i ? ", " : "") << q[i];
    if (q.size() > 12) s << ", ...";
    return s.str() + ")";
  };
  if (!std::isfinite(lp0)) return ::testing::AssertionFailure() << "log density " << lp0 << " " << point();
  std::vector<double> x = q;
  for (std::size_t i = 0; i < q.size(); ++i) {
    auto f = [&](double t) {
      x[i] = q[i] + t;
      const double v = log_density(model, data, x);
      x[i] = q[i];
      return v;
    };
    const Derivative fd = richardson_derivative(f, 0.1 * std::max(1.0, std::fabs(q[i])));
    const double tol = rel_tol * std::max(1.0, std::fabs(g[i]));
    if (!(std::fabs(g[i] - fd.value) <= tol))
      return ::testing::AssertionFailure()
             << std::setprecision(17) << "d lp / d q[" << i << "]: analytic " << g[i]
             << ", finite difference " << fd.value << " (estimated error " << fd.error
             << "), |gap| " << std::fabs(g[i] - fd.value) << " > tolerance " << tol << " "
             << point();
  }
  return ::testing::AssertionSuccess();
}

/// Fixed-seed uniform points: splitmix64 bits -> 53-bit uniforms, the same on every platform.
class PointGenerator {
 public:
  explicit PointGenerator(std::uint64_t seed) : s_(seed) {}
  double uniform(double lo, double hi) {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return lo + (hi - lo) * static_cast<double>(z >> 11) * 0x1.0p-53;
  }
  std::vector<double> point(int dim, double lo, double hi) {
    std::vector<double> q(static_cast<std::size_t>(dim));
    for (double& x : q) x = uniform(lo, hi);
    return q;
  }

 private:
  std::uint64_t s_;
};

/// The 20 standard test points: 12 from U(-2, 2)^dim and 8 from the wider U(-5, 5)^dim.
inline std::vector<std::vector<double>> standard_points(int dim, std::uint64_t seed) {
  PointGenerator gen(seed);
  std::vector<std::vector<double>> pts;
  for (int k = 0; k < 12; ++k) pts.push_back(gen.point(dim, -2.0, 2.0));
  for (int k = 0; k < 8; ++k) pts.push_back(gen.point(dim, -5.0, 5.0));
  return pts;
}

/// Runs gradient_matches at every point.
template <class Model>
void expect_gradients_match(const Model& model, const typename Model::Data& data,
                            const std::vector<std::vector<double>>& points) {
  for (std::size_t k = 0; k < points.size(); ++k)
    EXPECT_TRUE(gradient_matches(model, data, points[k])) << "test point " << k;
}

/// |a - b| <= rel * max(|a|, |b|, scale), with exact equality for zeros; prints the gap.
/// `scale` makes the check normwise for vector components (e.g. the largest |g_p|), so that a
/// component that cancels to near zero is judged against the size of the vector.
inline ::testing::AssertionResult close_relative(double a, double b, double rel, double scale = 0) {
  if (a == b || std::fabs(a - b) <= rel * std::max({std::fabs(a), std::fabs(b), scale}))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << std::setprecision(17) << a << " vs " << b << ": |gap| "
                                       << std::fabs(a - b) << " > " << rel << " relative to "
                                       << std::max({std::fabs(a), std::fabs(b), scale});
}

/// max_i |v[i * stride + offset]|, i < n.
inline double max_abs(const std::vector<double>& v, int n, int stride, int offset) {
  double m = 0;
  for (int i = 0; i < n; ++i)
    m = std::max(m, std::fabs(v[static_cast<std::size_t>(i) * stride + offset]));
  return m;
}

/// Relative tolerance for Batch<W> versus scalar evaluation (normwise for vectors). Both run
/// the same operations in the same order; only floating-point contraction (FMA) may differ
/// between the vectorized and the scalar loop.
constexpr double kBlockRelTol = 1e-14;

/// Lays out n_chains = 2W chains parameter-major (q[p * n + c]), evaluates the second block
/// of W chains through BlockView<W> (value type Batch<W>) and every chain of it through
/// Strided<Real>, and compares lp, gradient and outputs chain by chain.
template <int W, class Model>
void expect_block_matches_scalar(const Model& model, const typename Model::Data& data,
                                 std::uint64_t seed, double lo = -2.0, double hi = 2.0) {
  const int dim = model.dim(data), n_out = model.n_out(data);
  const int n = 2 * W, c0 = W;  // a stride larger than the block, and an offset block
  PointGenerator gen(seed);
  std::vector<double> q(static_cast<std::size_t>(dim) * n);
  for (double& x : q) x = gen.uniform(lo, hi);
  const std::size_t n_grad = q.size(), n_outs = static_cast<std::size_t>(n_out) * n;
  std::vector<double> g_block(n_grad, -7.0), g_scalar(n_grad, -7.0);
  std::vector<double> out_block(n_outs, -7.0), out_scalar(n_outs, -7.0);

  const Batch<W> lp_block = model.log_density_and_grad(data, BlockView<W>{q.data() + c0, n},
                                                       BlockView<W>{g_block.data() + c0, n});
  model.write_out(data, BlockView<W>{q.data() + c0, n}, BlockView<W>{out_block.data() + c0, n});
  std::vector<double> lp_scalar(W);
  for (int w = 0; w < W; ++w) {
    const int c = c0 + w;
    const double lp = lp_scalar[w] = model.log_density_and_grad(data, Strided<Real>{q.data() + c, n},
                                                 Strided<Real>{g_scalar.data() + c, n});
    model.write_out(data, Strided<Real>{q.data() + c, n}, Strided<Real>{out_scalar.data() + c, n});
    EXPECT_TRUE(close_relative(lp_block[w], lp, kBlockRelTol)) << "lp, chain " << w;
    const double g_norm = max_abs(g_scalar, dim, n, c), out_norm = max_abs(out_scalar, n_out, n, c);
    for (int p = 0; p < dim; ++p)
      EXPECT_TRUE(close_relative(g_block[static_cast<std::size_t>(p) * n + c],
                                 g_scalar[static_cast<std::size_t>(p) * n + c], kBlockRelTol, g_norm))
          << "gradient " << p << ", chain " << w;
    for (int o = 0; o < n_out; ++o)
      EXPECT_TRUE(close_relative(out_block[static_cast<std::size_t>(o) * n + c],
                                 out_scalar[static_cast<std::size_t>(o) * n + c], kBlockRelTol,
                                 out_norm))
          << "output " << o << ", chain " << w;
  }
  // The other block was neither read into nor written: its gradient slots are untouched.
  for (int p = 0; p < dim; ++p)
    for (int c = 0; c < c0; ++c) EXPECT_EQ(g_block[static_cast<std::size_t>(p) * n + c], -7.0);
  // Strided and Dense evaluations of one chain agree (the same scalar code; only FMA
  // contraction may differ between the two instantiations).
  std::vector<double> qc(static_cast<std::size_t>(dim)), gd;
  for (int p = 0; p < dim; ++p) qc[p] = q[static_cast<std::size_t>(p) * n + c0];
  const double lp_dense = log_density(model, data, qc, &gd);
  EXPECT_TRUE(std::isfinite(lp_dense));
  EXPECT_TRUE(close_relative(lp_dense, lp_scalar[0], kBlockRelTol)) << "lp, Dense vs Strided";
  const double g_norm = max_abs(g_scalar, dim, n, c0);
  for (int p = 0; p < dim; ++p)
    EXPECT_TRUE(close_relative(gd[p], g_scalar[static_cast<std::size_t>(p) * n + c0], kBlockRelTol,
                               g_norm))
        << "gradient " << p << ", Dense vs Strided";
}

/// Expects lp(a) - lp(b) from the model to equal ref(a) - ref(b) from an independent
/// formula (constants cancel), to `rel` of the larger of the two log densities.
template <class Model, class Ref>
void expect_log_density_differences(const Model& model, const typename Model::Data& data,
                                    Ref ref, const std::vector<std::vector<double>>& points,
                                    double rel = 1e-12) {
  for (std::size_t k = 0; k + 1 < points.size(); ++k) {
    const double la = log_density(model, data, points[k]);
    const double lb = log_density(model, data, points[k + 1]);
    const double ra = ref(points[k]);
    const double rb = ref(points[k + 1]);
    const double scale = std::max({1.0, std::fabs(la), std::fabs(lb), std::fabs(ra), std::fabs(rb)});
    EXPECT_NEAR(la - lb, ra - rb, rel * scale) << "points " << k << " and " << k + 1;
  }
}

}  // namespace testing_models
}  // namespace lockstep
