#pragma once
// The generalized no-U-turn criterion (Betancourt 2017, "A Conceptual Introduction to
// Hamiltonian Monte Carlo", appendix A.4.2) as Stan evaluates it
// (stan/mcmc/hmc/nuts/base_nuts.hpp, compute_criterion):
//
//   persist(p#_minus, p#_plus, rho)  =  p#_plus . rho > 0  and  p#_minus . rho > 0,
//
// with p# = M^-1 p the sharp momenta at the two ends of a (sub)trajectory and rho the sum of
// the momenta of all its states. Since Stan 2.24 a merge of two subtrees A (earlier) and B
// (later, in the direction of integration) demands three of them:
//
//   persist(p#(A_begin), p#(B_end),   rho_A + rho_B)      around the merged tree
//   persist(p#(A_begin), p#(B_begin), rho_A + p(B_begin))  across the junction, from A
//   persist(p#(A_end),   p#(B_end),   rho_B + p(A_end))    across the junction, from B
//
// (Stan >= 2.24: the extra checks catch U-turns that fall between the two halves).
// The criterion is symmetric in its first two arguments, so the same three checks apply to a
// merge in either time direction. rho is never stored: callers pass it as a functor of i,
// formed on the fly from stored sums (e.g. a prefix-sum difference), so no scratch is needed;
// written with at(view, i) (sum_lanes.hpp), it also takes a register's worth of elements at once.
// Dot products accumulate in double whatever Real is, in kSumLanes interleaved partial sums
// (sum_lanes.hpp): the same value in every layout and on both backends.
#include "kernels/core/config.hpp"
#include "kernels/nuts/sum_lanes.hpp"

namespace lockstep {
namespace nuts {

template <class V, class Rho>
LS_HD LS_INLINE bool persists(int dim, V ps_minus, V ps_plus, const Rho& rho) {
#if !LOCKSTEP_GPU_SHAPE
  if constexpr (kSumLanesVector<V>) {
    double s[2][kSumLanes];
    sum_lanes_dots<2>(dim, {ps_plus.p, ps_minus.p}, rho, s);
    return add_sum_lanes(s[0]) > 0 && add_sum_lanes(s[1]) > 0;
  }
#endif
  double minus[kSumLanes] = {}, plus[kSumLanes] = {};
  for_sum_lanes(dim, [&](int i, int k) {
    const double r = static_cast<double>(rho(i));
    minus[k] += static_cast<double>(ps_minus[i]) * r;
    plus[k] += static_cast<double>(ps_plus[i]) * r;
  });
  return add_sum_lanes(plus) > 0 && add_sum_lanes(minus) > 0;
}

}  // namespace nuts
}  // namespace lockstep
