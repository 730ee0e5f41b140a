#pragma once
// Finite-difference derivatives and reproducible test points, for checking hand-derived
// gradients (`lockstep check`, the model tests).
//
// Richardson extrapolation of central differences (Ridders' scheme; C. J. F. Ridders,
// "Accurate computation of F'(x) and F'(x)F''(x)", Adv. Eng. Software 4(2), 1982). With
// D(h) = (f(x+h) - f(x-h)) / (2h) = f'(x) + c1 h^2 + c2 h^4 + ..., the tableau
//   A[k][0] = D(h0 / 2^k),   A[k][j] = A[k][j-1] + (A[k][j-1] - A[k-1][j-1]) / (4^j - 1)
// cancels one more even power of h per column. Each entry's error is estimated from its two
// parents; the entry with the smallest estimate is the answer, and the halving stops once
// rounding makes the diagonal worse (error grows to twice the best). Typically 1e-10 relative
// or better in double, so a 1e-6 tolerance tests the gradient, not the differencing (in float,
// see kGradRelTol). compare_gradient asks two more tableaux, from smaller first steps, before
// it reports a disagreement, and takes the median of the three.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "host/core/text.hpp"
#include "kernels/core/config.hpp"

namespace lockstep {
namespace check {

/// Default tolerance of a gradient check: |g - fd| <= kGradRelTol * max(1, |g|). Double: 1e-6.
/// Float (LOCKSTEP_REAL_FLOAT): the model evaluates its log density in float, rounded to
/// ~eps |lp| (eps = 1.2e-7), and a central difference over a step h carries that as
/// ~eps |lp| / h: with |lp| up to ~100 and the steps Ridders' tableau reaches before rounding
/// stops it (h ~ 0.01 .. 0.1), 1e-4 .. 1e-3. Measured on the built-in models at radius 2:
/// up to 5e-5. So 2e-3, which still fails a gradient wrong by a few parts in a thousand.
constexpr double kGradRelTol = sizeof(Real) == sizeof(double) ? 1e-6 : 2e-3;

/// Default tolerance of the round trip unconstrain(constrain(q)) = q, relative to max(1, |q|).
/// Double: 1e-8. Float: a transform and its inverse lose a few eps each, more where the
/// inverse is ill-conditioned (logit near the bounds: 1 / (1 - p) ~ 10 at |q| = 2): 1e-5,
/// about 80 eps.
constexpr double kRoundTripRelTol = sizeof(Real) == sizeof(double) ? 1e-8 : 1e-5;

struct Derivative {
  double value;
  double error;     // estimated absolute error
  double step = 0;  // the finest step h the chosen tableau entry differences over
};

/// d/dt f(t) at t = 0 by Richardson-extrapolated central differences from step h0.
/// `realized(t)`: the offset f is actually evaluated at when asked for t (f itself must
/// evaluate there). The identity by default; where the argument is rounded to Real before the
/// evaluation (compare_gradient in float), each difference divides by the realized width
/// realized(h) - realized(-h) instead of 2h: otherwise the rounding of x + h, up to
/// ulp(x) / 2 = 6e-8 |x| in float, is an error of ulp(x) / (2h) relative in every difference,
/// 1e-4 at |x| = 4, h = 1e-3. (The tableau still assumes the nominal steps h0 / 2^k in its
/// extrapolation; the realized ones differ by ~ulp(x), which moves the h^2 term by
/// O(h ulp(x)) only.)
template <class F, class Realized>
Derivative richardson_derivative(F f, double h0, Realized realized) {
  constexpr int kMaxLevels = 12;
  double prev[kMaxLevels], cur[kMaxLevels];
  Derivative best{0.0, INFINITY, h0};
  double h = h0;
  for (int k = 0; k < kMaxLevels; ++k, h *= 0.5) {
    const double up = realized(h), down = realized(-h);
    cur[0] = (f(up) - f(down)) / (up - down);
    double pow4 = 1.0;
    for (int j = 1; j <= k; ++j) {
      pow4 *= 4.0;
      cur[j] = cur[j - 1] + (cur[j - 1] - prev[j - 1]) / (pow4 - 1.0);
      const double err = std::max(std::fabs(cur[j] - cur[j - 1]), std::fabs(cur[j] - prev[j - 1]));
      if (err <= best.error) best = {cur[j], err, h};
    }
    if (k > 0 && std::fabs(cur[k] - prev[k - 1]) >= 2 * best.error) break;
    std::copy(cur, cur + k + 1, prev);
  }
  return best;
}

template <class F>
Derivative richardson_derivative(F f, double h0) {
  return richardson_derivative(f, h0, [](double t) { return t; });
}

/// The offset from x at which a model evaluates when asked for x + t: x + t rounded to Real.
/// In double, t itself (x + t rounds to double either way, and the double checks keep
/// their nominal steps); in float, Real(x + t) - x.
inline double real_offset(double x, double t) {
  if (sizeof(Real) == sizeof(double)) return t;
  return static_cast<double>(static_cast<Real>(x + t)) - x;
}

/// log p(q), and its gradient into *grad when grad is not null.
using LogDensityFn = std::function<double(const std::vector<double>& q, std::vector<double>* grad)>;

/// One coordinate of a gradient check.
struct CoordinateCheck {
  double analytic = 0;
  double finite_difference = 0;
  double fd_error = 0;   // the differencing's own error estimate
  double fd_step = 0;    // the finest step it differenced over (Derivative::step)
  double relative = 0;   // |analytic - fd| / max(1, |analytic|)
  /// What differencing a Real log density cannot resolve, in the same relative units: the
  /// model sums lp in Real, so lp carries ~eps |lp| and a difference over h carries
  /// ~eps |lp| / h; with Ridders' weights, 4 eps max(1, |lp|) / h (h = fd_step). Zero in
  /// double (there it stays below 1e-8 relative and is not counted); `lockstep check` in a
  /// float build judges relative - rounding_floor.
  double rounding_floor = 0;
};

/// The gradient at q against finite differences in every coordinate (step 0.1 max(1, |q_i|)).
inline std::vector<CoordinateCheck> compare_gradient(const LogDensityFn& f, const std::vector<double>& q) {
  std::vector<double> g;
  const double lp = f(q, &g);
  std::vector<CoordinateCheck> out(q.size());
  std::vector<double> x = q;
  for (std::size_t i = 0; i < q.size(); ++i) {
    auto along = [&](double t) {
      x[i] = q[i] + t;
      const double v = f(x, nullptr);
      x[i] = q[i];
      return v;
    };
    const auto realized = [&](double t) { return real_offset(q[i], t); };
    const double h0 = 0.1 * std::max(1.0, std::fabs(q[i]));
    Derivative fd = richardson_derivative(along, h0, realized);
    if (!(std::fabs(g[i] - fd.value) <= 0.1 * kGradRelTol * std::max(1.0, std::fabs(g[i])))) {
      // A second opinion before a gradient is called wrong: where the density changes on a
      // scale far below h0, the tableau's large steps can agree by chance and report a falsely
      // small error (peak's width at some points: 1e-5 off, "error" 1e-9). Two more tableaux
      // from h0 / 16 and h0 / 256; the median of the three values is the answer, so one bad
      // tableau cannot fail a right gradient, and a wrong gradient still disagrees with all.
      Derivative more[3] = {fd, richardson_derivative(along, h0 / 16, realized),
                            richardson_derivative(along, h0 / 256, realized)};
      std::sort(more, more + 3, [](const Derivative& a, const Derivative& b) { return a.value < b.value; });
      fd = more[1];
    }
    CoordinateCheck& c = out[i];
    c.fd_step = fd.step;
    c.analytic = g[i];
    c.finite_difference = fd.value;
    c.fd_error = fd.error;
    c.relative = std::fabs(g[i] - fd.value) / std::max(1.0, std::fabs(g[i]));
    if (!(c.relative == c.relative)) c.relative = INFINITY;  // NaN: a failure, never a pass
    if (sizeof(Real) < sizeof(double) && fd.step > 0)
      c.rounding_floor = 4.0 * std::numeric_limits<Real>::epsilon() * std::max(1.0, std::fabs(lp)) / fd.step /
                         std::max(1.0, std::fabs(g[i]));
  }
  return out;
}

/// Fixed-seed uniform points: splitmix64 bits -> 53-bit uniforms, the same on every platform.
class PointGenerator {
 public:
  explicit PointGenerator(std::uint64_t seed) : s_(seed) {}
  double uniform(double lo, double hi) {
    const std::uint64_t z = splitmix64(s_);
    s_ += 0x9E3779B97F4A7C15ull;
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

}  // namespace check
}  // namespace lockstep
