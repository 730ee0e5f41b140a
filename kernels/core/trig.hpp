#pragma once
// sin(2 pi u) and cos(2 pi u) together, branch-free, for the Box-Muller transform.
//
// Reduction is exact because the argument is given in turns: x = u - round(u) in [-1/2, 1/2],
// q = round(4x) the quadrant, y = x - q/4 in [-1/8, 1/8] (exact in binary), theta = 2 pi y in
// [-pi/4, pi/4]. Taylor series to theta^17 / theta^18 there are accurate to ~1e-17
// (|theta|^19/19! < 2e-18). The quadrant rotates (sin, cos) by q quarter turns, by selects,
// so a loop over chains vectorizes (Muller, "Elementary Functions", 3rd ed., ch. 11).
#include "kernels/core/config.hpp"
#include "kernels/core/vmath.hpp"

namespace lockstep {
namespace m {

LS_HD LS_INLINE void sincos_2pi(double u, double& s, double& c) {
  constexpr double kTwoPi = 6.283185307179586476925;
  constexpr double kShift = 0x1.8p52;  // adding it rounds to an integer
  const double x = u - ((u + kShift) - kShift);
  const double q = (x * 4.0 + kShift) - kShift;  // -2 .. 2
  const double t = kTwoPi * (x - 0.25 * q);
  const double t2 = t * t;
  // sin t = t (1 - t^2/3! + t^4/5! - ...), cos t = 1 - t^2/2! + t^4/4! - ...
  double ps = 1.0 / 355687428096000.0;                     // 1/17!
  ps = ps * t2 - 1.0 / 1307674368000.0;                    // 1/15!
  ps = ps * t2 + 1.0 / 6227020800.0;                       // 1/13!
  ps = ps * t2 - 1.0 / 39916800.0;                         // 1/11!
  ps = ps * t2 + 1.0 / 362880.0;                           // 1/9!
  ps = ps * t2 - 1.0 / 5040.0;
  ps = ps * t2 + 1.0 / 120.0;
  ps = ps * t2 - 1.0 / 6.0;
  const double sn = t + t * t2 * ps;
  double pc = 1.0 / 6402373705728000.0;                    // 1/18!
  pc = pc * t2 - 1.0 / 20922789888000.0;                   // 1/16!
  pc = pc * t2 + 1.0 / 87178291200.0;                      // 1/14!
  pc = pc * t2 - 1.0 / 479001600.0;                        // 1/12!
  pc = pc * t2 + 1.0 / 3628800.0;                          // 1/10!
  pc = pc * t2 - 1.0 / 40320.0;
  pc = pc * t2 + 1.0 / 720.0;
  pc = pc * t2 - 1.0 / 24.0;
  pc = pc * t2 + 0.5;
  const double cs = 1.0 - t2 * pc;
  // rotate by q quarter turns: q = 0: (s, c); 1: (c, -s); +-2: (-s, -c); -1: (-c, s)
  // Bitwise & and | and vm::detail::select (not || and ?:, which g++ turns into branches).
  const bool odd = (q == 1.0) | (q == -1.0);
  const double s1 = vm::detail::select(odd, cs, sn);
  const double c1 = vm::detail::select(odd, sn, cs);
  const bool neg_s = (q != 0.0) & (q != 1.0);
  const bool neg_c = (q != 0.0) & (q != -1.0);
  s = vm::detail::select(neg_s, -s1, s1);
  c = vm::detail::select(neg_c, -c1, c1);
}

}  // namespace m
}  // namespace lockstep
