#pragma once
// The weighted least-squares fit of the peak curve to one data set: the peak model's summary
// statistics for ABC's regression adjustment (host/algorithms/abc/regression_adjustment.hpp).
//
//   theta_hat(y) = argmin_theta  S(theta; y),   S = sum_n w_n (y_n - f(x_n; theta))^2,
//   f(x; l, m, s, a, b) = l exp(-(m - x)^2 / (2 s^2)) + a + b x,  w_n = 1 / y_err_n^2,
//
// i.e. the maximum-likelihood estimate, asymptotically sufficient for theta: near the observed
// data its 5 values carry what the 40 noisy points say about the parameters, which is what a
// local-linear regression of theta on the statistics needs (Beaumont, Zhang and Balding 2002;
// Fearnhead and Prangle 2012 motivate E[theta | y] as the ideal summary, and the MLE is its
// large-sample form).
//
// Levenberg-Marquardt (Marquardt 1963; Nocedal and Wright 2006, sec. 10.3) with the residual
// Jacobian J_nk = d f(x_n) / d theta_k:
//   (A + lambda diag(A) + 1e-9 (1 + diag(A)) I) delta = g,   A = J^T W J,  g = J^T W (y - f),
//   theta' = theta + delta (s' = |s'| clamped to [1e-3, 10]: f depends on s^2 only);
//   S(theta') < S(theta): accept, lambda /= 3;  else: keep theta, lambda *= 4;
// from lambda = 1e-3, for a fixed number of iterations (kFitIterations; a lane's work is then
// fixed, and the statistic is a deterministic function of y). A step whose system is not
// positive definite or not finite counts as rejected.
//
// A simulated data set's fit starts from the OBSERVED data's fit (PeakData::fit_start): the
// statistic stays a function of y alone (the start is the same for every simulation), and the
// data sets it is used on (an ABC population near the posterior) converge to their own optimum
// within a few iterations. The observed fit itself (peak_observed_fit) runs from a grid of
// starts: m at 9 points across the x range, s at 4 widths; (l, a, b) solved exactly by linear
// weighted least squares for each (m, s); the best sum of squares after 60 iterations wins.
// Everything is in double, whatever Real is.
#include <cmath>

#include "kernels/core/config.hpp"

