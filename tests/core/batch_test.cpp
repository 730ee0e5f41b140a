// Batch<W> loads and stores and the BlockView element (BlockRef<W>): reading a block of W
// chains out of a Real array and writing it back goes through Real lvalues (no type punning
// of Reals as Batch objects), with the semantics the samplers and models rely on: an element
// reads as a Batch, assignment and compound assignment write memory, [w] is chain w's Real
// in memory, W is deduced through an element by the Batch templates, and assigning to a copy
// of an element does not compile.
#include <gtest/gtest.h>

#include <type_traits>
#include <vector>

#include "kernels/core/batch.hpp"

namespace lockstep {
namespace testing {
namespace {

constexpr int W = 8;
using B = Batch<W>;

static_assert(std::is_trivially_copyable<B>::value, "Batch is a plain value");
static_assert(std::is_assignable<BlockRef<W>&&, B>::value, "view[i] = batch");
static_assert(!std::is_assignable<BlockRef<W>&, B>::value, "auto x = view[i]; x = batch; must not compile");
static_assert(!std::is_assignable<BlockRef<W>&, BlockRef<W>>::value, "nor x = view[j]");
static_assert(std::is_convertible<BlockRef<W>, const B&>::value, "an element is a Batch");

TEST(Batch, LoadAndStore) {
  std::vector<Real> x(2 * W);
  for (int k = 0; k < 2 * W; ++k) x[k] = Real(k);
  const B b = B::load(x.data() + W);
  for (int w = 0; w < W; ++w) EXPECT_EQ(b[w], Real(W + w));
  (b * Real(2)).store(x.data());
  for (int w = 0; w < W; ++w) EXPECT_EQ(x[w], Real(2 * (W + w)));
}

TEST(Batch, BlockViewElements) {
  // [3][n] with n = 2 W: element i of the block of chains W .. 2W-1 at x[i * n + W + w]
  const int n = 2 * W;
  std::vector<Real> x(3 * n, Real(0));
  const BlockView<W> v{x.data() + W, n};
  for (int i = 0; i < 3; ++i) v[i] = B(Real(i + 1));  // assignment stores
  for (int i = 0; i < 3; ++i)
    for (int w = 0; w < W; ++w) {
      EXPECT_EQ(x[i * n + W + w], Real(i + 1));
      EXPECT_EQ(x[i * n + w], Real(0)) << "the other block is untouched";
    }
  v[1] += v[2];   // 2 + 3
  v[2] *= Real(4);  // 12
  v[0] -= Real(0.5);
  v[0] /= Real(0.5);  // 1
  EXPECT_EQ(x[1 * n + W + 3], Real(5));
  EXPECT_EQ(x[2 * n + W + 7], Real(12));
  EXPECT_EQ(x[0 * n + W + 0], Real(1));
  v[0] = v[2];  // element to element
  EXPECT_EQ(x[0 * n + W + 5], Real(12));
  v[1][3] = Real(-1);  // chain 3's value, in memory
  EXPECT_EQ(x[1 * n + W + 3], Real(-1));
  const B e = v[1];  // reads
  EXPECT_EQ(e[3], Real(-1));
  EXPECT_EQ(e[2], Real(5));
  // the Batch templates deduce W through an element
  const B s = v[1] + v[2] * Real(2) - m::abs(v[1]);
  EXPECT_EQ(s[3], Real(-1 + 24 - 1));
  EXPECT_EQ(lane_of(v[2], 4), Real(12));
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
