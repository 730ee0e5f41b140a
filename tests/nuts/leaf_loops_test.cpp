// nuts::kick_sharp_kinetic (kernels/nuts/nuts_transition.hpp): the leapfrog's second half kick,
// the sharp momentum and the kinetic energy in one pass for a diagonal metric on the CPU's
// vector path must give the bits of the three separate loops (the path every other metric and
// view takes), for every dimension around the kSumLanes blocks and their tails.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "kernels/hmc/metric.hpp"
#include "kernels/nuts/nuts_transition.hpp"
#include "tests/hmc/sampler_fixtures.hpp"

namespace lockstep {
namespace testing {
namespace {

TEST(LeafLoops, OnePassKickSharpKineticGivesTheSeparateLoopsBits) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> positive(0.1, 3.0);
  for (int dim = 1; dim <= 41; ++dim) {
    std::vector<Real> p(dim), g(dim), minv(dim);
    for (int i = 0; i < dim; ++i) {
      p[i] = static_cast<Real>(normal(rng));
      g[i] = static_cast<Real>(10 * normal(rng));
      minv[i] = static_cast<Real>(positive(rng));
    }
    const Real half = static_cast<Real>(-0.5 * positive(rng));
    std::vector<Real> p_fused = p, ps_fused(dim), p_loops = p, ps_loops(dim);
    // The fused pass: a diagonal metric over a contiguous (lane-local) copy of minv.
    const hmc::DiagMetric<Dense<Real>> fused_metric{Dense<Real>{minv.data()}, dim};
    const double k_fused = nuts::kick_sharp_kinetic(dim, half, Dense<Real>{p_fused.data()}, Dense<Real>{g.data()},
                                                    Dense<Real>{ps_fused.data()}, fused_metric);
    // The separate loops: the same metric seen through a strided view, which the fused pass
    // does not take.
    const hmc::DiagMetric<Strided<Real>> loops_metric{Strided<Real>{minv.data(), 1}, dim};
    const double k_loops = nuts::kick_sharp_kinetic(dim, half, Dense<Real>{p_loops.data()}, Dense<Real>{g.data()},
                                                    Dense<Real>{ps_loops.data()}, loops_metric);
    EXPECT_TRUE(same_bits(k_fused, k_loops)) << "dim " << dim << ": kinetic " << k_fused << " vs " << k_loops;
    for (int i = 0; i < dim; ++i) {
      EXPECT_TRUE(same_bits(p_fused[i], p_loops[i])) << "dim " << dim << ", p[" << i << "]";
      EXPECT_TRUE(same_bits(ps_fused[i], ps_loops[i])) << "dim " << dim << ", p#[" << i << "]";
    }
  }
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
