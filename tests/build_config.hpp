#pragma once
// What the tests take from the build's configuration, in ONE place:
//   * tolerances that are statements about rounding, which depend on the precision of Real
//     (double by default, float with -DLOCKSTEP_REAL_FLOAT=ON);
//   * the size of the heaviest sampler runs, which depends on the build's shape (the CPU's
//     SIMD shape runs W = 8 chains per instruction; -DLOCKSTEP_GPU_LAYOUT=ON runs the GPU's
//     one chain per lane on the CPU).
// Posterior tests judge draws against their Monte Carlo standard errors: those bounds hold in
// either precision and shape and are not here. No test is skipped in any configuration.
#include <cfloat>
#include <cmath>
#include <limits>

#include "host/check/finite_differences.hpp"
#include "kernels/core/config.hpp"

namespace lockstep {
namespace testing {

/// Machine epsilon of Real: 2^-52 = 2.2e-16 (double) or 2^-23 = 1.2e-7 (float).
constexpr double kRealEps = std::numeric_limits<Real>::epsilon();

/// True when Real is float.
constexpr bool kRealIsFloat = sizeof(Real) < sizeof(double);

/// A rounding tolerance stated for double, carried over to Real as the same number of units
/// of Real's epsilon: t * kRealEps / DBL_EPSILON. In double it is t itself (every tolerance of
/// the double suite is unchanged); in float it is 2^29 = 5.4e8 times t: 1e-15 (4.5 eps) ->
/// 5.4e-7, 1e-14 (45 eps) -> 5.4e-6, 1e-12 (4500 eps) -> 5.4e-4. Right for results of a
/// bounded number of Real operations on O(1) values (a gradient, a leapfrog trajectory, a
/// block against the same chains one by one), whose rounding error is a multiple of eps.
constexpr double real_tol(double double_tol) { return double_tol * (kRealEps / DBL_EPSILON); }

/// x as the kernels hold it (rounded to Real): for the equalities that are exact in either
/// precision once both sides are Reals (a chain that never moves keeps its Real start, a
/// draw's stepsize__ is the Real step size the chain used).
inline double as_real(double x) { return static_cast<Real>(x); }

/// Relative tolerance of the finite-difference gradient checks: check::kGradRelTol, the
/// default of `lockstep check` (host/check/finite_differences.hpp derives it for each
/// precision).
constexpr double kGradTol = check::kGradRelTol;

/// The rounding floor of a finite-difference derivative of the model's log density, added to
/// the gradient check's tolerance kGradTol * max(1, |g|) in float. The model sums its log
/// density in Real, so lp carries an absolute error delta ~ eps |lp|; a central difference
/// over the width 2h carries 2 delta / 2h = delta / h, and Ridders' extrapolated entries weigh
/// the finest difference by at most ~1.7 (the coefficients 4^j / (4^j - 1) and their parents'
/// halves). With delta <= 2 eps |lp|: 4 eps max(1, |lp|) / h, h the finest step of the chosen
/// entry (check::Derivative::step). Measured on std_normal at the standard and the wide points
/// (dim 1, 7, 33): the gap never passed 0.75 eps |lp| / h. This is the conditioning of the
/// check itself: where |lp| is large and the coordinate's share of it small (std_normal's
/// 33-d point at radius 1e3, |lp| = 4e6, in a coordinate where |g| = 2.8 and h = 0.07), float
/// cannot resolve the derivative by differences at all and the floor says so. Zero in double:
/// there the floor stays below 1e-8 relative at every test point and the double checks are
/// exactly kGradTol, as before.
constexpr double kFdRoundingUnits = 4.0;
inline double fd_rounding_floor(double lp, double step) {
  return kRealIsFloat ? kFdRoundingUnits * kRealEps * (std::fabs(lp) > 1.0 ? std::fabs(lp) : 1.0) / step : 0.0;
}

/// A build under a sanitizer (CMake's LOCKSTEP_SANITIZE, scripts/test_configs.sh sanitize and
/// tsan: clang or g++ at -O1 .. -O3 with every memory access instrumented).
#ifdef LOCKSTEP_SANITIZED
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

/// Chains of the heaviest posterior test (ChEES on gauss100_ill: 1024 chains x 400 iterations
/// of ~90 leapfrog steps, each a 100 x 100 mat-vec). In the GPU layout a CPU lane runs one
/// chain instead of a SIMD block of 8, and the model's dimension loops stay scalar
/// (LS_NO_LOOP_VECTORIZE), so the run is ~14x slower (measured on 2 cores: 635 s against 46 s);
/// under a sanitizer it is as slow (ThreadSanitizer at clang -O1: 460 s). There it runs 1/8 of
/// the chains (~80 s) and its MCSE-based bounds widen by sqrt(8).
constexpr int heavy_test_chains(int simd_shape_chains) {
  return kGpuShape || kSanitized ? simd_shape_chains / 8 : simd_shape_chains;
}
}  // namespace testing
}  // namespace lockstep