namespace lockstep {
namespace models {

constexpr int kFitIterations = 12;

namespace peak_fit_detail {

/// Cholesky solve of the symmetric 5x5 system M v = r (M row-major, only its lower triangle
/// read); false when M is not positive definite or a value is not finite.
LS_HD inline bool solve5(const double M[25], const double r[5], double v[5]) {
  double L[25] = {0};
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j <= i; ++j) {
      double s = M[i * 5 + j];
      for (int k = 0; k < j; ++k) s -= L[i * 5 + k] * L[j * 5 + k];
      if (i == j) {
        if (!(s > 0)) return false;
        L[i * 5 + i] = sqrt(s);
      } else {
        L[i * 5 + j] = s / L[j * 5 + j];
      }
    }
  double z[5];
  for (int i = 0; i < 5; ++i) {
    double s = r[i];
    for (int k = 0; k < i; ++k) s -= L[i * 5 + k] * z[k];
    z[i] = s / L[i * 5 + i];
  }
  for (int i = 4; i >= 0; --i) {
    double s = z[i];
    for (int k = i + 1; k < 5; ++k) s -= L[k * 5 + i] * v[k];
    v[i] = s / L[i * 5 + i];
  }
  for (int i = 0; i < 5; ++i)
    if (!(v[i] == v[i]) || fabs(v[i]) == HUGE_VAL) return false;
  return true;
}

/// S(theta; y) (see the file comment). D: PeakData or a host view with its N, x and w; Y: Real
/// or double.
template <class D, class Y>
LS_HD inline double sum_of_squares(const D& d, const Y* y, const double th[5]) {
  const double half_inv_s2 = 0.5 / (th[2] * th[2]);
  double s = 0;
  for (int n = 0; n < d.N; ++n) {
    const double x = d.x[n], dm = th[1] - x;
    const double r = static_cast<double>(y[n]) - (th[0] * exp(-(dm * dm) * half_inv_s2) + th[3] + th[4] * x);
    s += static_cast<double>(d.w[n]) * r * r;
  }
  return s;
}

/// A = J^T W J (lower triangle) and g = J^T W (y - f) at theta.
template <class D, class Y>
LS_HD inline void normal_equations(const D& d, const Y* y, const double th[5], double A[25], double g[5]) {
  for (int k = 0; k < 25; ++k) A[k] = 0;
  for (int k = 0; k < 5; ++k) g[k] = 0;
  const double l = th[0], m = th[1], s = th[2], inv_s2 = 1 / (s * s);
  for (int n = 0; n < d.N; ++n) {
    const double x = d.x[n], wn = d.w[n], dm = m - x;
    const double e = exp(-(dm * dm) * (0.5 * inv_s2));
    const double J[5] = {e, -l * e * dm * inv_s2, l * e * dm * dm * inv_s2 / s, 1.0, x};
    const double r = static_cast<double>(y[n]) - (l * e + th[3] + th[4] * x);
    for (int i = 0; i < 5; ++i) {
      g[i] += wn * J[i] * r;
      for (int j = 0; j <= i; ++j) A[i * 5 + j] += wn * J[i] * J[j];
    }
  }
}

}  // namespace peak_fit_detail

/// Levenberg-Marquardt from `start` for `iterations` steps (see the file comment); the fit in
/// out[0..4] = (l, m, s, a, b); returns its sum of squares.
template <class D, class Y>
LS_HD inline double peak_fit(const D& d, const Y* y, const double start[5], int iterations, double out[5]) {
  namespace pf = peak_fit_detail;
  double th[5], A[25], g[5];
  for (int k = 0; k < 5; ++k) th[k] = start[k];
  double current = pf::sum_of_squares(d, y, th), lambda = 1e-3;
  bool fresh = false;  // A and g are those of th
  for (int it = 0; it < iterations; ++it) {
    if (!fresh) pf::normal_equations(d, y, th, A, g);
    fresh = true;
    double M[25], step[5], trial[5];
    for (int k = 0; k < 25; ++k) M[k] = A[k];
    for (int k = 0; k < 5; ++k) M[k * 6] += lambda * A[k * 6] + 1e-9 * (1 + A[k * 6]);
    bool better = false;
    if (pf::solve5(M, g, step)) {
      for (int k = 0; k < 5; ++k) trial[k] = th[k] + step[k];
      const double s = fabs(trial[2]);
      trial[2] = s < 1e-3 ? 1e-3 : (s > 10 ? 10 : s);
      const double value = pf::sum_of_squares(d, y, trial);
      if (value < current) {
        for (int k = 0; k < 5; ++k) th[k] = trial[k];
        current = value;
        better = true;
        fresh = false;
      }
    }
    lambda = better ? lambda / 3 : lambda * 4;
  }
  for (int k = 0; k < 5; ++k) out[k] = th[k];
  return current;
}

/// The observed data's fit from the grid of starts of the file comment (host; D: any struct
/// with N, x and w as PeakData's).
template <class D, class Y>
inline void peak_observed_fit(const D& d, const Y* y, double out[5]) {
  double x_lo = d.x[0], x_hi = d.x[0];
  for (int n = 1; n < d.N; ++n) {
    x_lo = d.x[n] < x_lo ? d.x[n] : x_lo;
    x_hi = d.x[n] > x_hi ? d.x[n] : x_hi;
  }
  const double range = x_hi > x_lo ? x_hi - x_lo : 1.0;
  const double widths[4] = {0.03, 0.1, 0.3, 1.0};
  double best = HUGE_VAL;
  for (int k = 0; k < 5; ++k) out[k] = 0;
  out[2] = range;
  for (int i = 0; i < 9; ++i)
    for (int j = 0; j < 4; ++j) {
      const double m = x_lo + range * i / 8.0, s = widths[j] * range;
      // (l, a, b) by weighted linear least squares with m and s fixed: columns (e_n, 1, x_n).
      double M[25] = {0}, r[5] = {0}, v[5] = {0};
      for (int n = 0; n < d.N; ++n) {
        const double x = d.x[n], dm = m - x, wn = d.w[n];
        const double c[3] = {exp(-(dm * dm) / (2 * s * s)), 1.0, x};
        for (int a = 0; a < 3; ++a) {
          r[a] += wn * c[a] * static_cast<double>(y[n]);
          for (int b = 0; b <= a; ++b) M[a * 5 + b] += wn * c[a] * c[b];
        }
      }
      for (int a = 3; a < 5; ++a) M[a * 6] = 1;  // pad to 5x5: identity rows, zero right side
      for (int a = 0; a < 3; ++a) M[a * 6] += 1e-12 * (1 + M[a * 6]);
      double start[5] = {0, m, s, 0, 0};
      if (peak_fit_detail::solve5(M, r, v)) {
        start[0] = v[0];
        start[3] = v[1];
        start[4] = v[2];
      }
      double fit[5];
      const double value = peak_fit(d, y, start, 60, fit);
      if (value < best) {
        best = value;
        for (int k = 0; k < 5; ++k) out[k] = fit[k];
      }
    }
}

}  // namespace models
}  // namespace lockstep
