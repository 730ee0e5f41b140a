#pragma once
// Scalar math used by models, in namespace lockstep::m, so that model code written over a
// scalar type T calls vm::exp(x) whether T is Real or Batch<W> (kernels/core/batch.hpp).
//
// exp, expm1, log, log1p (and log1p_exp, log_sum_exp, ... built on them) are the project's
// own branch-free routines: range reduction, a minimax polynomial, and exponent arithmetic
// on the IEEE-754 bit pattern; special inputs are handled by selects (bitwise blends of
// computed values, detail::select: not even ternaries, which g++ turns into branches),
// never by early returns. A fixed-length loop
//     for (int w = 0; w < 8; ++w) r[w] = vm::exp(x[w]);
// therefore vectorizes under g++ -O3 -march=x86-64-v3 (AVX2) or -march=native (AVX-512)
// WITHOUT -ffast-math (which the project never uses: it breaks the -inf/NaN checks samplers
// rely on); plain -march=x86-64 (SSE2) does not vectorize it. The same source compiles for
// CUDA device code (bit casts go through memcpy, which nvcc supports on the device).
//
// Method (Muller, "Elementary Functions", 3rd ed., ch. 11; Tang, ACM TOMS 15(2), 1989):
//   exp:   x = n ln2 + r, n = round(x / ln2), |r| <= ln2/2; ln2 = ln2_hi + ln2_lo with ln2_hi
//          having 11 trailing zero bits, so n ln2_hi is exact (Cody & Waite 1980);
//          e^r - 1 = r + r^2 q(r), q a degree-10 minimax polynomial; 2^n is built from the
//          bits as 2^n1 * 2^n2 (n1 + n2 = n), so results from 2^-1075 to 2^1024 (overflow)
//          are reached without a branch.
//   log:   x = 2^k m, m in [sqrt(2)/2, sqrt(2)), f = m - 1, s = f / (2 + f);
//          log(1 + f) = 2 atanh(s) = f - f^2/2 + s (f^2/2 + s^2 T(s^2)), T a degree-7
//          minimax polynomial; log x = k ln2_hi + (that + k ln2_lo).
//   The coefficients come from scripts/vmath_coefficients.py (Remez exchange in mpmath).
//
// Special values (double and float alike):
//   exp(-inf) = 0, exp(+inf) = +inf, exp(NaN) = NaN, exp(x) = +inf for x > ln(DBL_MAX)
//   (709.78...), and exp(x) = 0 for x < -745.13 (below half the smallest subnormal);
//   results in the subnormal range are PRODUCED (gradual underflow, not flushed), with at
//   most ~1 unit of the subnormal spacing of error.
//   log(0) = -inf (also for -0), log(x < 0) = NaN, log(+inf) = +inf, log(NaN) = NaN, and
//   subnormal arguments are exact-rescaled first, so log of a subnormal is as accurate as
//   any other.
//   expm1(-inf) = -1, log1p(-1) = -inf, log1p(x < -1) = NaN; expm1 and log1p keep the sign
//   of a zero argument.
// Accuracy: worst error over millions of points including the extremes, against long-double
// std:: functions (tests/core/vmath_test.cpp), with and without FMA: double exp 0.77,
// expm1 0.81, log 0.82, log1p 0.82 ulp; log1p_exp 1.5, log_sum_exp 1.3 (see its note),
// log1m_exp 1.4, log_inv_logit 1.5, inv_logit 2.4 ulp. float exp, expm1, log, log1p
// <= 0.81 ulp, log1p_exp 1.5 ulp (against double std::).
//
// g++ contracts a*b+c into FMA when the target has it (C++ mode keeps -ffp-contract=fast),
// and nvcc does too; every formula here is accurate with or without contraction, but the
// last bit of a result may differ between targets, and even between inlining contexts
// (g++ forms FMAs per function body after inlining): CPU and GPU agree statistically, not
// bitwise (docs/architecture.md).
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/core/config.hpp"

