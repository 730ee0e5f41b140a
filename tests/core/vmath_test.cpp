// Accuracy and special values of kernels/core/vmath.hpp.
//
// Double routines are compared with the long-double (x87, 64-bit mantissa) std:: functions,
// accurate to ~2^-63 relative, so the measured error is the routine's own, in units of the
// last place (ulp) of the correctly rounded double result. Float routines are compared with
// the double std:: functions. Every sweep uses a fixed seed; the failure message prints the
// worst argument, the two values and the tolerance.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/core/batch.hpp"
#include "kernels/core/vmath.hpp"

namespace {

namespace m = lockstep::m;
namespace vm = lockstep::vm;

// ---- helpers -------------------------------------------------------------------------------

struct SplitMix64 {  // small fixed-seed generator for test points
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform(double a, double b) { return a + (b - a) * ((next() >> 11) * 0x1p-53); }
  /// |x| log-uniform in [2^lo, 2^hi), random sign if `both_signs`.
  double log_uniform(double lo, double hi, bool both_signs) {
    const double x = std::exp2(uniform(lo, hi));
    return both_signs && (next() & 1) ? -x : x;
  }
};

std::uint64_t bits_of(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
std::uint32_t bits_of(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
bool same(double a, double b) { return (a != a && b != b) || bits_of(a) == bits_of(b); }
bool same(float a, float b) { return (a != a && b != b) || bits_of(a) == bits_of(b); }

/// The spacing of doubles at |r| (2^-1074 below DBL_MIN).
long double ulp_of(double r) {
  int e;
  std::frexp(std::fabs(r) == 0.0 ? DBL_MIN : std::fabs(r), &e);  // |r| in [2^(e-1), 2^e)
  return std::ldexp(1.0L, std::max(e - 53, -1074));
}

/// |got - ref| in ulps of the double nearest to ref, or of `scale` if that is larger in
/// magnitude. An infinite or NaN reference must be matched exactly.
double ulp_error(double got, long double ref, double scale = 0.0) {
  const double r = static_cast<double>(ref);
  if (std::isinf(r) || std::isnan(r)) return same(got, r) ? 0.0 : INFINITY;
  if (std::isnan(got) || std::isinf(got)) return INFINITY;
  const long double ulp = ulp_of(std::fabs(r) > std::fabs(scale) ? r : scale);
  return static_cast<double>(std::fabs(static_cast<long double>(got) - ref) / ulp);
}

double ulp_error_f(float got, double ref) {
  const float r = static_cast<float>(ref);
  if (std::isinf(r) || std::isnan(r)) return same(got, r) ? 0.0 : INFINITY;
  if (std::isnan(got) || std::isinf(got)) return INFINITY;
  int e;
  std::frexp(std::fabs(r) == 0.0f ? FLT_MIN : std::fabs(r), &e);
  const double ulp = std::ldexp(1.0, std::max(e - 24, -149));
  return std::fabs(static_cast<double>(got) - ref) / ulp;
}

struct Worst {
  double err = 0.0, x = 0.0, got = 0.0, ref = 0.0;
  long n = 0;
  void add(double e, double xx, double g, double r) {
    ++n;
    if (!(e <= err)) err = e, x = xx, got = g, ref = r;  // NaN errors count as worst
  }
  std::string str() const {
    char buf[256];
    std::snprintf(buf, sizeof buf, "worst %.4f ulp over %ld points at x = %.17g (%a): got %.17g, ref %.17g",
                  err, n, x, x, got, ref);
    return buf;
  }
};

/// Evaluates f on xs in blocks of 8 through a fixed-length loop (the shape that
/// vectorizes), and measures the error against the long-double reference.
template <class F, class R>
Worst sweep(const std::vector<double>& xs, F f, R ref) {
  Worst w;
  for (std::size_t i = 0; i + 8 <= xs.size(); i += 8) {
    double y[8];
    for (int j = 0; j < 8; ++j) y[j] = f(xs[i + j]);
    for (int j = 0; j < 8; ++j) {
      const long double r = ref(static_cast<long double>(xs[i + j]));
      w.add(ulp_error(y[j], r), xs[i + j], y[j], static_cast<double>(r));
    }
  }
  return w;
}

template <class F, class R>
Worst sweep_f(const std::vector<float>& xs, F f, R ref) {
  Worst w;
  for (std::size_t i = 0; i + 8 <= xs.size(); i += 8) {
    float y[8];
    for (int j = 0; j < 8; ++j) y[j] = f(xs[i + j]);
    for (int j = 0; j < 8; ++j) {
      const double r = ref(static_cast<double>(xs[i + j]));
      w.add(ulp_error_f(y[j], r), xs[i + j], y[j], r);
    }
  }
  return w;
}

/// Arguments near `c`: c itself and the 64 doubles on either side, padded to a multiple of 8.
void add_neighbours(std::vector<double>& xs, double c) {
  double lo = c, hi = c;
  xs.push_back(c);
  for (int i = 0; i < 64; ++i) {
    lo = std::nextafter(lo, -INFINITY);
    hi = std::nextafter(hi, INFINITY);
    xs.push_back(lo);
    xs.push_back(hi);
  }
  while (xs.size() % 8) xs.push_back(c);
}

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDenormMin = std::numeric_limits<double>::denorm_min();
constexpr float kInfF = std::numeric_limits<float>::infinity();
constexpr float kNaNF = std::numeric_limits<float>::quiet_NaN();

// Tolerances: the contract is "within ~2 ulp"; the measured maxima are ~0.5-0.9 ulp (see the
// test output), so these bounds would catch a lost bit while leaving room for the
// FMA-contracted and uncontracted builds to differ in the last place.
constexpr double kTolBasic = 1.0;      // exp, expm1, log, log1p (double)
constexpr double kTolComposite = 2.0;  // log1p_exp, log_sum_exp, inv_logit, ...
constexpr double kTolFloat = 1.0;      // float overloads
constexpr double kTolInvLogit = 3.0;   // one rounding of 1 + e^-|x| can cost an ulp itself

// ---- double accuracy ---------------------------------------------------------------------

TEST(VmathAccuracy, ExpDouble) {
  SplitMix64 g{1};
  std::vector<double> xs;
  for (int i = 0; i < 2000000; ++i) xs.push_back(g.uniform(-745.2, 709.79));
  for (int i = 0; i < 1000000; ++i) xs.push_back(g.uniform(-1.0, 1.0));
  for (int i = 0; i < 500000; ++i) xs.push_back(g.log_uniform(-1074, 0, true));
  for (int i = 0; i < 500000; ++i) xs.push_back(g.uniform(-745.2, -708.3));  // subnormal results
  for (double c : {709.782712893383973096, -708.39641853226410622, -745.13321910194110842,
                   -744.44007192138126231, 0.0, 0.34657359027997264, -0.34657359027997264})
    add_neighbours(xs, c);
  const Worst w = sweep(xs, [](double x) { return vm::exp(x); },
                        [](long double x) { return std::exp(x); });
  std::printf("exp    %s\n", w.str().c_str());
  EXPECT_LE(w.err, kTolBasic) << w.str();
}

TEST(VmathAccuracy, Expm1Double) {
  SplitMix64 g{2};
  std::vector<double> xs;
  for (int i = 0; i < 2000000; ++i) xs.push_back(g.uniform(-40.0, 709.7));
  for (int i = 0; i < 1000000; ++i) xs.push_back(g.uniform(-2.0, 2.0));
  for (int i = 0; i < 1000000; ++i) xs.push_back(g.log_uniform(-1074, 3, true));
  for (double c : {709.782712893383973096, 0.34657359027997264, -0.34657359027997264,
                   0.69314718055994531, -0.69314718055994531, 37.4, -37.4, 1e-300})
    add_neighbours(xs, c);
  const Worst w = sweep(xs, [](double x) { return vm::expm1(x); },
                        [](long double x) { return std::expm1(x); });
  std::printf("expm1  %s\n", w.str().c_str());
  EXPECT_LE(w.err, kTolBasic) << w.str();
}

TEST(VmathAccuracy, LogDouble) {
  SplitMix64 g{3};
  std::vector<double> xs;
  // Every binade, subnormals included: random positive finite bit patterns.
  for (int i = 0; i < 2000000; ++i) {
    const std::uint64_t u = g.next() % 0x7ff0000000000000ull;
    double x;
    std::memcpy(&x, &u, sizeof x);
    xs.push_back(x == 0.0 ? 1.0 : x);
  }
  for (int i = 0; i < 1000000; ++i) xs.push_back(g.uniform(0.5, 2.0));
  for (int i = 0; i < 500000; ++i) xs.push_back(1.0 + g.log_uniform(-52, -10, true));
  for (double c : {1.0, 0.70710678118654752, 1.4142135623730951, DBL_MIN, DBL_MAX, kDenormMin * 64})
    add_neighbours(xs, c);
  const Worst w = sweep(xs, [](double x) { return vm::log(x); },
                        [](long double x) { return std::log(x); });
  std::printf("log    %s\n", w.str().c_str());
  EXPECT_LE(w.err, kTolBasic) << w.str();
}

TEST(VmathAccuracy, Log1pDouble) {
  SplitMix64 g{4};
  std::vector<double> xs;
  for (int i = 0; i < 1000000; ++i) xs.push_back(g.log_uniform(-1074, 1023.9, false));
  for (int i = 0; i < 1000000; ++i) xs.push_back(-g.log_uniform(-1074, -0.0000001, false));
  for (int i = 0; i < 1000000; ++i) xs.push_back(g.uniform(-0.5, 1.0));
  for (int i = 0; i < 500000; ++i) xs.push_back(-1.0 + g.log_uniform(-53, -1, false));
  for (double c : {-0.5, -0.29289321881345248, 0.41421356237309505, 1.0, 2.0, 0x1p53, 1e-300})
    add_neighbours(xs, c);
  const Worst w = sweep(xs, [](double x) { return vm::log1p(x); },
                        [](long double x) { return std::log1p(x); });
  std::printf("log1p  %s\n", w.str().c_str());
  EXPECT_LE(w.err, kTolBasic) << w.str();
}

long double softplus_ref(long double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

TEST(VmathAccuracy, Log1pExpDouble) {
  SplitMix64 g{5};
  std::vector<double> xs;
  for (int i = 0; i < 1000000; ++i) xs.push_back(g.uniform(-745.0, 750.0));
  for (int i = 0; i < 1000000; ++i) xs.push_back(g.uniform(-40.0, 40.0));
  for (int i = 0; i < 500000; ++i) xs.push_back(g.log_uniform(-1074, 5, true));
  const Worst w = sweep(xs, [](double x) { return vm::log1p_exp(x); }, softplus_ref);
  std::printf("log1p_exp %s\n", w.str().c_str());
  EXPECT_LE(w.err, kTolComposite) << w.str();
}

TEST(VmathAccuracy, LogSumExpDouble) {
  SplitMix64 g{6};
  Worst w;
  for (int i = 0; i < 1000000; ++i) {
    const double a = g.uniform(-800.0, 800.0);
    const double b = (i % 2) ? a + g.uniform(-40.0, 40.0) : g.uniform(-800.0, 800.0);
    const long double hi = std::max<long double>(a, b), lo = std::min<long double>(a, b);
    const long double ref = hi + std::log1p(std::exp(lo - hi));
    const double got = vm::log_sum_exp(a, b);
    // max(a,b) + log1p(..) cancels when the result is near 0: the error is measured in ulps
    // of max(|result|, |max(a, b)|), the accuracy the formula promises.
    w.add(ulp_error(got, ref, static_cast<double>(hi)), a, got, static_cast<double>(ref));
    EXPECT_TRUE(same(got, vm::log_sum_exp(b, a))) << "not symmetric at " << a << ", " << b;
  }
  std::printf("log_sum_exp %s\n", w.str().c_str());
  EXPECT_LE(w.err, kTolComposite) << w.str();
}

TEST(VmathAccuracy, LogisticFamilyDouble) {
  SplitMix64 g{7};
  std::vector<double> xs;
  for (int i = 0; i < 1000000; ++i) xs.push_back(g.uniform(-740.0, 740.0));
  for (int i = 0; i < 1000000; ++i) xs.push_back(g.uniform(-30.0, 30.0));
  const Worst a = sweep(xs, [](double x) { return vm::inv_logit(x); },
                        [](long double x) { return 1.0L / (1.0L + std::exp(-x)); });
  const Worst b = sweep(xs, [](double x) { return vm::log_inv_logit(x); },
                        [](long double x) { return -softplus_ref(-x); });
  std::printf("inv_logit %s\nlog_inv_logit %s\n", a.str().c_str(), b.str().c_str());
  EXPECT_LE(a.err, kTolInvLogit) << a.str();
  EXPECT_LE(b.err, kTolComposite) << b.str();

  std::vector<double> ns;
  for (int i = 0; i < 1000000; ++i) ns.push_back(-g.log_uniform(-1074, 9.5, false));
  const Worst c = sweep(ns, [](double x) { return vm::log1m_exp(x); },
                        [](long double x) {
                          return x > -0.6931471805599453L ? std::log(-std::expm1(x))
                                                          : std::log1p(-std::exp(x));
                        });
  std::printf("log1m_exp %s\n", c.str().c_str());
  EXPECT_LE(c.err, kTolComposite) << c.str();
}

// ---- float accuracy ----------------------------------------------------------------------

/// Every 199th float bit pattern (both signs) within [lo, hi]: ~1e7 points for a full range.
std::vector<float> float_patterns(float lo, float hi) {
  std::vector<float> xs;
  for (std::uint64_t u = 0; u < 0x80000000ull; u += 199) {
    for (std::uint32_t sign : {0u, 0x80000000u}) {
      const std::uint32_t b = static_cast<std::uint32_t>(u) | sign;
      float x;
      std::memcpy(&x, &b, sizeof x);
      if (x >= lo && x <= hi) xs.push_back(x);
    }
  }
  while (xs.size() % 8) xs.push_back(lo);
  return xs;
}

TEST(VmathAccuracy, FloatOverloads) {
  const std::vector<float> e = float_patterns(-104.0f, 88.72f);
  const Worst we = sweep_f(e, [](float x) { return vm::exp(x); }, [](double x) { return std::exp(x); });
  const Worst wm = sweep_f(e, [](float x) { return vm::expm1(x); },
                           [](double x) { return std::expm1(x); });
  const std::vector<float> l = float_patterns(0.0f, FLT_MAX);
  const Worst wl = sweep_f(l, [](float x) { return vm::log(x); }, [](double x) { return std::log(x); });
  const std::vector<float> p = float_patterns(-1.0f, FLT_MAX);
  const Worst wp = sweep_f(p, [](float x) { return vm::log1p(x); },
                           [](double x) { return std::log1p(x); });
  const std::vector<float> s = float_patterns(-110.0f, 110.0f);
  const Worst ws = sweep_f(s, [](float x) { return vm::log1p_exp(x); }, [](double x) {
    return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  });
  std::printf("expf   %s\nexpm1f %s\nlogf   %s\nlog1pf %s\nlog1p_expf %s\n", we.str().c_str(),
              wm.str().c_str(), wl.str().c_str(), wp.str().c_str(), ws.str().c_str());
  EXPECT_LE(we.err, kTolFloat) << we.str();
  EXPECT_LE(wm.err, kTolFloat) << wm.str();
  EXPECT_LE(wl.err, kTolFloat) << wl.str();
  EXPECT_LE(wp.err, kTolFloat) << wp.str();
  EXPECT_LE(ws.err, kTolComposite) << ws.str();
}

// ---- special values ----------------------------------------------------------------------

TEST(VmathSpecial, Exp) {
  EXPECT_TRUE(same(vm::exp(-kInf), 0.0));
  EXPECT_TRUE(same(vm::exp(kInf), kInf));
  EXPECT_TRUE(std::isnan(vm::exp(kNaN)));
  EXPECT_TRUE(same(vm::exp(0.0), 1.0));
  EXPECT_TRUE(same(vm::exp(-0.0), 1.0));
  EXPECT_TRUE(same(vm::exp(1.0), 2.718281828459045));
  EXPECT_TRUE(same(vm::exp(709.78), std::exp(709.78)));          // finite, largest binade
  EXPECT_TRUE(same(vm::exp(709.7827128933841), kInf));         // just above ln(DBL_MAX)
  EXPECT_TRUE(same(vm::exp(709.79), kInf));
  EXPECT_TRUE(same(vm::exp(1e300), kInf));
  EXPECT_TRUE(same(vm::exp(-746.0), 0.0));
  EXPECT_TRUE(same(vm::exp(-1e300), 0.0));
  // Gradual underflow: subnormal results are produced, not flushed.
  EXPECT_TRUE(same(vm::exp(-745.0), kDenormMin)) << vm::exp(-745.0);
  EXPECT_TRUE(same(vm::exp(-720.0), std::exp(-720.0)));
  EXPECT_GT(vm::exp(-740.0), 0.0);
  EXPECT_LT(vm::exp(-740.0), DBL_MIN);
  // Exact powers of two come out exact.
  for (int k = -1022; k <= 1023; ++k) {
    const double x = k * 0.693147180559945309417232121458L;
    EXPECT_LE(ulp_error(vm::exp(x), std::exp(static_cast<long double>(x))), kTolBasic) << "k = " << k;
  }
}

TEST(VmathSpecial, Log) {
  EXPECT_TRUE(same(vm::log(0.0), -kInf));
  EXPECT_TRUE(same(vm::log(-0.0), -kInf));
  EXPECT_TRUE(std::isnan(vm::log(-1.0)));
  EXPECT_TRUE(std::isnan(vm::log(-kDenormMin)));
  EXPECT_TRUE(std::isnan(vm::log(-kInf)));
  EXPECT_TRUE(same(vm::log(kInf), kInf));
  EXPECT_TRUE(std::isnan(vm::log(kNaN)));
  EXPECT_TRUE(same(vm::log(1.0), 0.0));
  EXPECT_TRUE(same(vm::log(2.0), 0.6931471805599453));
  EXPECT_TRUE(same(vm::log(DBL_MAX), std::log(DBL_MAX)));
  // Subnormals: log(2^-1074) = -1074 ln 2, to rounding.
  EXPECT_LE(ulp_error(vm::log(kDenormMin), -1074.0L * std::log(2.0L)), kTolBasic);
  for (int k = -1074; k <= 1023; ++k) {
    const double x = std::ldexp(1.0, k);
    EXPECT_LE(ulp_error(vm::log(x), k * std::log(2.0L)), kTolBasic) << "2^" << k;
    const double y = x * 1.5;  // rounded for subnormal x
    EXPECT_LE(ulp_error(vm::log(y), std::log(static_cast<long double>(y))), kTolBasic) << "1.5 * 2^" << k;
  }
}

TEST(VmathSpecial, Expm1Log1p) {
  EXPECT_TRUE(same(vm::expm1(-kInf), -1.0));
  EXPECT_TRUE(same(vm::expm1(-800.0), -1.0));
  EXPECT_TRUE(same(vm::expm1(kInf), kInf));
  EXPECT_TRUE(same(vm::expm1(710.0), kInf));
  EXPECT_TRUE(std::isnan(vm::expm1(kNaN)));
  EXPECT_TRUE(same(vm::expm1(0.0), 0.0));
  EXPECT_TRUE(same(vm::expm1(-0.0), -0.0));
  EXPECT_TRUE(same(vm::expm1(kDenormMin), kDenormMin));
  EXPECT_TRUE(same(vm::expm1(1e-300), 1e-300));
  EXPECT_TRUE(same(vm::expm1(709.78), std::expm1(709.78)));

  EXPECT_TRUE(same(vm::log1p(-1.0), -kInf));
  EXPECT_TRUE(std::isnan(vm::log1p(-1.5)));
  EXPECT_TRUE(std::isnan(vm::log1p(-kInf)));
  EXPECT_TRUE(same(vm::log1p(kInf), kInf));
  EXPECT_TRUE(std::isnan(vm::log1p(kNaN)));
  EXPECT_TRUE(same(vm::log1p(0.0), 0.0));
  EXPECT_TRUE(same(vm::log1p(-0.0), -0.0));
  EXPECT_TRUE(same(vm::log1p(kDenormMin), kDenormMin));
  EXPECT_TRUE(same(vm::log1p(-1e-300), -1e-300));
  EXPECT_TRUE(same(vm::log1p(DBL_MAX), std::log1p(DBL_MAX)));
}

TEST(VmathSpecial, Composites) {
  EXPECT_TRUE(same(vm::log1p_exp(kInf), kInf));
  EXPECT_TRUE(same(vm::log1p_exp(-kInf), 0.0));
  EXPECT_TRUE(std::isnan(vm::log1p_exp(kNaN)));
  EXPECT_TRUE(same(vm::log1p_exp(1000.0), 1000.0));  // no overflow
  EXPECT_TRUE(same(vm::log1p_exp(-1000.0), 0.0));
  EXPECT_TRUE(same(vm::log1p_exp(-740.0), std::exp(-740.0)));  // subnormal, exact tail
  EXPECT_TRUE(same(vm::log1p_exp(0.0), 0.6931471805599453));

  EXPECT_TRUE(same(vm::log_sum_exp(-kInf, -kInf), -kInf));
  EXPECT_TRUE(same(vm::log_sum_exp(kInf, kInf), kInf));
  EXPECT_TRUE(same(vm::log_sum_exp(kInf, -kInf), kInf));
  EXPECT_TRUE(same(vm::log_sum_exp(-kInf, 3.0), 3.0));
  EXPECT_TRUE(same(vm::log_sum_exp(3.0, -kInf), 3.0));
  EXPECT_TRUE(std::isnan(vm::log_sum_exp(kNaN, 1.0)));
  EXPECT_TRUE(std::isnan(vm::log_sum_exp(1.0, kNaN)));
  EXPECT_TRUE(std::isnan(vm::log_sum_exp(kInf, kNaN)));
  EXPECT_TRUE(same(vm::log_sum_exp(1000.0, 1000.0), 1000.0 + 0.6931471805599453));
  EXPECT_TRUE(same(vm::log_sum_exp(0.0, 0.0), 0.6931471805599453));

  EXPECT_TRUE(same(vm::inv_logit(kInf), 1.0));
  EXPECT_TRUE(same(vm::inv_logit(-kInf), 0.0));
  EXPECT_TRUE(same(vm::inv_logit(0.0), 0.5));
  EXPECT_TRUE(same(vm::inv_logit(-740.0), std::exp(-740.0)));
  EXPECT_TRUE(same(vm::log_inv_logit(1000.0), -0.0) || same(vm::log_inv_logit(1000.0), 0.0));
  EXPECT_TRUE(same(vm::log_inv_logit(-1000.0), -1000.0));
  EXPECT_TRUE(same(vm::log1m_inv_logit(1000.0), -1000.0));

  EXPECT_TRUE(same(vm::log1m_exp(0.0), -kInf));
  EXPECT_TRUE(same(vm::log1m_exp(-kInf), 0.0) || same(vm::log1m_exp(-kInf), -0.0));
  EXPECT_TRUE(std::isnan(vm::log1m_exp(1.0)));

  EXPECT_TRUE(same(vm::sqrt(4.0), 2.0));
  EXPECT_TRUE(std::isnan(vm::sqrt(-1.0)));
  EXPECT_TRUE(same(vm::abs(-0.0), 0.0));
  EXPECT_TRUE(same(vm::abs(-kInf), kInf));
}

TEST(VmathSpecial, FloatOverloads) {
  EXPECT_TRUE(same(vm::exp(-kInfF), 0.0f));
  EXPECT_TRUE(same(vm::exp(kInfF), kInfF));
  EXPECT_TRUE(std::isnan(vm::exp(kNaNF)));
  EXPECT_TRUE(same(vm::exp(88.8f), kInfF));
  EXPECT_TRUE(same(vm::exp(-104.0f), 0.0f));
  EXPECT_TRUE(same(vm::exp(0.0f), 1.0f));
  EXPECT_GT(vm::exp(-100.0f), 0.0f);  // subnormal float result, not flushed
  EXPECT_TRUE(same(vm::log(0.0f), -kInfF));
  EXPECT_TRUE(same(vm::log(-0.0f), -kInfF));
  EXPECT_TRUE(std::isnan(vm::log(-1.0f)));
  EXPECT_TRUE(same(vm::log(kInfF), kInfF));
  EXPECT_TRUE(std::isnan(vm::log(kNaNF)));
  EXPECT_TRUE(same(vm::log(1.0f), 0.0f));
  const float dmin = std::numeric_limits<float>::denorm_min();
  EXPECT_LE(ulp_error_f(vm::log(dmin), -149.0 * std::log(2.0)), kTolFloat);
  EXPECT_TRUE(same(vm::expm1(-kInfF), -1.0f));
  EXPECT_TRUE(same(vm::expm1(-0.0f), -0.0f));
  EXPECT_TRUE(same(vm::expm1(kInfF), kInfF));
  EXPECT_TRUE(same(vm::log1p(-1.0f), -kInfF));
  EXPECT_TRUE(std::isnan(vm::log1p(-2.0f)));
  EXPECT_TRUE(same(vm::log1p(-0.0f), -0.0f));
  EXPECT_TRUE(same(vm::log1p(kInfF), kInfF));
  EXPECT_TRUE(same(vm::log1p_exp(kInfF), kInfF));
  EXPECT_TRUE(same(vm::log1p_exp(200.0f), 200.0f));
  EXPECT_TRUE(same(vm::log_sum_exp(-kInfF, -kInfF), -kInfF));
}

// ---- Batch<8>: every lane equals the scalar routine, bit for bit -------------------------

// Scalar references compiled in their own functions. g++ contracts a*b+c into FMA
// (-ffp-contract=fast is its C++ default) per function body after inlining, so the same
// routine inlined into a context with other, common-subexpression-sharing code can round
// its last bit differently; the Batch functions are compared with the routine compiled in
// isolation, and so is each Batch function. (Inlined into a larger body, a lane and the
// scalar routine can differ in the last bit; both stay within the accuracy tested above.)
// Batch<W> holds Reals (double, or float with LOCKSTEP_REAL_FLOAT): the references run the
// routine of the same type.
using lockstep::Real;
__attribute__((noinline)) Real scalar_exp(Real x) { return vm::exp(x); }
__attribute__((noinline)) Real scalar_log(Real x) { return vm::log(x); }
__attribute__((noinline)) Real scalar_log1p(Real x) { return vm::log1p(x); }
__attribute__((noinline)) Real scalar_log1p_exp(Real x) { return vm::log1p_exp(x); }
__attribute__((noinline)) Real scalar_sqrt(Real x) { return vm::sqrt(x); }
__attribute__((noinline)) Real scalar_abs(Real x) { return vm::abs(x); }

template <int W>
__attribute__((noinline)) lockstep::Batch<W> batch_exp(const lockstep::Batch<W>& x) { return m::exp(x); }
template <int W>
__attribute__((noinline)) lockstep::Batch<W> batch_log(const lockstep::Batch<W>& x) { return m::log(x); }
template <int W>
__attribute__((noinline)) lockstep::Batch<W> batch_log1p(const lockstep::Batch<W>& x) { return m::log1p(x); }
template <int W>
__attribute__((noinline)) lockstep::Batch<W> batch_log1p_exp(const lockstep::Batch<W>& x) {
  return m::log1p_exp(x);
}
template <int W>
__attribute__((noinline)) lockstep::Batch<W> batch_sqrt(const lockstep::Batch<W>& x) { return m::sqrt(x); }
template <int W>
__attribute__((noinline)) lockstep::Batch<W> batch_abs(const lockstep::Batch<W>& x) { return m::abs(x); }

::testing::AssertionResult lanes_equal(const char*, const char*, double batch, double scalar) {
  if (same(batch, scalar)) return ::testing::AssertionSuccess();
  char buf[160];
  std::snprintf(buf, sizeof buf, "Batch lane %a (%.17g) != scalar %a (%.17g)", batch, batch, scalar, scalar);
  return ::testing::AssertionFailure() << buf;
}

template <int W>
void expect_lanes_match(const std::vector<double>& xs) {
  using B = lockstep::Batch<W>;
  for (std::size_t i = 0; i + W <= xs.size(); i += W) {
    B x;
    for (int w = 0; w < W; ++w) x[w] = static_cast<Real>(xs[i + w]);
    const B e = batch_exp(x), l = batch_log(x), l1 = batch_log1p(x), s = batch_log1p_exp(x);
    const B q = batch_sqrt(x), a = batch_abs(x);
    for (int w = 0; w < W; ++w) {
      const Real v = x[w];
      ASSERT_PRED_FORMAT2(lanes_equal, e[w], scalar_exp(v)) << "exp, lane " << w << ", x = " << v;
      ASSERT_PRED_FORMAT2(lanes_equal, l[w], scalar_log(v)) << "log, lane " << w << ", x = " << v;
      ASSERT_PRED_FORMAT2(lanes_equal, l1[w], scalar_log1p(v)) << "log1p, lane " << w << ", x = " << v;
      ASSERT_PRED_FORMAT2(lanes_equal, s[w], scalar_log1p_exp(v)) << "log1p_exp, lane " << w << ", x = " << v;
      ASSERT_PRED_FORMAT2(lanes_equal, q[w], scalar_sqrt(v)) << "sqrt, lane " << w << ", x = " << v;
      ASSERT_PRED_FORMAT2(lanes_equal, a[w], scalar_abs(v)) << "abs, lane " << w << ", x = " << v;
    }
  }
}

TEST(VmathBatch, LanesEqualScalar) {
  std::vector<double> xs = {0.0,  -0.0, 1.0,   -1.0,       kInf,     -kInf,   kNaN,   kDenormMin,
                            -745.0, 709.79, 709.78, 1e-300, -1e-300, DBL_MAX, DBL_MIN, -0.5};
  SplitMix64 g{8};
  for (int i = 0; i < 200000; ++i) xs.push_back(g.uniform(-800.0, 800.0));
  for (int i = 0; i < 200000; ++i) xs.push_back(g.log_uniform(-1074, 1023, true));
  while (xs.size() % 8) xs.push_back(0.25);
  expect_lanes_match<8>(xs);
  expect_lanes_match<1>(xs);
  expect_lanes_match<3>(std::vector<double>(xs.begin(), xs.begin() + 3 * 1000));
}

// The functions Batch does not wrap, through the same 8-wide loop shape (each loop and
// each scalar reference compiled on its own, as above).
__attribute__((noinline)) void loop8_expm1(const double* __restrict x, double* __restrict r) {
  for (int w = 0; w < 8; ++w) r[w] = vm::expm1(x[w]);
}
__attribute__((noinline)) void loop8_log_sum_exp(const double* __restrict x, const double* __restrict y,
                                                 double* __restrict r) {
  for (int w = 0; w < 8; ++w) r[w] = vm::log_sum_exp(x[w], y[w]);
}
__attribute__((noinline)) void loop8_inv_logit(const double* __restrict x, double* __restrict r) {
  for (int w = 0; w < 8; ++w) r[w] = vm::inv_logit(x[w]);
}
__attribute__((noinline)) double scalar_expm1(double x) { return vm::expm1(x); }
__attribute__((noinline)) double scalar_log_sum_exp(double x, double y) { return vm::log_sum_exp(x, y); }
__attribute__((noinline)) double scalar_inv_logit(double x) { return vm::inv_logit(x); }

TEST(VmathBatch, FixedLengthLoopsEqualScalar) {
  SplitMix64 g{9};
  const double specials[8] = {0.0, -0.0, kInf, -kInf, kNaN, 1.0, -1.0, 1e-300};
  for (int rep = 0; rep < 20000; ++rep) {
    double x[8], y[8], e[8], l[8], s[8];
    for (int w = 0; w < 8; ++w) {
      x[w] = rep == 0 ? specials[w] : g.uniform(-50.0, 50.0);
      y[w] = rep == 1 ? specials[7 - w] : g.uniform(-50.0, 50.0);
    }
    loop8_expm1(x, e);
    loop8_log_sum_exp(x, y, l);
    loop8_inv_logit(x, s);
    for (int w = 0; w < 8; ++w) {
      ASSERT_PRED_FORMAT2(lanes_equal, e[w], scalar_expm1(x[w])) << "expm1, x = " << x[w];
      ASSERT_PRED_FORMAT2(lanes_equal, l[w], scalar_log_sum_exp(x[w], y[w]))
          << "log_sum_exp, x = " << x[w] << ", y = " << y[w];
      ASSERT_PRED_FORMAT2(lanes_equal, s[w], scalar_inv_logit(x[w])) << "inv_logit, x = " << x[w];
    }
  }
}

}  // namespace
