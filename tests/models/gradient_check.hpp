#pragma once
// Test helpers for every model: the finite-difference gradient check (host/check/
// finite_differences.hpp, the same code `lockstep check` runs) as a gtest assertion,
// reproducible test points, and the check that the SIMD instantiation (BlockView<W>,
// T = Batch<W>) gives what the scalar one (Strided<Real>) gives, chain by chain.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "host/check/finite_differences.hpp"
#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/strided.hpp"
#include "tests/build_config.hpp"

namespace lockstep {
namespace testing_models {

using check::Derivative;
using check::richardson_derivative;
using check::PointGenerator;
using check::standard_points;

/// Log density and gradient of one chain at q (a dense vector, rounded to Real), through
/// Dense<Real> views.
template <class Model>
double log_density(const Model& model, const typename Model::Data& data, const std::vector<double>& q,
                   std::vector<double>* grad = nullptr) {
  std::vector<Real> qr(q.begin(), q.end()), g(q.size(), Real(0));
  const double lp = model.log_density_and_grad(data, Dense<Real>{qr.data()}, Dense<Real>{g.data()});
  if (grad) grad->assign(g.begin(), g.end());
  return lp;
}

/// The model's outputs (constrained parameters and derived quantities) at q.
template <class Model>
std::vector<double> outputs(const Model& model, const typename Model::Data& data,
                            const std::vector<double>& q) {
  std::vector<Real> qr(q.begin(), q.end()), out(static_cast<std::size_t>(model.n_out(data)), Real(0));
  model.write_out(data, Dense<Real>{qr.data()}, Dense<Real>{out.data()});
  return std::vector<double>(out.begin(), out.end());
}

/// Compares the model's gradient at q with finite differences in every coordinate:
/// |g_i - fd_i| <= rel_tol * max(1, |g_i|) + the differences' rounding floor in float
/// (testing::fd_rounding_floor; zero in double). Also requires a finite log density.
template <class Model>
::testing::AssertionResult gradient_matches(const Model& model, const typename Model::Data& data,
                                            const std::vector<double>& q,
                                            double rel_tol = testing::kGradTol) {
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
  const check::LogDensityFn f = [&](const std::vector<double>& x, std::vector<double>* grad) {
    return log_density(model, data, x, grad);
  };
  const std::vector<check::CoordinateCheck> c = check::compare_gradient(f, q);
  for (std::size_t i = 0; i < q.size(); ++i) {
    const double scale = std::max(1.0, std::fabs(c[i].analytic));
    const double floor = testing::fd_rounding_floor(lp0, c[i].fd_step) / scale;
    if (!(c[i].relative <= rel_tol + floor))
      return ::testing::AssertionFailure()
             << std::setprecision(17) << "d lp / d q[" << i << "]: analytic " << c[i].analytic
             << ", finite difference " << c[i].finite_difference << " (estimated error " << c[i].fd_error
             << ", step " << c[i].fd_step << "), relative gap " << c[i].relative << " > tolerance " << rel_tol
             << " + rounding floor " << floor << " " << point();
  }
  return ::testing::AssertionSuccess();
}

/// q rounded to Real, as a model evaluation sees it.
inline std::vector<double> rounded(const std::vector<double>& q) {
  std::vector<double> r(q.size());
  for (std::size_t i = 0; i < q.size(); ++i) r[i] = static_cast<Real>(q[i]);
  return r;
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
inline double max_abs(const std::vector<Real>& v, int n, int stride, int offset) {
  double m = 0;
  for (int i = 0; i < n; ++i)
    m = std::max(m, std::fabs(static_cast<double>(v[static_cast<std::size_t>(i) * stride + offset])));
  return m;
}

/// Relative tolerance for Batch<W> versus scalar evaluation (normwise for vectors). Both run
/// the same operations in the same order; only floating-point contraction (FMA) may differ
/// between the vectorized and the scalar loop: 1e-14 in double (tests/build_config.hpp).
constexpr double kBlockRelTol = testing::real_tol(1e-14);

/// Lays out n_chains = 2W chains parameter-major (q[p * n + c]), evaluates the second block
/// of W chains through BlockView<W> (value type Batch<W>) and every chain of it through
/// Strided<Real>, and compares lp, gradient and outputs chain by chain.
template <int W, class Model>
void expect_block_matches_scalar(const Model& model, const typename Model::Data& data,
                                 std::uint64_t seed, double lo = -2.0, double hi = 2.0) {
  const int dim = model.dim(data), n_out = model.n_out(data);
  const int n = 2 * W, c0 = W;  // a stride larger than the block, and an offset block
  PointGenerator gen(seed);
  std::vector<Real> q(static_cast<std::size_t>(dim) * n);
  for (Real& x : q) x = static_cast<Real>(gen.uniform(lo, hi));
  const std::size_t n_grad = q.size(), n_outs = static_cast<std::size_t>(n_out) * n;
  std::vector<Real> g_block(n_grad, Real(-7)), g_scalar(n_grad, Real(-7));
  std::vector<Real> out_block(n_outs, Real(-7)), out_scalar(n_outs, Real(-7));

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
    for (int c = 0; c < c0; ++c) EXPECT_EQ(g_block[static_cast<std::size_t>(p) * n + c], Real(-7));
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
/// formula (constants cancel), to `rel` of the larger of the two log densities. The points
/// are rounded to Real for both (the reference itself runs in double).
template <class Model, class Ref>
void expect_log_density_differences(const Model& model, const typename Model::Data& data,
                                    Ref ref, const std::vector<std::vector<double>>& points,
                                    double rel = testing::real_tol(1e-12)) {
  for (std::size_t k = 0; k + 1 < points.size(); ++k) {
    const double la = log_density(model, data, points[k]);
    const double lb = log_density(model, data, points[k + 1]);
    const double ra = ref(rounded(points[k]));
    const double rb = ref(rounded(points[k + 1]));
    const double scale = std::max({1.0, std::fabs(la), std::fabs(lb), std::fabs(ra), std::fabs(rb)});
    EXPECT_NEAR(la - lb, ra - rb, rel * scale) << "points " << k << " and " << k + 1;
  }
}

}  // namespace testing_models
}  // namespace lockstep