namespace lockstep {
namespace vm {

namespace detail {

LS_HD LS_INLINE std::uint64_t bits(double x) {
  std::uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}
LS_HD LS_INLINE double from_bits(std::uint64_t u) {
  double x;
  memcpy(&x, &u, sizeof x);
  return x;
}
LS_HD LS_INLINE std::uint32_t bits(float x) {
  std::uint32_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}
LS_HD LS_INLINE float from_bits(std::uint32_t u) {
  float x;
  memcpy(&x, &u, sizeof x);
  return x;
}

/// c ? a : b as a bitwise blend, with no control flow. A ternary is not enough: g++
/// turns `c ? constant : x` into a branch and duplicates the arithmetic after it into both
/// paths (jump threading, PRE); an FP operation left on a conditional path "could trap",
/// and on AVX2 (no masked arithmetic) the loop over lanes then does not vectorize at all.
/// Both a and b are always computed; nvcc turns this into a select as well.
LS_HD LS_INLINE double select(bool c, double a, double b) {
  const std::uint64_t mask = std::uint64_t{0} - static_cast<std::uint64_t>(c);
  return from_bits((bits(a) & mask) | (bits(b) & ~mask));
}
LS_HD LS_INLINE float select(bool c, float a, float b) {
  const std::uint32_t mask = std::uint32_t{0} - static_cast<std::uint32_t>(c);
  return from_bits((bits(a) & mask) | (bits(b) & ~mask));
}

// ---- double constants ------------------------------------------------------------------
constexpr double kLog2e = 0x1.71547652b82fep+0;   // 1 / ln 2
constexpr double kLn2Hi = 0x1.62e42fefa3800p-1;   // ln 2, last 11 mantissa bits zero
constexpr double kLn2Lo = 0x1.ef35793c76730p-45;  // ln 2 - kLn2Hi
constexpr double kShift = 0x1.8p52;  // x + kShift rounds x to an integer held in the low bits
// Exponent arithmetic: e = n + kExpBias >= 0 is split as e1 = e / 2, e2 = e - e1, and
// 2^n = 2^(e1 - kExpBias/2) 2^(e2 - kExpBias/2): both factors are normal doubles for every
// n the clamped argument can give (n in [-1083, 1025]).
constexpr std::uint64_t kExpBias = 1100;
constexpr std::uint64_t kExpField = 1023 - kExpBias / 2;  // biased-exponent offset of e1, e2

// q(r) = (e^r - 1 - r) / r^2 on [-0.35, 0.35], relative error 2^-58.2 (degree 10).
constexpr double kQ0 = 0x1.0000000000000p-1;
constexpr double kQ1 = 0x1.5555555555557p-3;
constexpr double kQ2 = 0x1.555555555554ep-5;
constexpr double kQ3 = 0x1.111111110ff9cp-7;
constexpr double kQ4 = 0x1.6c16c16c1a4bep-10;
constexpr double kQ5 = 0x1.a01a01ac96247p-13;
constexpr double kQ6 = 0x1.a01a018f6d2c5p-16;
constexpr double kQ7 = 0x1.71de000b7ee0ep-19;
constexpr double kQ8 = 0x1.27e511b745e07p-22;
constexpr double kQ9 = 0x1.af525c47a33acp-26;
constexpr double kQ10 = 0x1.1f1ad47891527p-29;

// T(z) = (2 atanh(s) - 2 s) / s^3, z = s^2 in [0, 0.0295], relative error 2^-58.2 (degree 7).
constexpr double kT0 = 0x1.5555555555555p-1;
constexpr double kT1 = 0x1.9999999999a3bp-2;
constexpr double kT2 = 0x1.24924924765d6p-2;
constexpr double kT3 = 0x1.c71c72021ab5cp-3;
constexpr double kT4 = 0x1.745cf8b4fea75p-3;
constexpr double kT5 = 0x1.3b1c460839b5fp-3;
constexpr double kT6 = 0x1.0fbcdc59d0e2fp-3;
constexpr double kT7 = 0x1.0c15765bf6fecp-3;

// Bits of sqrt(2)/2: adding (1.0 bits - this) to a double's bits carries into the exponent
// exactly when the mantissa is >= sqrt(2), giving k and m in [sqrt(2)/2, sqrt(2)) at once.
constexpr std::uint64_t kSqrtHalfBits = 0x3fe6a09e667f3bcdull;
constexpr std::uint64_t kOneBits = 0x3ff0000000000000ull;
constexpr std::uint64_t kMantissaMask = 0x000fffffffffffffull;
constexpr std::uint64_t kTwo52Bits = 0x4330000000000000ull;  // bits of 2^52

LS_HD LS_INLINE double inf() { return from_bits(std::uint64_t{0x7ff0000000000000ull}); }
LS_HD LS_INLINE double nan() { return from_bits(std::uint64_t{0x7ff8000000000000ull}); }

/// e^r - 1 = hi + lo for |r| <= 0.35: hi = fl(r + w), w = r^2 q(r), and lo the rounding
/// error of that sum, exact because |w| < |r| (Fast2Sum; Dekker 1971, Numer. Math. 18).
/// Keeping lo apart is what brings exp and expm1 to ~0.5 ulp.
LS_HD LS_INLINE double expm1_kernel(double r, double c, double& lo) {
  double q = kQ10;
  q = q * r + kQ9;
  q = q * r + kQ8;
  q = q * r + kQ7;
  q = q * r + kQ6;
  q = q * r + kQ5;
  q = q * r + kQ4;
  q = q * r + kQ3;
  q = q * r + kQ2;
  q = q * r + kQ1;
  q = q * r + kQ0;
  const double w = (r * r) * q;
  const double hi = r + w;
  // e^(r + c) - 1 = (e^r - 1) + c e^r + O(c^2).
  lo = ((r - hi) + w) + (c + c * hi);
  return hi;
}

/// 2^n (1 + hi + lo) with 2^n = s1 s2: 1 + hi is split exactly (Fast2Sum, |hi| < 1) so the
/// only rounding that matters is the last one.
LS_HD LS_INLINE double exp_finish(double hi, double lo, double s1, double s2) {
  const double s = 1.0 + hi;
  const double e = (1.0 - s) + hi;
  // (s + (e + lo)) 2^n1 is exact (a normal number); the product with 2^n2 rounds once,
  // which also gives gradual underflow and overflow to +inf.
  return ((s + (e + lo)) * s1) * s2;
}

/// Cody-Waite reduction x = n ln2 + r + c for x already clamped to [-750, 710]. Returns r;
/// c is the rounding error of r (it matters for expm1, where e^x - 1 may be much smaller
/// than e^x); n as a double and the two normal scale factors with s1 s2 = 2^n.
LS_HD LS_INLINE double exp_reduce(double x, double& c, double& n, double& s1, double& s2) {
  const double k = x * kLog2e + kShift;
  n = k - kShift;
  const double rhi = x - n * kLn2Hi;  // exact
  const double rlo = n * kLn2Lo;
  const double r = rhi - rlo;
  c = (rhi - r) - rlo;
  // The integer n sits in the low bits of k (two's complement relative to kShift).
  const std::uint64_t e = bits(k) - bits(kShift) + kExpBias;
  const std::uint64_t e1 = e >> 1;
  const std::uint64_t e2 = e - e1;
  s1 = from_bits((e1 + kExpField) << 52);
  s2 = from_bits((e2 + kExpField) << 52);
  return r;
}

/// log(1 + f) - f for f = m - 1, m in [sqrt(2)/2, sqrt(2)), as the tail added to f:
/// returns -(f^2/2 - s (f^2/2 + s^2 T(s^2))) split so the caller can add low parts first.
/// `lo` is added inside (k ln2_lo and log1p's rounding correction).
LS_HD LS_INLINE double log1p_reduced(double f, double k, double lo) {
  const double s = f / (2.0 + f);
  const double z = s * s;
  double t = kT7;
  t = t * z + kT6;
  t = t * z + kT5;
  t = t * z + kT4;
  t = t * z + kT3;
  t = t * z + kT2;
  t = t * z + kT1;
  t = t * z + kT0;
  const double hfsq = 0.5 * f * f;
  const double tail = s * (hfsq + z * t) + (k * kLn2Lo + lo);
  return k * kLn2Hi + (f - (hfsq - tail));
}

/// Splits a positive, normal, finite x = 2^k m with m in [sqrt(2)/2, sqrt(2)): returns
/// f = m - 1 (exact) and k (as a double, exact).
LS_HD LS_INLINE double log_split(double x, double& k) {
  const std::uint64_t u = bits(x) + (kOneBits - kSqrtHalfBits);
  // Biased exponent to double without an int->double conversion (AVX2 has none for
  // 64-bit lanes): 2^52 + e has e in its low bits.
  k = from_bits((u >> 52) | kTwo52Bits) - 0x1p52 - 1023.0;
  return from_bits((u & kMantissaMask) + kSqrtHalfBits) - 1.0;
}

// ---- float constants -------------------------------------------------------------------
constexpr float kLog2eF = 0x1.715476p+0f;
constexpr float kLn2HiF = 0x1.62e400p-1f;  // last 9 mantissa bits zero
constexpr float kLn2LoF = 0x1.7f7d1cp-20f;
constexpr float kShiftF = 0x1.8p23f;
constexpr std::uint32_t kExpBiasF = 200;  // n in [-151, 129] -> factors 2^[-76, 65]
constexpr std::uint32_t kExpFieldF = 127 - kExpBiasF / 2;
// q(r) on [-0.35, 0.35], relative error 2^-28.4 (degree 5).
constexpr float kQ0F = 5.000000010e-01f;
constexpr float kQ1F = 1.666666650e-01f;
constexpr float kQ2F = 4.166645750e-02f;
constexpr float kQ3F = 8.333361810e-03f;
constexpr float kQ4F = 1.393448650e-03f;
constexpr float kQ5F = 1.985812780e-04f;
// T(z) on [0, 0.0295], relative error 2^-29.1 (degree 3).
constexpr float kT0F = 6.666666660e-01f;
constexpr float kT1F = 4.000012290e-01f;
constexpr float kT2F = 2.855070750e-01f;
constexpr float kT3F = 2.333344160e-01f;
constexpr std::uint32_t kSqrtHalfBitsF = 0x3f3504f3u;
constexpr std::uint32_t kOneBitsF = 0x3f800000u;
constexpr std::uint32_t kMantissaMaskF = 0x007fffffu;
constexpr std::uint32_t kTwo23BitsF = 0x4b000000u;

LS_HD LS_INLINE float inff() { return from_bits(std::uint32_t{0x7f800000u}); }
LS_HD LS_INLINE float nanf() { return from_bits(std::uint32_t{0x7fc00000u}); }

LS_HD LS_INLINE float expm1_kernel(float r, float c, float& lo) {
  float q = kQ5F;
  q = q * r + kQ4F;
  q = q * r + kQ3F;
  q = q * r + kQ2F;
  q = q * r + kQ1F;
  q = q * r + kQ0F;
  const float w = (r * r) * q;
  const float hi = r + w;
  lo = ((r - hi) + w) + (c + c * hi);
  return hi;
}

LS_HD LS_INLINE float exp_finish(float hi, float lo, float s1, float s2) {
  const float s = 1.0f + hi;
  const float e = (1.0f - s) + hi;
  return ((s + (e + lo)) * s1) * s2;
}

LS_HD LS_INLINE float exp_reduce(float x, float& c, float& n, float& s1, float& s2) {
  const float k = x * kLog2eF + kShiftF;
  n = k - kShiftF;
  const float rhi = x - n * kLn2HiF;
  const float rlo = n * kLn2LoF;
  const float r = rhi - rlo;
  c = (rhi - r) - rlo;
  const std::uint32_t e = bits(k) - bits(kShiftF) + kExpBiasF;
  const std::uint32_t e1 = e >> 1;
  const std::uint32_t e2 = e - e1;
  s1 = from_bits((e1 + kExpFieldF) << 23);
  s2 = from_bits((e2 + kExpFieldF) << 23);
  return r;
}

LS_HD LS_INLINE float log1p_reduced(float f, float k, float lo) {
  const float s = f / (2.0f + f);
  const float z = s * s;
  float t = kT3F;
  t = t * z + kT2F;
  t = t * z + kT1F;
  t = t * z + kT0F;
  const float hfsq = 0.5f * f * f;
  const float tail = s * (hfsq + z * t) + (k * kLn2LoF + lo);
  return k * kLn2HiF + (f - (hfsq - tail));
}

LS_HD LS_INLINE float log_split(float x, float& k) {
  const std::uint32_t u = bits(x) + (kOneBitsF - kSqrtHalfBitsF);
  k = from_bits((u >> 23) | kTwo23BitsF) - 0x1p23f - 127.0f;
  return from_bits((u & kMantissaMaskF) + kSqrtHalfBitsF) - 1.0f;
}

}  // namespace detail

// ---- exp / expm1 -------------------------------------------------------------------------

/// e^x. Branch-free; < 1 ulp; see the file comment for special values.
LS_HD LS_INLINE double exp(double x) {
  double xc = detail::select(x < -750.0, -750.0, x);  // NaN passes through both clamps
  xc = detail::select(xc > 710.0, 710.0, xc);
  double c, n, s1, s2;
  const double r = detail::exp_reduce(xc, c, n, s1, s2);
  double lo;
  const double hi = detail::expm1_kernel(r, c, lo);
  return detail::exp_finish(hi, lo, s1, s2);
}

/// e^x - 1, accurate near 0. With t = 2^n and e^r - 1 = hi + lo,
/// expm1(x) = a + t hi + (t lo + d) where a = t - 1, d = 0 while that is exact (n <= 53),
/// else a = t, d = -1. a + t hi is summed with its exact error (Fast2Sum: |a| >= |t hi|),
/// so the result is rounded essentially once. For n = 1024, where t is not a double,
/// the exp path 2^n1 (2^n2 (1 + hi + lo)) is used (the -1 is then far below an ulp).
LS_HD LS_INLINE double expm1(double x) {
  double xc = detail::select(x < -60.0, -60.0, x);  // e^-60 < 2^-86: expm1 = -1 below
  xc = detail::select(xc > 710.0, 710.0, xc);
  double c, n, s1, s2;
  const double r = detail::exp_reduce(xc, c, n, s1, s2);
  double lo;
  const double hi = detail::expm1_kernel(r, c, lo);
  const double t = s1 * s2;  // 2^n exactly when n <= 1023 (only then is it used)
  const bool far = n > 53.0;
  const double a = detail::select(far, t, t - 1.0);
  const double b = t * hi;
  const double sum = a + b;
  const double err = (a - sum) + b;
  const double small = sum + (err + (t * lo - detail::select(far, 1.0, 0.0)));
  const double big = detail::exp_finish(hi, lo, s1, s2);
  const double res = detail::select(n > 1023.0, big, small);
  return detail::select(x == 0.0, x, res);  // keeps -0
}

LS_HD LS_INLINE float exp(float x) {
  float xc = detail::select(x < -104.0f, -104.0f, x);
  xc = detail::select(xc > 89.0f, 89.0f, xc);
  float c, n, s1, s2;
  const float r = detail::exp_reduce(xc, c, n, s1, s2);
  float lo;
  const float hi = detail::expm1_kernel(r, c, lo);
  return detail::exp_finish(hi, lo, s1, s2);
}

LS_HD LS_INLINE float expm1(float x) {
  float xc = detail::select(x < -20.0f, -20.0f, x);  // e^-20 < 2^-28
  xc = detail::select(xc > 89.0f, 89.0f, xc);
  float c, n, s1, s2;
  const float r = detail::exp_reduce(xc, c, n, s1, s2);
  float lo;
  const float hi = detail::expm1_kernel(r, c, lo);
  const float t = s1 * s2;
  const bool far = n > 24.0f;
  const float a = detail::select(far, t, t - 1.0f);
  const float b = t * hi;
  const float sum = a + b;
  const float err = (a - sum) + b;
  const float small = sum + (err + (t * lo - detail::select(far, 1.0f, 0.0f)));
  const float big = detail::exp_finish(hi, lo, s1, s2);
  const float res = detail::select(n > 127.0f, big, small);
  return detail::select(x == 0.0f, x, res);
}

// ---- log / log1p -------------------------------------------------------------------------

/// Natural logarithm. Branch-free; < 1 ulp; subnormal arguments are scaled by 2^52 first.
LS_HD LS_INLINE double log(double x) {
  const bool tiny = x < 0x1p-1022;
  const double xs = detail::select(tiny, x * 0x1p52, x);
  double k;
  const double f = detail::log_split(xs, k);
  k = detail::select(tiny, k - 52.0, k);
  double res = detail::log1p_reduced(f, k, 0.0);
  res = detail::select(x == detail::inf(), x, res);
  res = detail::select(x == 0.0, -detail::inf(), res);
  return detail::select(!(x >= 0.0), detail::select(x != x, x, detail::nan()), res);
}

/// log(1 + x), accurate near 0. With u = fl(1 + x) and c = (1 + x) - u computed exactly,
/// log1p(x) = log(u) + c/u + O((c/u)^2) (Goldberg 1991, "What every computer scientist
/// should know about floating-point arithmetic", thm. 4, in its additive-correction form).
LS_HD LS_INLINE double log1p(double x) {
  const double u = 1.0 + x;
  // Exact residual of the rounding: u - 1 is exact for x < 1, u - x for x >= 1 (Sterbenz).
  const double c = detail::select(x < 1.0, x - (u - 1.0), 1.0 - (u - x));
  double k;
  const double f = detail::log_split(u, k);
  double res = detail::log1p_reduced(f, k, c / u);
  res = detail::select(x == detail::inf(), x, res);
  res = detail::select(x == -1.0, -detail::inf(), res);
  res = detail::select(x == 0.0, x, res);  // keeps -0
  return detail::select(!(x >= -1.0), detail::select(x != x, x, detail::nan()), res);
}

LS_HD LS_INLINE float log(float x) {
  const bool tiny = x < 0x1p-126f;
  const float xs = detail::select(tiny, x * 0x1p23f, x);
  float k;
  const float f = detail::log_split(xs, k);
  k = detail::select(tiny, k - 23.0f, k);
  float res = detail::log1p_reduced(f, k, 0.0f);
  res = detail::select(x == detail::inff(), x, res);
  res = detail::select(x == 0.0f, -detail::inff(), res);
  return detail::select(!(x >= 0.0f), detail::select(x != x, x, detail::nanf()), res);
}

LS_HD LS_INLINE float log1p(float x) {
  const float u = 1.0f + x;
  const float c = detail::select(x < 1.0f, x - (u - 1.0f), 1.0f - (u - x));
  float k;
  const float f = detail::log_split(u, k);
  float res = detail::log1p_reduced(f, k, c / u);
  res = detail::select(x == detail::inff(), x, res);
  res = detail::select(x == -1.0f, -detail::inff(), res);
  res = detail::select(x == 0.0f, x, res);
  return detail::select(!(x >= -1.0f), detail::select(x != x, x, detail::nanf()), res);
}

// ---- sqrt / abs: the compiler's own, which vectorize (sqrtpd, andpd) -----------------------
LS_HD LS_INLINE double sqrt(double x) { return ::sqrt(x); }
LS_HD LS_INLINE float sqrt(float x) { return ::sqrtf(x); }
LS_HD LS_INLINE double abs(double x) { return ::fabs(x); }
LS_HD LS_INLINE float abs(float x) { return ::fabsf(x); }

// ---- composites ----------------------------------------------------------------------------

/// Softplus log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows; equals e^x (to
/// rounding) for very negative x and x for large x. log1p_exp(+-inf) = +inf / 0.
LS_HD LS_INLINE double log1p_exp(double x) {
  return detail::select(x > 0.0, x, 0.0) + vm::log1p(vm::exp(-::fabs(x)));
}
LS_HD LS_INLINE float log1p_exp(float x) {
  return detail::select(x > 0.0f, x, 0.0f) + vm::log1p(vm::exp(-::fabsf(x)));
}

/// log(e^a + e^b) = max(a, b) + log1p(e^-|a - b|). Equal arguments (including two
/// infinities of the same sign) give a + log 2, so log_sum_exp(-inf, -inf) = -inf; a NaN
/// argument gives NaN. Error < 2 ulp of max(|result|, |max(a, b)|): where the result
/// is near 0 because max(a, b) and the log1p term cancel, the error is absolute.
LS_HD LS_INLINE double log_sum_exp(double a, double b) {
  const double mx = detail::select(a > b, a, b);
  const double d = detail::select(a == b, 0.0, -::fabs(a - b));
  return mx + vm::log1p(vm::exp(d));
}
LS_HD LS_INLINE float log_sum_exp(float a, float b) {
  const float mx = detail::select(a > b, a, b);
  const float d = detail::select(a == b, 0.0f, -::fabsf(a - b));
  return mx + vm::log1p(vm::exp(d));
}

/// Logistic sigmoid 1 / (1 + e^-x), computed from e = e^-|x| <= 1 so nothing overflows:
/// 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0 (one division either way; < 2.5 ulp, the
/// rounding of 1 + e costing up to an ulp itself).
LS_HD LS_INLINE double inv_logit(double x) {
  const double e = vm::exp(-::fabs(x));
  return detail::select(x < 0.0, e, 1.0) / (1.0 + e);
}
LS_HD LS_INLINE float inv_logit(float x) {
  const float e = vm::exp(-::fabsf(x));
  return detail::select(x < 0.0f, e, 1.0f) / (1.0f + e);
}

/// log(inv_logit(x)) = -log1p_exp(-x): the log-likelihood of a success under a logit link.
LS_HD LS_INLINE double log_inv_logit(double x) { return -vm::log1p_exp(-x); }
LS_HD LS_INLINE float log_inv_logit(float x) { return -vm::log1p_exp(-x); }

/// log(1 - inv_logit(x)) = -log1p_exp(x).
LS_HD LS_INLINE double log1m_inv_logit(double x) { return -vm::log1p_exp(x); }
LS_HD LS_INLINE float log1m_inv_logit(float x) { return -vm::log1p_exp(x); }

/// log(1 - e^x) for x <= 0 (NaN for x > 0, -inf at 0). Mächler 2012, "Accurately computing
/// log(1 - exp(-|a|))" (Rmpfr vignette): log(-expm1(x)) for x > -ln 2, else log1p(-e^x).
LS_HD LS_INLINE double log1m_exp(double x) {
  const double a = vm::log(-vm::expm1(x));
  const double b = vm::log1p(-vm::exp(x));
  return detail::select(x > -0.693147180559945309417, a, b);
}
LS_HD LS_INLINE float log1m_exp(float x) {
  const float a = vm::log(-vm::expm1(x));
  const float b = vm::log1p(-vm::exp(x));
  return detail::select(x > -0.693147180559945309417f, a, b);
}

}  // namespace vm
}  // namespace lockstep
