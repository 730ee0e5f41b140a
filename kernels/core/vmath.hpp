#pragma once
// Scalar math used by models, in namespace lockstep::m, so that model code written over a
// scalar type T calls m::exp(x) whether T is Real or Batch<W>.
//
// PROVISIONAL: forwards to <cmath>; to be replaced by branch-free, vectorizable routines.
#include <cmath>

#include "kernels/core/config.hpp"

namespace lockstep {
namespace m {

LS_HD LS_INLINE double exp(double x) { return ::exp(x); }
LS_HD LS_INLINE double log(double x) { return ::log(x); }
LS_HD LS_INLINE double log1p(double x) { return ::log1p(x); }
LS_HD LS_INLINE double sqrt(double x) { return ::sqrt(x); }
LS_HD LS_INLINE double abs(double x) { return ::fabs(x); }
/// log(1 + e^x) without overflow.
LS_HD LS_INLINE double log1p_exp(double x) { return x > 0 ? x + ::log1p(::exp(-x)) : ::log1p(::exp(x)); }

}  // namespace m
}  // namespace lockstep
