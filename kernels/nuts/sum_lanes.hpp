#pragma once
// Sums over one chain's dimension in kSumLanes interleaved partial sums: element i adds to
// partial sum i mod kSumLanes, and the partial sums are added in the order 0, 1, ..., at the
// end. NUTS takes a few dot products of the dimension per leapfrog step (the kinetic energy,
// the U-turn checks); summed one element after another, each is a chain of dependent
// additions (4 cycles an element on a current CPU), which cost more than the gradient of a
// 100-dimensional model. The interleaved form is a fixed reassociation of that sum: the same
// value in both NUTS layouts (lane-local and coalesced) and on both backends, and a loop g++
// turns into vector instructions (the kSumLanes sums of a block of elements are independent).
#include "kernels/core/config.hpp"

namespace lockstep {
namespace nuts {

constexpr int kSumLanes = 8;

/// Calls add(i, i mod kSumLanes) for i = 0 .. dim - 1, in order, kSumLanes at a time.
template <class Add>
LS_HD LS_INLINE void for_sum_lanes(int dim, const Add& add) {
  int i = 0;
  for (; i + kSumLanes <= dim; i += kSumLanes)
    for (int l = 0; l < kSumLanes; ++l) add(i + l, l);
  for (int l = 0; i + l < dim; ++l) add(i + l, l);
}

/// s[0] + s[1] + ... + s[kSumLanes - 1], in that order.
LS_HD LS_INLINE double add_sum_lanes(const double (&s)[kSumLanes]) {
  double total = 0;
  for (int l = 0; l < kSumLanes; ++l) total += s[l];
  return total;
}

}  // namespace nuts
}  // namespace lockstep
