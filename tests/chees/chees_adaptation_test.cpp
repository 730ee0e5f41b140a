// The pieces of ChEES-HMC's adaptation (host/adapt/adam.hpp, host/algorithms/chees/chees_adaptation.hpp,
// kernels/chees/jitter.hpp) against values computed by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "host/adapt/adam.hpp"
#include "host/algorithms/chees/chees_adaptation.hpp"
#include "kernels/adapt/dual_averaging.hpp"
#include "kernels/chees/jitter.hpp"
#include "tests/build_config.hpp"

namespace lockstep {
namespace {

TEST(Adam, FirstStepIsLearningRateTimesSignWithBiasCorrection) {
  // v_1 = (1 - b2) g^2, v_hat = g^2: step = lr g / |g| whatever b1, b2.
  for (double b1 : {0.0, 0.9}) {
    adapt::Adam adam{0.025, b1, 0.95};
    adapt::AdamState s;
    EXPECT_NEAR(adam.step(s, 2.0), 0.025, 1e-12) << "b1 " << b1;
    adapt::AdamState s2;
    EXPECT_NEAR(adam.step(s2, -7.0), -0.025, 1e-12) << "b1 " << b1;
  }
}

TEST(Adam, SecondStepMatchesHandComputation) {
  // b1 = 0, b2 = 0.95, g = 2 then -1:  v_2 = 0.95 * 0.05 * 4 + 0.05 * 1 = 0.24,
  // v_hat = 0.24 / (1 - 0.95^2) = 0.24 / 0.0975 = 32/13;  step = 0.025 * (-1) / sqrt(32/13).
  adapt::Adam adam{0.025, 0.0, 0.95};
  adapt::AdamState s;
  adam.step(s, 2.0);
  const double expected = -0.025 / std::sqrt(32.0 / 13.0);
  EXPECT_NEAR(adam.step(s, -1.0), expected, 1e-12);
  // b1 = 0.9, b2 = 0.999, g = 1 then 3: m_2 = 0.09 + 0.3 = 0.39, m_hat = 0.39 / 0.19;
  // v_2 = 0.999e-3 + 9e-3 = 0.009999, v_hat = 0.009999 / 0.001999.
  adapt::Adam kingma{0.1, 0.9, 0.999};
  adapt::AdamState k;
  kingma.step(k, 1.0);
  const double want = 0.1 * (0.39 / 0.19) / std::sqrt(0.009999 / 0.001999);
  EXPECT_NEAR(kingma.step(k, 3.0), want, 1e-9);
}

// Adam::update (VI's parameters, all updated together, as arrays) is step() element by element
// up to the rounding of its reciprocal bias corrections (a few ulps of a step).
TEST(Adam, UpdateOfAllParametersIsStepElementByElement) {
  const adapt::Adam adam{0.01, 0.9, 0.999, 1e-8};
  const int n = 37;  // not a multiple of any SIMD width: the vector body and its tail
  adapt::AdamMoments all(n);
  std::vector<adapt::AdamState> one(n);
  std::vector<double> x(n), y(n), g(n);
  for (int k = 0; k < n; ++k) x[k] = y[k] = 0.1 * k - 1.0;
  for (int t = 1; t <= 5; ++t) {
    for (int k = 0; k < n; ++k) g[k] = std::sin(3.0 * k + t) * std::pow(10.0, (k % 7) - 3);
    adam.update(all, g.data(), x.data());
    for (int k = 0; k < n; ++k) y[k] += adam.step(one[k], g[k]);
    EXPECT_EQ(all.t, t);
    for (int k = 0; k < n; ++k) {
      EXPECT_NEAR(x[k], y[k], 1e-14) << "parameter " << k << " after update " << t;
      EXPECT_DOUBLE_EQ(all.m[k], one[k].m) << "parameter " << k << " after update " << t;
      EXPECT_DOUBLE_EQ(all.v[k], one[k].v) << "parameter " << k << " after update " << t;
    }
  }
}

TEST(CheesGradient, HandComputedTwoChainsPlusOneDivergent) {
  // dim 1, 3 chains (stride 4). q0 = 0, 2, 1: mean 1 (all chains). Chain 3 diverged: no weight.
  // Proposals 1, 5 with acceptance 1, 0.5: weighted mean (1 + 2.5)/1.5 = 7/3;
  // centered -4/3, 8/3; squares 16/9, 64/9; |q0 - 1|^2 = 1, 1; velocities 2, -1;
  // dots -8/3, -8/3; g_1 = (7/9)(-8/3) = -56/27, g_2 = (55/9)(-8/3) = -440/27;
  // weighted mean (-56/27 - 220/27) / 1.5 = -184/27; times hT = 2: -368/27.
  const std::vector<Real> q0 = {0, 2, 1, 0}, qp = {1, 5, 100, 0}, vp = {2, -1, 50, 0};
  const std::vector<Real> acc = {1, 0.5, 0.9, 0}, div = {0, 0, 1, 0};
  const double g = adapt::chees_gradient(1, 3, 4, q0.data(), qp.data(), vp.data(), acc.data(), div.data(), 2.0);
  EXPECT_NEAR(g, -368.0 / 27.0, 1e-12);
}

TEST(CheesGradient, TwoDimensionsSumOverCoordinates) {
  // dim 2, 2 chains, equal acceptance 1; arrays are parameter-major, x[i * stride + c].
  // q0 = (0,0), (2,2): mean (1,1), |c|^2 = 2 each. q' = (1,0), (5,2): mean (3,1),
  // centered (-2,-1), (2,1): |c'|^2 = 5 each. v' = (1,1), (0,1): dots -3, 1;
  // g_c = (5 - 2) * (-3), (5 - 2) * 1 = -9, 3; mean -3; hT = 1.
  //
  // The zero of vp is deliberately not its last element. GCC 12.2 (Debian 12.2.0-14) with
  // AVX-512 (-mavx512f or -march=native here; -O2 and up) miscompiles the copy of a 32- or
  // 64-byte constant whose top 8-byte word is zero and whose nonzero words are all equal: it
  // stores a vpbroadcastq of the low word. vp = {1, 1, 1, 0} reached chees_gradient as
  // {1, 1, 1, 1} (gdb at the call; g = 0), whereas chees_gradient returns the hand value -3/2
  // for {1, 1, 1, 0} at -O0, under ASan/UBSan, and with this file built for x86-64-v3.
  // Standalone: `void copy(double* p) { const double k[4] = {1, 1, 1, 0}; memcpy(p, k, 32); }`
  // (noipa) stores {1, 1, 1, 1} under g++ -O2 -mavx512f. The x86 back end
  // (ix86_convert_const_wide_int_to_broadcast) broadcasts a CONST_WIDE_INT that is shorter than
  // its mode because its upper words are zero; newer GCC rejects that case.
  const std::vector<Real> q0 = {0, 2, 0, 2}, qp = {1, 5, 0, 2}, vp = {1, 0, 1, 1};
  const std::vector<Real> acc = {1, 1}, div = {0, 0};
  EXPECT_NEAR(adapt::chees_gradient(2, 2, 2, q0.data(), qp.data(), vp.data(), acc.data(), div.data(), 1.0), -3.0,
              1e-12);
}

TEST(CheesGradient, NoWeightGivesZero) {
  const std::vector<Real> q0 = {0, 1}, qp = {1, 2}, vp = {1, 1}, acc = {0.5, 0.5}, div = {1, 1};
  EXPECT_EQ(adapt::chees_gradient(1, 2, 2, q0.data(), qp.data(), vp.data(), acc.data(), div.data(), 1.0), 0.0);
}

TEST(HarmonicMeanAccept, ExcludesDivergentChains) {
  // 0.5, 1, 0.25 (non-divergent) -> 3 / (2 + 1 + 4) = 3/7; the divergent chain is ignored.
  const std::vector<Real> acc = {0.5, 1, 0.25, 0}, div = {0, 0, 0, 1};
  EXPECT_NEAR(adapt::harmonic_mean_accept(acc.data(), div.data(), 4), 3.0 / 7.0, 1e-12);
  // A chain with acceptance 0 makes the harmonic mean 0 (not NaN).
  const std::vector<Real> acc0 = {0.9, 0}, div0 = {0, 0};
  EXPECT_EQ(adapt::harmonic_mean_accept(acc0.data(), div0.data(), 2), 0.0);
  const std::vector<Real> all_div = {0.9, 0.9}, d1 = {1, 1};
  EXPECT_EQ(adapt::harmonic_mean_accept(all_div.data(), d1.data(), 2), 0.0);
}

TEST(CheesAdaptation, StepSizeIsDualAveragingOfTheHarmonicMean) {
  adapt::CheesAdaptation ad;
  adapt::CheesState s;
  ad.init(s, 1.0, 1.0);
  const double h = 3.0 / 7.0;  // below 0.651: the step size must shrink
  ad.update(s, h, 0.0);
  // By hand (Stan's constants): s_bar = (0.651 - 3/7) / 11, x = log(10) - s_bar / 0.05.
  const double s_bar = (0.651 - h) / 11.0;
  EXPECT_NEAR(s.step_size, std::exp(std::log(10.0) - s_bar / 0.05), 1e-12);
  // The same as DualAveraging with delta = 0.651 fed the harmonic mean.
  adapt::DualAveraging da{0.651};
  adapt::DualAveragingState st;
  adapt::DualAveraging::restart(st, 1.0);
  EXPECT_DOUBLE_EQ(s.step_size, da.update(st, h));
  // Harmonic, not arithmetic: one bad chain among four pulls the step size down.
  const std::vector<Real> acc = {1, 1, 1, 0.01}, div = {0, 0, 0, 0};
  const double hm = adapt::harmonic_mean_accept(acc.data(), div.data(), 4);
  EXPECT_NEAR(hm, 4.0 / (3.0 + 1.0 / testing::as_real(0.01)), 1e-12);  // 4/103 from the Real acceptances
  adapt::CheesState a, b;
  ad.init(a, 1.0, 1.0);
  ad.init(b, 1.0, 1.0);
  ad.update(a, hm, 0.0);
  ad.update(b, 0.7525, 0.0);  // the arithmetic mean
  EXPECT_LT(a.step_size, b.step_size);
}

TEST(CheesAdaptation, TrajectoryLengthFollowsAdamClippedAndAveraged) {
  adapt::CheesAdaptation ad;
  adapt::CheesState s;
  // eps0 = 0.01: dual averaging's first steps stay near 10 eps0 = 0.1 < T, so T is not clipped.
  ad.init(s, 0.01, 1.0);
  ad.update(s, 0.651, 5.0);  // positive gradient: log T += 0.025 (first Adam step)
  EXPECT_NEAR(s.log_length, 0.025, 1e-12);
  EXPECT_NEAR(s.log_length_bar, 0.025, 1e-12);  // weight 1^-0.5 = 1 on the first update
  ad.update(s, 0.651, 5.0);  // second: +0.025 again (constant gradient), average weight 2^-0.5
  EXPECT_NEAR(s.log_length, 0.05, 1e-12);
  const double w = 1 / std::sqrt(2.0);
  EXPECT_NEAR(s.log_length_bar, w * 0.05 + (1 - w) * 0.025, 1e-12);
  // Clipping of the update: a huge learning rate moves log T by at most 0.35.
  adapt::CheesAdaptation fast;
  fast.adam.learning_rate = 10;
  adapt::CheesState f;
  fast.init(f, 0.01, 1.0);
  fast.update(f, 0.651, -3.0);
  EXPECT_NEAR(f.log_length, -0.35, 1e-12);
  // T is kept within [eps, max_steps eps].
  adapt::CheesAdaptation small;
  small.max_steps = 4;
  adapt::CheesState m;
  small.init(m, 0.5, 100.0);
  EXPECT_NEAR(std::exp(m.log_length), 2.0, 1e-12);
  small.init(m, 0.5, 0.01);
  EXPECT_NEAR(std::exp(m.log_length), 0.5, 1e-12);
}

TEST(CrossChainVariance, RegularizedAsStan) {
  // 4 chains (stride 5): values 1, 2, 3, 4 -> var 5/3; regularized (4/9)(5/3) + 1e-3 (5/9).
  const std::vector<Real> q = {1, 2, 3, 4, 99, 0, 0, 0, 0, 99};
  const std::vector<double> v = adapt::cross_chain_variance(2, 4, 5, q.data());
  EXPECT_NEAR(v[0], (4.0 / 9.0) * (5.0 / 3.0) + 1e-3 * 5.0 / 9.0, 1e-12);
  EXPECT_NEAR(v[1], 1e-3 * 5.0 / 9.0, 1e-15);
}

TEST(Jitter, HaltonIsTheBase2RadicalInverse) {
  const double want[] = {0.5, 0.25, 0.75, 0.125, 0.625, 0.375, 0.875, 0.0625};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(chees::halton(static_cast<std::uint64_t>(i + 1)), want[i]) << "index " << i + 1;
  EXPECT_EQ(chees::jitter_fraction(7, 0, chees::Jitter::kHalton), 0.5);
  EXPECT_EQ(chees::jitter_fraction(7, 2, chees::Jitter::kHalton), 0.75);
  const double u = chees::jitter_fraction(7, 2, chees::Jitter::kUniform);
  EXPECT_GT(u, 0.0);
  EXPECT_LT(u, 1.0);
}

TEST(Jitter, LeapfrogStepsAreCeilOfJitteredLengthOverStepSize) {
  EXPECT_EQ(chees::leapfrog_steps(0.5, 10, 1, 1000), 5);
  EXPECT_EQ(chees::leapfrog_steps(0.55, 10, 1, 1000), 6);
  EXPECT_EQ(chees::leapfrog_steps(0.01, 1, 1, 1000), 1);
  EXPECT_EQ(chees::leapfrog_steps(1.0, 1e9, 1, 1000), 1000);
  EXPECT_EQ(chees::leapfrog_steps(0.5, NAN, 1, 1000), 1);
}

}  // namespace
}  // namespace lockstep
