// The bit helpers of the iterative tree builder (kernels/nuts/tree_indexing.hpp): exact
// tables for the first 16 leaves, and an exhaustive check, for every subtree depth up to 10,
// that the checkpoint slots hold exactly the leaves Stan's merges need when they need them.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/nuts/tree_indexing.hpp"

namespace lockstep {
namespace nuts {
namespace {

struct LeafRow {
  std::uint32_t n;
  int popcount, trailing_ones, idx_min, idx_max, left_slot, right_slot;
};

// n, popcount(n), trailing_ones(n), [idx_min, idx_max] (NumPyro's _leaf_idx_to_ckpt_idxs),
// left checkpoint slot (even n: popcount), right checkpoint slot (trailing ones >= 1).
const LeafRow kLeaves[] = {
    {0, 0, 0, 1, 0, 0, -1},  {1, 1, 1, 0, 0, -1, 1},  {2, 1, 0, 2, 1, 1, -1},  {3, 2, 2, 0, 1, -1, 2},
    {4, 1, 0, 2, 1, 1, -1},  {5, 2, 1, 1, 1, -1, 1},  {6, 2, 0, 3, 2, 2, -1},  {7, 3, 3, 0, 2, -1, 3},
    {8, 1, 0, 2, 1, 1, -1},  {9, 2, 1, 1, 1, -1, 1},  {10, 2, 0, 3, 2, 2, -1}, {11, 3, 2, 1, 2, -1, 2},
    {12, 2, 0, 3, 2, 2, -1}, {13, 3, 1, 2, 2, -1, 1}, {14, 3, 0, 4, 3, 3, -1}, {15, 4, 4, 0, 3, -1, 4},
};

TEST(TreeIndexing, LeafTable) {
  for (const LeafRow& r : kLeaves) {
    EXPECT_EQ(popcount(r.n), r.popcount) << "n = " << r.n;
    EXPECT_EQ(trailing_ones(r.n), r.trailing_ones) << "n = " << r.n;
    const CheckpointRange cr = leaf_checkpoint_range(r.n);
    EXPECT_EQ(cr.idx_min, r.idx_min) << "n = " << r.n;
    EXPECT_EQ(cr.idx_max, r.idx_max) << "n = " << r.n;
    EXPECT_EQ(left_checkpoint_slot(r.n), r.left_slot) << "n = " << r.n;
    EXPECT_EQ(right_checkpoint_slot(r.n), r.right_slot) << "n = " << r.n;
  }
  // NumPyro's comments: idx_max 6 -> 2, 7 -> 2, 13 -> 2; number of subtrees 6 -> 0, 7 -> 3, 13 -> 1
  EXPECT_EQ(leaf_checkpoint_range(6).idx_max, 2);
  EXPECT_EQ(leaf_checkpoint_range(7).idx_max, 2);
  EXPECT_EQ(leaf_checkpoint_range(13).idx_max, 2);
  EXPECT_EQ(trailing_ones(0xFFFFFFFFu), 32);
  EXPECT_EQ(popcount(0xFFFFFFFFu), 32);
}

struct MergeRow {
  std::uint32_t n;
  int k;
  int m, b, e;              // first leaf of A, first leaf of B, last leaf of A (-1: k = 1)
  int begin_a, begin_b, end_a;  // their slots
};

// Every merge of a depth-3 subtree (8 leaves): level k after leaf n joins A = [m, e] and
// B = [b, n].
const MergeRow kMerges[] = {
    {1, 1, 0, -1, -1, 0, -1, -1}, {3, 1, 2, -1, -1, 1, -1, -1}, {3, 2, 0, 2, 1, 0, 1, 1},
    {5, 1, 4, -1, -1, 1, -1, -1}, {7, 1, 6, -1, -1, 2, -1, -1}, {7, 2, 4, 6, 5, 1, 2, 1},
    {7, 3, 0, 4, 3, 0, 1, 2},
};

TEST(TreeIndexing, MergeTableOfADepth3Subtree) {
  for (const MergeRow& r : kMerges) {
    const MergeSlots ms = merge_slots(r.n, r.k);
    EXPECT_EQ(ms.begin_a, r.begin_a) << "n = " << r.n << ", k = " << r.k;
    EXPECT_EQ(ms.begin_b, r.begin_b) << "n = " << r.n << ", k = " << r.k;
    EXPECT_EQ(ms.end_a, r.end_a) << "n = " << r.n << ", k = " << r.k;
    EXPECT_EQ(left_checkpoint_slot(r.m), r.begin_a) << "m = " << r.m;
    if (r.k >= 2) {
      EXPECT_EQ(left_checkpoint_slot(r.b), r.begin_b) << "b = " << r.b;
      EXPECT_EQ(right_checkpoint_slot(r.e), r.end_a) << "e = " << r.e;
    }
  }
}

// Simulates the slot writes of NutsMachine::resume (left slot for even leaves; right slot when
// 1 <= trailing ones < depth) and checks, at every leaf and merge level, that the slots read
// hold m = n + 1 - 2^k, b = n + 1 - 2^(k-1) and e = n - 2^(k-1), and that no slot index
// reaches depth (so max_depth - 1 slots per family suffice).
TEST(TreeIndexing, SlotsHoldTheLeavesEveryMergeNeedsUpToDepth10) {
  for (int depth = 0; depth <= 10; ++depth) {
    std::vector<long> left(depth + 1, -1), right(depth + 1, -1);
    for (std::uint32_t n = 0; n < (1u << depth); ++n) {
      const int t = trailing_ones(n);
      const int ls = left_checkpoint_slot(n);
      if (ls >= 0) {
        ASSERT_LT(ls, depth > 0 ? depth : 1) << "depth " << depth << " n " << n;
        left[ls] = n;
      }
      if (t >= 1 && t < depth) {
        ASSERT_EQ(right_checkpoint_slot(n), t);
        right[t] = n;
      }
      const CheckpointRange cr = leaf_checkpoint_range(n);
      ASSERT_EQ(cr.idx_max - cr.idx_min + 1, t);
      for (int k = 1; k <= t; ++k) {
        const MergeSlots ms = merge_slots(n, k);
        const long m = static_cast<long>(n) + 1 - (1L << k);
        ASSERT_EQ(left[ms.begin_a], m) << "depth " << depth << " n " << n << " k " << k;
        ASSERT_GE(ms.begin_a, cr.idx_min);
        ASSERT_LE(ms.begin_a, cr.idx_max);
        if (k >= 2) {
          const long b = static_cast<long>(n) + 1 - (1L << (k - 1));
          const long e = static_cast<long>(n) - (1L << (k - 1));
          ASSERT_EQ(left[ms.begin_b], b) << "depth " << depth << " n " << n << " k " << k;
          ASSERT_EQ(right[ms.end_a], e) << "depth " << depth << " n " << n << " k " << k;
        }
      }
    }
  }
}

}  // namespace
}  // namespace nuts
}  // namespace lockstep
