// The CPU shape's half-steps visit each half's walkers in id order (kernels/ensemble/
// sorted_halves.hpp) and stage saved steps in a chunk of rows by walker (EnsembleDrawTarget's
// chunk, copied out by host/algorithms/ensemble/ensemble_sampler.hpp).
// Checked here: SortHalves lists exactly the split's halves, sorted; a half-step updates the
// same walkers to the same bits in the split's own order and in id order; and the staged
// draws, copied out, are each walker's position after each step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdint>
#include <vector>

#include "host/algorithms/ensemble/ensemble_sampler.hpp"
#include "kernels/ensemble/half_step.hpp"
#include "kernels/ensemble/sorted_halves.hpp"
#include "kernels/ensemble/split.hpp"

namespace lockstep {
namespace testing {
namespace {

using ensemble::SortHalves;
using ensemble::SplitPermutation;

TEST(SortHalves, RowsAreEachHalfOfTheSplitInIdOrder) {
  constexpr int kEnsembles = 3;
  for (int n : {2, 4, 6, 34, 1000, 1024, 1026}) {
    const int h = n / 2, half_pad = (kEnsembles * h + 31) / 32 * 32;
    std::vector<std::uint8_t> second(static_cast<std::size_t>(kEnsembles) * n);
    std::vector<std::uint32_t> order(2 * static_cast<std::size_t>(half_pad), 7u);
    const SortHalves<32> sort{99, 41, n, half_pad, second.data(), order.data()};
    for (int e = 0; e < kEnsembles; ++e) sort(e);
    for (int e = 0; e < kEnsembles; ++e) {
      const SplitPermutation pi = SplitPermutation::make(99, static_cast<std::uint32_t>(e), 41, n);
      for (int half = 0; half < 2; ++half) {
        std::vector<std::uint32_t> expect;
        for (int i = 0; i < h; ++i) expect.push_back(static_cast<std::uint32_t>(e * n) + pi(half * h + i));
        std::sort(expect.begin(), expect.end());
        const std::uint32_t* row = order.data() + static_cast<std::size_t>(half) * half_pad + e * h;
        EXPECT_EQ(std::vector<std::uint32_t>(row, row + h), expect) << "n = " << n << ", ensemble " << e << ", half " << half;
      }
    }
  }
}

/// A 2-d target with a correlation, so that proposals are accepted about half the time.
struct Correlated2d {
  struct Data {
    int unused;
  };
  LS_HD int dim(const Data&) const { return 2; }
  template <class T>
  LS_HD static T density(const T& a, const T& b) {
    return Real(-0.5) * (a * a + Real(2) * (b - Real(0.5) * a) * (b - Real(0.5) * a));
  }
  template <class V>
  LS_HD auto log_density_constrained(const Data&, V x) const -> typename V::value_type {
    using T = typename V::value_type;
    return density(T(x[0]), T(x[1]));
  }
};

constexpr int kW = 8, kK = 4, kB = kW * kK;

/// Walkers of kEns ensembles of n, started at a fixed spread; then `steps` red/blue steps,
/// with the halves in id order or not; each step saved into a chunk of kSteps rows.
struct HalfStepRun {
  static constexpr int kEns = 3, kSteps = 6, kDim = 2;
  int n, n_total, n_pad, half_pad;
  std::vector<Real> x, lp, prop;
  std::vector<double> values, stats;
  std::vector<std::uint8_t> second;
  std::vector<std::uint32_t> order;
  std::vector<std::vector<Real>> x_after;  // x after each step

