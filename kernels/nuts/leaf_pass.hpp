#pragma once
// One pass over a chain's dimension for everything a NUTS leaf does with its new momentum
// (NutsMachine::resume), on the CPU's vector path for a diagonal metric:
//
//   p += (eps/2) g;  p# = M^-1 p;  K = 1/2 p . p#             (the second half kick, kinetic)
//   left checkpoint (even leaf n):  p, p#, rho_sub before p   (tree_indexing.hpp's slots)
//   right checkpoint (odd n, t < depth):  p#, rho_sub before p
//   rho_sub += p                                              (the subtree's momentum sum)
//   level-1 merge (odd n):  p#(n) . rho and p#(m) . rho with rho = rho_sub - prefix(m)
//
// Done as separate loops, each leaf read p, p# and rho_sub again from memory; for a 100-dim
// model in gangs of 8 chains the leaf's vectors live in L2, so each extra pass is paid in
// bandwidth. Every element goes through the same operations in the same order as in the
// separate loops (kick_sharp_kinetic's generic form, the checkpoint loop, persists()'s
// kSumLanes partial sums), so the results are the same bits: tests/nuts/leaf_loops_test.cpp
// compares them for every dimension around the blocks and their tails.
#include "kernels/core/config.hpp"
#include "kernels/core/dim_simd.hpp"
#include "kernels/core/strided.hpp"
#include "kernels/hmc/metric.hpp"
#include "kernels/nuts/sum_lanes.hpp"

// The pass exists where NUTS's vector path does: the CPU's SIMD shape with double Reals
// (sum_lanes.hpp's kSumLanesVector).
#if !LOCKSTEP_GPU_SHAPE && !defined(LOCKSTEP_REAL_FLOAT)
#define LOCKSTEP_NUTS_LEAF_PASS 1
#else
#define LOCKSTEP_NUTS_LEAF_PASS 0
#endif

#if LOCKSTEP_NUTS_LEAF_PASS

namespace lockstep {
namespace nuts {

/// What a leaf records besides its end of the trajectory. A view whose pointer is null is not
/// written (or read, for the merge's).
struct LeafRecord {
  Dense<Real> rho_sub;                          // the subtree's running momentum sum
  Dense<Real> left_p, left_ps, left_prefix;     // even leaves: the left checkpoint
  Dense<Real> right_ps, right_prefix;           // odd leaves below the subtree's depth
  Dense<Real> merge_ps, merge_prefix;           // odd leaves: p#(m) and prefix(m) of level 1
};

/// The dot products of the level-1 merge's first check (persists(p#(m), p#(n), rho)), as
/// persists() forms them: dots[0] with p#(n), dots[1] with p#(m).
using LeafDots = double[2][kSumLanes];

namespace detail {

template <bool kLeft, bool kRight, bool kMerge>
LS_INLINE double leaf_pass(int dim, Real half, Dense<Real> p, Dense<Real> g, Dense<Real> ps, Dense<Real> minv,
                           const LeafRecord& r, LeafDots& dots) {
  using dim_simd::Part;
  constexpr int kPart = dim_simd::kNativeReals, kParts = kSumLanes / kPart;
  const Part h = dim_simd::splat<Part>(half);
  Part s[kParts], d0[kParts], d1[kParts];
#pragma GCC unroll 8
  for (int j = 0; j < kParts; ++j) s[j] = d0[j] = d1[j] = Part{};
  int i = 0;
  for (; i + kSumLanes <= dim; i += kSumLanes) {
#pragma GCC unroll 8
    for (int j = 0; j < kParts; ++j) {
      const int e = i + j * kPart;
      const Part pe = dim_simd::load<Part>(p.p + e) + h * dim_simd::load<Part>(g.p + e);
      const Part pse = dim_simd::load<Part>(minv.p + e) * pe;
      dim_simd::store(p.p + e, pe);
      dim_simd::store(ps.p + e, pse);
      s[j] += pe * pse;
      const Part before = dim_simd::load<Part>(r.rho_sub.p + e);
      if constexpr (kLeft) {
        dim_simd::store(r.left_p.p + e, pe);
        dim_simd::store(r.left_ps.p + e, pse);
        dim_simd::store(r.left_prefix.p + e, before);
      }
      if constexpr (kRight) {
        dim_simd::store(r.right_ps.p + e, pse);
        dim_simd::store(r.right_prefix.p + e, before);
      }
      const Part sum = before + pe;
      dim_simd::store(r.rho_sub.p + e, sum);
      if constexpr (kMerge) {
        const Part rho = sum - dim_simd::load<Part>(r.merge_prefix.p + e);
        d0[j] += pse * rho;
        d1[j] += dim_simd::load<Part>(r.merge_ps.p + e) * rho;
      }
    }
  }
  double k[kSumLanes];
#pragma GCC unroll 8
  for (int j = 0; j < kParts; ++j) {
    dim_simd::store(k + j * kPart, s[j]);
    dim_simd::store(dots[0] + j * kPart, d0[j]);
    dim_simd::store(dots[1] + j * kPart, d1[j]);
  }
  for (int l = 0; i + l < dim; ++l) {
    const int e = i + l;
    p[e] += half * g[e];
    ps[e] = minv[e] * p[e];
    k[l] += p[e] * ps[e];
    const Real before = r.rho_sub[e];
    if constexpr (kLeft) {
      r.left_p[e] = p[e];
      r.left_ps[e] = ps[e];
      r.left_prefix[e] = before;
    }
    if constexpr (kRight) {
      r.right_ps[e] = ps[e];
      r.right_prefix[e] = before;
    }
    r.rho_sub[e] = before + p[e];
    if constexpr (kMerge) {
      const double rho = r.rho_sub[e] - r.merge_prefix[e];
      dots[0][l] += ps[e] * rho;
      dots[1][l] += r.merge_ps[e] * rho;
    }
  }
  return 0.5 * add_sum_lanes(k);
}

}  // namespace detail

/// The pass above; returns the kinetic energy 1/2 p . p#. An even leaf has a left checkpoint
/// and no merge; an odd leaf a level-1 merge and, below the subtree's depth, a right
/// checkpoint (tree_indexing.hpp). dots is written only for an odd leaf.
LS_INLINE double leaf_pass(int dim, Real half, Dense<Real> p, Dense<Real> g, Dense<Real> ps,
                           const hmc::DiagMetric<Dense<Real>>& metric, const LeafRecord& r, LeafDots& dots) {
  if (r.left_p.p != nullptr) return detail::leaf_pass<true, false, false>(dim, half, p, g, ps, metric.minv, r, dots);
  if (r.right_ps.p != nullptr) return detail::leaf_pass<false, true, true>(dim, half, p, g, ps, metric.minv, r, dots);
  return detail::leaf_pass<false, false, true>(dim, half, p, g, ps, metric.minv, r, dots);
}

}  // namespace nuts
}  // namespace lockstep

#endif  // LOCKSTEP_NUTS_LEAF_PASS
