#include "host/diagnostics/special_functions.hpp"

#include <cmath>
#include <limits>

#include <math.h>  // lgamma_r: std::lgamma writes the global signgam (a data race under OpenMP)

namespace lockstep::diagnostics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Horner evaluation of c[0] + c[1] r + ... + c[7] r^7.
inline double poly7(const double (&c)[8], double r) {
  double v = c[7];
  for (int i = 6; i >= 0; --i) v = v * r + c[i];
  return v;
}

// Coefficients of AS 241 (PPND16), Wichura 1988, Table: central region |p − 0.5| ≤ 0.425
// in r = 0.180625 − q², intermediate tail in r − 1.6 and far tail in r − 5 with
// r = sqrt(−log(min(p, 1 − p))).
constexpr double kA[8] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
                          1.9715909503065514427e+3, 1.3731693765509461125e+4,
                          4.5921953931549871457e+4, 6.7265770927008700853e+4,
                          3.3430575583588128105e+4, 2.5090809287301226727e+3};
constexpr double kB[8] = {1.0,                      4.2313330701600911252e+1,
                          6.8718700749205790830e+2, 5.3941960214247511077e+3,
                          2.1213794301586595867e+4, 3.9307895800092710610e+4,
                          2.8729085735721942674e+4, 5.2264952788528545610e+3};
constexpr double kC[8] = {1.42343711074968357734e0,  4.63033784615654529590e0,
                          5.76949722146069140550e0,  3.64784832476320460504e0,
                          1.27045825245236838258e0,  2.41780725177450611770e-1,
                          2.27238449892691845833e-2, 7.74545014278341407640e-4};
constexpr double kD[8] = {1.0,                       2.05319162663775882187e0,
                          1.67638483018380384940e0,  6.89767334985100004550e-1,
                          1.48103976427480074590e-1, 1.51986665636164571966e-2,
                          5.47593808499534494600e-4, 1.05075007164441684324e-9};
constexpr double kE[8] = {6.65790464350110377720e0,  5.46378491116411436990e0,
                          1.78482653991729133580e0,  2.96560571828504891230e-1,
                          2.65321895265761230930e-2, 1.24266094738807843860e-3,
                          2.71155556874348757815e-5, 2.01033439929228813265e-7};
constexpr double kF[8] = {1.0,                       5.99832206555887937690e-1,
                          1.36929880922735805310e-1, 1.48753612908506148525e-2,
                          7.86869131145613259100e-4, 1.84631831751005468180e-5,
                          1.42151175831644588870e-7, 2.04426310338993978564e-15};

// Continued fraction of I_x(a, b) (A&S 26.5.8), modified Lentz; valid and fast for
// x < (a + 1)/(a + b + 2). It needs O(sqrt(max(a, b))) terms for large shapes.
double beta_continued_fraction(double x, double a, double b) {
  constexpr double kTiny = 1e-300;
  constexpr double kEps = 1e-16;
  constexpr int kMaxIter = 1000000;
  const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= kMaxIter; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));  // d_{2m}
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));  // d_{2m+1}
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < kEps) break;
  }
  return h;
}

// δ(z) = log Γ(z) − [(z − ½) log z − z + ½ log 2π], the Stirling remainder, by its asymptotic
// series Σ B_2k / (2k (2k − 1) z^(2k−1)) (8 terms: below 1e-16 for z ≥ 10).
double stirling_remainder(double z) {
  const double r = 1.0 / z, r2 = r * r;
  return r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680 + r2 * (1.0 / 1188 +
         r2 * (-691.0 / 360360 + r2 * (1.0 / 156 + r2 * (-3617.0 / 122400))))))));
}

constexpr double kStirlingMin = 10.0;  // both shapes at least this: use the Stirling form

