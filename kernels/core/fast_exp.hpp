#pragma once
// A cheaper e^x for log densities whose exp arguments are moderate (the ensemble's hot loop,
// models/peak.hpp: one Gaussian-peak term per data point and walker). m::exp
// (kernels/core/vmath.hpp) keeps the rounding error of the reduction and of 1 + p(r) apart
// (~0.5 ulp everywhere, gradual underflow); this one drops those refinements and costs about
// half the operations:
//
//   x = n ln2 + r, |r| <= ln2 / 2 (Cody-Waite with ln2 = kLn2Hi + kLn2Lo; n kLn2Hi is exact
//   for |n| < 2^11), e^r = 1 + (r + r^2 q(r)) with m::exp's minimax q (degree 10, relative
//   error 2^-58.2), times 2^n built in the exponent field.
//
// Accuracy: below 2 ulp for x in [-708, 709] (tests/ensemble/fast_exp_test.cpp checks it
// against std::exp). Differences from m::exp, documented and tested:
//   * x < -708 (a result below the smallest normal double, ~2.2e-308) gives exactly 0, not
//     a subnormal; -inf gives 0; NaN gives NaN;
//   * x > 709 is outside the domain (the result is undefined): there is no overflow
//     handling, which callers with arguments <= 0 (the peak model's -(m - x)^2 / (2 s^2))
//     do not need.
// Branch-free (a select only), so a loop over W chains vectorizes; Real = float uses m::exp.
#include <cstdint>

#include "kernels/core/config.hpp"
#include "kernels/core/scalar_math.hpp"

namespace lockstep {

/// e^x to within 2 ulp for x <= 709 (NaN passes through), results below 2^-1022 flushed to 0;
/// above 709 the result is undefined (use exp_fast). No clamp is needed below: for
/// x < -708 the garbage that the exponent arithmetic gives is replaced by the final select
/// (a bitwise blend, so even a NaN there is discarded). The peak model's arguments,
/// -(m - x)^2 / (2 s^2), are <= 0.
LS_HD LS_INLINE double exp_upto_709(double x) {
  namespace d = vm::detail;
  const double k = x * d::kLog2e + d::kShift;
  const double n = k - d::kShift;
  const double r = (x - n * d::kLn2Hi) - n * d::kLn2Lo;
  double q = d::kQ10;
  q = q * r + d::kQ9;
  q = q * r + d::kQ8;
  q = q * r + d::kQ7;
  q = q * r + d::kQ6;
  q = q * r + d::kQ5;
  q = q * r + d::kQ4;
  q = q * r + d::kQ3;
  q = q * r + d::kQ2;
  q = q * r + d::kQ1;
  q = q * r + d::kQ0;
  const double p = 1.0 + (r + (r * r) * q);  // e^r in [0.7, 1.42]
  // 2^n for n in [-1021, 1023] (x in [-708, 709]): n sits in the low bits of k.
  const std::uint64_t e = d::bits(k) - d::bits(d::kShift) + 1023u;
  return d::select(x < -708.0, 0.0, p * d::from_bits(e << 52));
}

/// e^x in float arithmetic for x <= 88 (NaN passes through), results below 2^-126 flushed
/// to 0: exp_upto_709's steps with float constants (Cody-Waite with kLn2HiF + kLn2LoF, vm's
/// degree-5 q of relative error 2^-28.4), so a vector holds twice the lanes. Below 2 float
/// ulp (tests/ensemble/fast_exp_test.cpp). For a simulator's deterministic part where the
/// added noise is far larger than float rounding (models/peak.hpp says when).
LS_HD LS_INLINE float exp_upto_88f(float x) {
  namespace d = vm::detail;
  const float k = x * d::kLog2eF + d::kShiftF;
  const float n = k - d::kShiftF;
  const float r = (x - n * d::kLn2HiF) - n * d::kLn2LoF;
  float q = d::kQ5F;
  q = q * r + d::kQ4F;
  q = q * r + d::kQ3F;
  q = q * r + d::kQ2F;
  q = q * r + d::kQ1F;
  q = q * r + d::kQ0F;
  const float p = 1.0f + (r + (r * r) * q);  // e^r in [0.7, 1.42]
  // 2^n for n in [-126, 127] (x in [-87, 88]): n sits in the low bits of k.
  const std::uint32_t e = d::bits(k) - d::bits(d::kShiftF) + 127u;
  return d::select(x < -87.0f, 0.0f, p * d::from_bits(e << 23));
}

/// Real = float: m::exp (the float path is not the ensemble's hot spot).
LS_HD LS_INLINE float exp_upto_709(float x) { return vm::exp(x); }

}  // namespace lockstep
