#pragma once
// The scalar math models and samplers call as m::exp(x), m::log(x), ... when T is a plain
// Real (one chain per lane: NUTS on the CPU, every sampler on a GPU); m::exp(Batch<W>) is in
// kernels/core/batch.hpp and runs vm::exp lane by lane, which the compiler vectorizes.
//
// On the host the four transcendentals come from the C library: glibc's exp, log, log1p
// and expm1 are table-driven, < 1 ulp, and several times faster one at a time than the
// branch-free polynomials of vmath.hpp, whose cost only pays off eight lanes at a time
// (measured: NUTS on Eight Schools, 8.8e6 -> 1.2e7 gradients/s). On the device the vm::
// routines are used, as before. The composites (log1p_exp, log_sum_exp, inv_logit, ...)
// stay vm::'s, with their documented special values; they are called once per subtree or
// per draw, not per gradient. Code that loops over the lanes of a block itself must call
// vm:: directly to stay vectorized.
#include <cmath>

#include "kernels/core/config.hpp"
#include "kernels/core/vmath.hpp"

namespace lockstep {
namespace m {

#if defined(__CUDA_ARCH__)
#define LS_SCALAR_MATH(fn)                                                 \
  LS_HD LS_INLINE double fn(double x) { return vm::fn(x); }               \
  LS_HD LS_INLINE float fn(float x) { return vm::fn(x); }
#else
#define LS_SCALAR_MATH(fn)                                                 \
  LS_HD LS_INLINE double fn(double x) { return std::fn(x); }              \
  LS_HD LS_INLINE float fn(float x) { return std::fn(x); }
#endif
LS_SCALAR_MATH(exp)
LS_SCALAR_MATH(log)
LS_SCALAR_MATH(log1p)
LS_SCALAR_MATH(expm1)
#undef LS_SCALAR_MATH

/// False for +-inf and NaN (x - x is NaN exactly for those; valid without -ffast-math, which
/// this project never uses), on both backends.
LS_HD LS_INLINE bool is_finite(double x) { return x - x == 0.0; }

using vm::abs;
using vm::inv_logit;
using vm::log1m_exp;
using vm::log1m_inv_logit;
using vm::log1p_exp;
using vm::log_inv_logit;
using vm::log_sum_exp;
using vm::sqrt;

}  // namespace m
}  // namespace lockstep