  HalfStepRun(int walkers, bool sorted) : n(walkers) {
    n_total = kEns * n;
    n_pad = (n_total + kW - 1) / kW * kW;
    half_pad = (n_total / 2 + kB - 1) / kB * kB;
    x.assign(static_cast<std::size_t>(kDim) * n_pad, 0);
    lp.assign(n_pad, 0);
    prop.assign(static_cast<std::size_t>(kDim) * half_pad, 0);
    for (int g = 0; g < n_total; ++g) {
      x[g] = static_cast<Real>(0.1 * ((g * 7) % 13) - 0.6);
      x[n_pad + g] = static_cast<Real>(0.05 * ((g * 5) % 11) - 0.25);
      lp[g] = Correlated2d::density(x[g], x[n_pad + g]);
    }
    values.assign(static_cast<std::size_t>(kDim) * kSteps * n_total, std::numeric_limits<double>::quiet_NaN());
    stats.assign(static_cast<std::size_t>(ensemble::kEnsembleStats) * kSteps * n_total, std::numeric_limits<double>::quiet_NaN());
    second.assign(n_total, 0);
    order.assign(2 * static_cast<std::size_t>(half_pad), 0);

    ensemble::HalfStep<Correlated2d, kW, kK> step;
    step.data = Correlated2d::Data{0};
    step.a.dim = kDim;
    step.a.n_walkers = n;
    step.a.n_ensembles = kEns;
    step.a.n_pad = n_pad;
    step.a.half_pad = half_pad;
    step.a.x = x.data();
    step.a.lp = lp.data();
    step.a.prop = prop.data();
    step.complement = x.data();
    step.seed = 2024;
    step.kind = ensemble::MoveKind::kStretch;
    step.out = {values.data(), stats.data(), n_total, kSteps, true, 0, true};
    if (sorted) step.order = order.data();
    const SortHalves<32> sort{2024, 0, n, half_pad, second.data(), order.data()};
    for (int t = 0; t < kSteps; ++t) {
      step.iteration = static_cast<std::uint64_t>(t);
      step.out.draw = t;
      SortHalves<32> s = sort;
      s.iteration = step.iteration;
      for (int e = 0; e < kEns; ++e) s(e);
      for (int half = 0; half < 2; ++half) {
        step.half = half;
        for (int lane = 0; lane < half_pad / kB; ++lane) step(lane);
      }
      x_after.push_back(x);
    }
  }
};

TEST(SortedHalves, SameDrawsInIdOrderAndInTheSplitsOrder) {
  for (int n : {4, 10, 64, 130}) {
    const HalfStepRun permuted(n, false), sorted(n, true);
    EXPECT_EQ(permuted.x, sorted.x) << n << " walkers";
    EXPECT_EQ(permuted.lp, sorted.lp) << n << " walkers";
    // the walkers moved (the comparison is not of two untouched starts)
    EXPECT_NE(permuted.x_after.front(), permuted.x_after.back());
  }
}

TEST(SortedHalves, StagedDrawsCopiedOutAreEachWalkersPositionAfterEachStep) {
  for (bool sorted : {false, true})
    for (int n : {4, 10, 130}) {
      const HalfStepRun r(n, sorted);
      constexpr int T = HalfStepRun::kSteps;
      // the DrawSet layout [q][chain][draw] through the sampler's copy kernel
      std::vector<double> draws(static_cast<std::size_t>(HalfStepRun::kDim) * r.n_total * T, -1);
      for (double v : r.values) ASSERT_FALSE(std::isnan(v)) << "every walker's draw is staged at every saved step";
      for (double v : r.stats) ASSERT_FALSE(std::isnan(v)) << "every walker's statistics are staged at every saved step";
      const ensemble_detail::CopyDrawChunk copy{r.values.data(), draws.data(), T, r.n_total, T, 0, T};
      for (int row = 0; row < HalfStepRun::kDim * r.n_total; ++row) copy(row);
      for (int t = 0; t < T; ++t)
        for (int g = 0; g < r.n_total; ++g)
          for (int p = 0; p < HalfStepRun::kDim; ++p)
            ASSERT_EQ(draws[(static_cast<std::size_t>(p) * r.n_total + g) * T + t],
                      static_cast<double>(r.x_after[t][static_cast<std::size_t>(p) * r.n_pad + g]))
                << "walker " << g << ", coordinate " << p << ", step " << t << (sorted ? ", id order" : "");
    }
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
