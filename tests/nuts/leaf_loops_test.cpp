// nuts::leaf_pass (kernels/nuts/leaf_pass.hpp): a NUTS leaf's second half kick, sharp momentum,
// kinetic energy, checkpoints, momentum sum and level-1 merge dot products in one pass over the
// dimension (the CPU's vector path, diagonal metric) must give the bits of the separate loops
// NutsMachine::resume runs everywhere else (kick_sharp_kinetic, the checkpoint loop and
// persists()'s partial sums), for every dimension around the kSumLanes blocks and their tails
// and for the three kinds of leaf.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "kernels/hmc/metric.hpp"
#include "kernels/nuts/leaf_pass.hpp"
#include "kernels/nuts/nuts_transition.hpp"
#include "tests/hmc/sampler_fixtures.hpp"

namespace lockstep {
namespace testing {
namespace {

#if LOCKSTEP_NUTS_LEAF_PASS  // the CPU's SIMD shape with double Reals: where the one pass exists

enum class Leaf { kEven, kOddWithRightCheckpoint, kOddLast };

// Every vector a leaf reads or writes, for one side of the comparison.
struct LeafVectors {
  std::vector<Real> p, g, ps, rho_sub, left_p, left_ps, left_prefix, right_ps, right_prefix, merge_ps, merge_prefix;
};

LeafVectors random_leaf(int dim, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 1.0);
  auto draw = [&](double scale) {
    std::vector<Real> v(dim);
    for (Real& x : v) x = static_cast<Real>(scale * normal(rng));
    return v;
  };
  LeafVectors v;
  v.p = draw(1);
  v.g = draw(10);
  v.ps = draw(1);
  v.rho_sub = draw(3);
  v.left_p = draw(1);
  v.left_ps = draw(1);
  v.left_prefix = draw(1);
  v.right_ps = draw(1);
  v.right_prefix = draw(1);
  v.merge_ps = draw(1);
  v.merge_prefix = draw(3);
  return v;
}

Dense<Real> view(std::vector<Real>& v) { return Dense<Real>{v.data()}; }

TEST(LeafLoops, OnePassGivesTheSeparateLoopsBits) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> positive(0.1, 3.0);
  for (const Leaf kind : {Leaf::kEven, Leaf::kOddWithRightCheckpoint, Leaf::kOddLast}) {
    for (int dim = 1; dim <= 41; ++dim) {
      const std::string where = "leaf kind " + std::to_string(static_cast<int>(kind)) + ", dim " + std::to_string(dim);
      LeafVectors one = random_leaf(dim, rng);
      LeafVectors loops = one;
      std::vector<Real> minv(dim);
      for (Real& x : minv) x = static_cast<Real>(positive(rng));
      const Real half = static_cast<Real>(-0.5 * positive(rng));
      const hmc::DiagMetric<Dense<Real>> metric{Dense<Real>{minv.data()}, dim};
      const bool even = kind == Leaf::kEven, right = kind == Leaf::kOddWithRightCheckpoint;

      nuts::LeafRecord r{};
      r.rho_sub = view(one.rho_sub);
      if (even) {
        r.left_p = view(one.left_p);
        r.left_ps = view(one.left_ps);
        r.left_prefix = view(one.left_prefix);
      } else {
        r.merge_ps = view(one.merge_ps);
        r.merge_prefix = view(one.merge_prefix);
        if (right) {
          r.right_ps = view(one.right_ps);
          r.right_prefix = view(one.right_prefix);
        }
      }
      nuts::LeafDots dots_one;
      const double k_one = nuts::leaf_pass(dim, half, view(one.p), view(one.g), view(one.ps), metric, r, dots_one);

      // The separate loops, as NutsMachine::resume writes them for every other path.
      const double k_loops = nuts::kick_sharp_kinetic(dim, half, view(loops.p), view(loops.g), view(loops.ps), metric);
      for (int i = 0; i < dim; ++i) {
        const Real before = loops.rho_sub[i];
        if (even) {
          loops.left_p[i] = loops.p[i];
          loops.left_ps[i] = loops.ps[i];
          loops.left_prefix[i] = before;
        }
        if (right) {
          loops.right_ps[i] = loops.ps[i];
          loops.right_prefix[i] = before;
        }
        loops.rho_sub[i] = before + loops.p[i];
      }
      double dots_loops[2][nuts::kSumLanes];
      const Dense<Real> rho_sub = view(loops.rho_sub), pre_m = view(loops.merge_prefix);
      nuts::sum_lanes_dots<2>(dim, {loops.ps.data(), loops.merge_ps.data()},
                              [&](auto i) { return nuts::at(rho_sub, i) - nuts::at(pre_m, i); }, dots_loops);

      EXPECT_TRUE(same_bits(k_one, k_loops)) << where << ": kinetic " << k_one << " vs " << k_loops;
      if (!even) {
        for (int d = 0; d < 2; ++d)
          for (int l = 0; l < nuts::kSumLanes; ++l) {
            EXPECT_TRUE(same_bits(dots_one[d][l], dots_loops[d][l]))
                << where << ": dot " << d << ", partial sum " << l << ": " << dots_one[d][l] << " vs " << dots_loops[d][l];
          }
      }
      auto same_vector = [&](const std::vector<Real>& a, const std::vector<Real>& b, const char* name) {
        for (int i = 0; i < dim; ++i)
          EXPECT_TRUE(same_bits(a[i], b[i])) << where << ": " << name << "[" << i << "] " << a[i] << " vs " << b[i];
      };
      same_vector(one.p, loops.p, "p");
      same_vector(one.ps, loops.ps, "p#");
      same_vector(one.rho_sub, loops.rho_sub, "rho_sub");
      same_vector(one.left_p, loops.left_p, "left_p");
      same_vector(one.left_ps, loops.left_ps, "left_ps");
      same_vector(one.left_prefix, loops.left_prefix, "left_prefix");
      same_vector(one.right_ps, loops.right_ps, "right_ps");
      same_vector(one.right_prefix, loops.right_prefix, "right_prefix");
    }
  }
}

#endif  // LOCKSTEP_NUTS_LEAF_PASS

}  // namespace
}  // namespace testing
}  // namespace lockstep