// log[x^a (1 − x)^b / B(a, b)]. For large shapes the terms a log x, b log(1 − x) and log B are
// each ~(a + b) log(a + b) and cancel; writing x = x0 + d with x0 = a/(a + b) gives
//   a log1p(d/x0) + b log1p(−d/y0) + ½ log(ab/(a + b)) − ½ log 2π − δ(a) − δ(b) + δ(a + b)
// (y0 = b/(a + b)), whose first-order terms cancel analytically: relative accuracy ~1e-14
// instead of ~(a + b)·1e-16 (Temme's and DiDonato & Morris's device, ACM TOMS 18, 1992).
double log_beta_front(double x, double a, double b) {
  if (a < kStirlingMin || b < kStirlingMin) {
    return a * std::log(x) + b * std::log1p(-x) - log_beta(a, b);
  }
  const double s = a + b, x0 = a / s, y0 = b / s, d = x - x0;
  const double half_log_2pi = 0.91893853320467274178;
  return a * std::log1p(d / x0) + b * std::log1p(-d / y0) + 0.5 * std::log(a * (b / s)) -
         half_log_2pi - stirling_remainder(a) - stirling_remainder(b) + stirling_remainder(s);
}

}  // namespace

double inv_normal_cdf(double p) {
  if (std::isnan(p) || p < 0.0 || p > 1.0) return kNaN;
  if (p == 0.0) return -kInf;
  if (p == 1.0) return kInf;
  const double q = p - 0.5;
  if (std::fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q * poly7(kA, r) / poly7(kB, r);
  }
  double r = q < 0.0 ? p : 1.0 - p;
  r = std::sqrt(-std::log(r));
  double value;
  if (r <= 5.0) {
    r -= 1.6;
    value = poly7(kC, r) / poly7(kD, r);
  } else {
    r -= 5.0;
    value = poly7(kE, r) / poly7(kF, r);
  }
  return q < 0.0 ? -value : value;
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

double log_beta(double a, double b) {
  int sign = 0;
  return lgamma_r(a, &sign) + lgamma_r(b, &sign) - lgamma_r(a + b, &sign);
}

double beta_inc(double x, double a, double b) {
  if (std::isnan(x) || std::isnan(a) || std::isnan(b) || !(a > 0.0) || !(b > 0.0) || x < 0.0 ||
      x > 1.0)
    return kNaN;
  if (x == 0.0) return 0.0;
  if (x == 1.0) return 1.0;
  const double log_front = log_beta_front(x, a, b);
  if (x < (a + 1.0) / (a + b + 2.0)) return std::exp(log_front) * beta_continued_fraction(x, a, b) / a;
  return 1.0 - std::exp(log_front) * beta_continued_fraction(1.0 - x, b, a) / b;
}

double beta_quantile(double p, double a, double b) {
  if (std::isnan(p) || std::isnan(a) || std::isnan(b) || !(a > 0.0) || !(b > 0.0) || p < 0.0 ||
      p > 1.0 || std::isinf(a) || std::isinf(b))
    return kNaN;
  if (p == 0.0) return 0.0;
  if (p == 1.0) return 1.0;
  // Start from the normal approximation to Beta(a, b), clamped into the open interval.
  const double mean = a / (a + b);
  const double sd = std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1.0)));
  double x = mean + inv_normal_cdf(p) * sd;
  if (!(x > 0.0 && x < 1.0)) x = mean;
  double lo = 0.0, hi = 1.0;
  for (int it = 0; it < 300; ++it) {
    const double f = beta_inc(x, a, b) - p;
    if (f == 0.0) return x;
    if (f < 0.0) lo = x; else hi = x;
    // Newton step with the density x^(a−1) (1 − x)^(b−1) / B(a, b).
    const double log_pdf = log_beta_front(x, a, b) - std::log(x) - std::log1p(-x);
    double next = x - f / std::exp(log_pdf);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);  // bisect when Newton leaves the bracket
    const double step = std::fabs(next - x);
    x = next;
    if (step <= 4e-16 * x || hi - lo <= 4e-16 * x) break;
  }
  return x;
}

}  // namespace lockstep::diagnostics
