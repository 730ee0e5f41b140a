#pragma once
// Bit helpers of the iterative NUTS tree builder: which leaf of a subtree is stored in which
// checkpoint slot, and which slots the U-turn checks read after each leaf.
//
// A subtree of depth d has 2^d leaves, numbered n = 0, 1, ..., 2^d - 1 in the order they are
// integrated. Stan's recursive build_tree (stan/mcmc/hmc/nuts/base_nuts.hpp) merges two
// sibling subtrees A (the earlier, "init") and B (the later, "final") of 2^(k-1) leaves each
// right after B's last leaf: after leaf n exactly the k = 1 .. t merges complete, where
// t = trailing_ones(n), and the merge at level k joins
//
//   A = [m, e],  B = [b, n],   m = n + 1 - 2^k,  e = n - 2^(k-1),  b = e + 1.
//
// Stan (>= 2.24) checks three no-U-turn conditions per merge (uturn.hpp): around A+B, using
// p#(m), p#(n) and rho[m..n]; across the junction from the left, p#(m), p#(b), rho[m..b]; and
// from the right, p#(e), p#(n), rho[e..n]. An iterative builder therefore needs, at leaf n,
// the sharp momenta of m, b and e and prefix sums of the momenta there — and nothing else.
//
// Left checkpoints (NumPyro's scheme: pyro-ppl/numpyro numpyro/infer/hmc_util.py,
// `_leaf_idx_to_ckpt_idxs`, `_is_iterative_turning`): every even leaf m is stored in slot
// popcount(m). A later even leaf inside the same aligned block has a larger popcount, so the
// slot survives until every merge that starts at m is done. After leaf n the merges read
// slots idx_max - k + 1 (for m_k) with idx_max = popcount(n >> 1), k = 1 .. t; b_k = m_{k-1}
// sits in the slot just above (idx_max - k + 2).
//
// Right checkpoints (our addition for Stan's junction checks): e_k = n - 2^(k-1) has exactly
// k - 1 trailing ones, and it is the last leaf of the only left child that completes at e_k.
// Storing leaf e in slot trailing_ones(e) is therefore safe: the leaves strictly between e_k
// and n have fewer trailing ones, so nothing overwrites the slot before the merge at n reads
// it (and at k = 1, e = m is a left checkpoint already, so slot 0 is never read).
//
// A subtree of depth d uses left slots 0 .. d - 1 and right slots 1 .. d - 1 (the right
// checkpoint of its last leaf, t = d, is never read and not stored), so max_depth - 1 slots
// of each family hold the deepest subtree a transition builds (depth max_depth - 1).
#include <cstdint>

#include "kernels/core/config.hpp"

namespace lockstep {
namespace nuts {

/// Number of set bits.
LS_HD LS_INLINE int popcount(std::uint32_t x) {
  int c = 0;
  for (; x != 0; x &= x - 1) ++c;
  return c;
}

/// Number of consecutive set bits from bit 0 (7 -> 3, 6 -> 0, 11 -> 2).
LS_HD LS_INLINE int trailing_ones(std::uint32_t n) {
  int c = 0;
  for (; n & 1u; n >>= 1) ++c;
  return c;
}

/// Left-checkpoint slots the U-turn checks after leaf n read: [idx_min, idx_max]
/// (NumPyro's `_leaf_idx_to_ckpt_idxs`; empty, idx_min > idx_max, for even n).
struct CheckpointRange {
  int idx_min;
  int idx_max;
};
LS_HD LS_INLINE CheckpointRange leaf_checkpoint_range(std::uint32_t n) {
  const int idx_max = popcount(n >> 1);
  return CheckpointRange{idx_max - trailing_ones(n) + 1, idx_max};
}

/// Slot where leaf n is stored as a left checkpoint (even n), or -1 (odd n).
LS_HD LS_INLINE int left_checkpoint_slot(std::uint32_t n) { return (n & 1u) ? -1 : popcount(n); }

/// Slot where leaf n is stored as a right checkpoint (n with at least one trailing one), or -1.
LS_HD LS_INLINE int right_checkpoint_slot(std::uint32_t n) {
  const int t = trailing_ones(n);
  return t >= 1 ? t : -1;
}

/// The slots one merge reads: level k (1 <= k <= trailing_ones(n)) after leaf n.
struct MergeSlots {
  int begin_a;  // left slot of m = n + 1 - 2^k (first leaf of A)
  int begin_b;  // left slot of b = n + 1 - 2^(k-1) (first leaf of B); -1 when k = 1 (b = n)
  int end_a;    // right slot of e = n - 2^(k-1) (last leaf of A); -1 when k = 1 (e = m)
};
LS_HD LS_INLINE MergeSlots merge_slots(std::uint32_t n, int k) {
  const int idx_max = popcount(n >> 1);
  const int a = idx_max - k + 1;
  return k == 1 ? MergeSlots{a, -1, -1} : MergeSlots{a, a + 1, k - 1};
}

}  // namespace nuts
}  // namespace lockstep
