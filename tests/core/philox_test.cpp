// Philox4x32-10 and the draws built on it (kernels/core/philox.hpp).
//
// Known answers: the three philox4x32 R=10 lines of Random123's tests/kat_vectors
// (Salmon et al., SC'11), as reproduced in D. E. Shaw Research's Random123-Boost
// libs/random/test/test_philox.cpp ("cut-and-pasted from the kat_vectors file"):
//   ctr[4] key[2] -> out[4]
//   00000000 00000000 00000000 00000000 00000000 00000000 -> 6627e8d5 e169c58d bc57ac4c 9b00dbd8
//   ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff -> 408f276d 41c83b0e a20bc7c6 6d5451fd
//   243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0 -> d16cfe09 94fdcceb 5001e420 24126ea1
// Statistical checks use fixed seeds and 1e6 draws; tolerances are 5 standard errors
// (moments, correlations) and the 0.1% Kolmogorov-Smirnov critical value 1.95/sqrt(n).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <set>
#include <tuple>
#include <vector>

#include "kernels/core/philox.hpp"

namespace {

using lockstep::Philox4x32;
using lockstep::Rng;
using lockstep::Stream;

using U4 = Philox4x32::U4;

bool equal(const U4& a, const U4& b) {
  return a.x[0] == b.x[0] && a.x[1] == b.x[1] && a.x[2] == b.x[2] && a.x[3] == b.x[3];
}

::testing::AssertionResult kat(U4 ctr, std::uint32_t k0, std::uint32_t k1, U4 expect) {
  const U4 got = Philox4x32::apply(ctr, k0, k1);
  if (equal(got, expect)) return ::testing::AssertionSuccess();
  char buf[200];
  std::snprintf(buf, sizeof buf, "got %08x %08x %08x %08x, expected %08x %08x %08x %08x", got.x[0],
                got.x[1], got.x[2], got.x[3], expect.x[0], expect.x[1], expect.x[2], expect.x[3]);
  return ::testing::AssertionFailure() << buf;
}

TEST(PhiloxKat, Random123Vectors) {
  EXPECT_TRUE(kat({{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}}));
  EXPECT_TRUE(kat({{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, 0xffffffffu, 0xffffffffu,
                  {{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}}));
  EXPECT_TRUE(kat({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u,
                  {{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}}));
}

template <int W>
void expect_block_matches_apply(U4 ctr, std::uint32_t first_key, std::uint32_t key1) {
  std::uint32_t out[4][W];
  lockstep::philox_block<W>(ctr, first_key, key1, out);
  for (int w = 0; w < W; ++w) {
    const U4 ref = Philox4x32::apply(ctr, first_key + static_cast<std::uint32_t>(w), key1);
    for (int j = 0; j < 4; ++j) EXPECT_EQ(out[j][w], ref.x[j]) << "W=" << W << " lane " << w << " word " << j;
  }
}

TEST(PhiloxKat, BlockMatchesApply) {
  expect_block_matches_apply<8>({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u,
                                0x299f31d0u);
  expect_block_matches_apply<8>({{1, 2, 3, 4}}, 0xfffffffcu, 7);  // keys wrap around 2^32
  expect_block_matches_apply<3>({{0, 0, 0, 0}}, 0, 0);
  // Widths that are several groups of 8 (the ensemble's K blocks of W): every group in vector
  // registers where the CPU has them.
  expect_block_matches_apply<16>({{5, 6, 7, 8}}, 0xfffffff0u, 3);
  expect_block_matches_apply<24>({{0x13198a2eu, 0, 0xffffffffu, 1}}, 11, 0x299f31d0u);
  expect_block_matches_apply<1>({{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, 0xffffffffu,
                                0xffffffffu);
  // Lane 0 of a block at key 0 is the first KAT vector.
  std::uint32_t out[4][8];
  lockstep::philox_block<8>({{0, 0, 0, 0}}, 0, 0, out);
  EXPECT_EQ(out[0][0], 0x6627e8d5u);
  EXPECT_EQ(out[3][0], 0x9b00dbd8u);
}

// philox_rounds over arbitrary words and per-lane keys (the vector paths' every input bit),
// and philox_rounds_one_key with one random key for all lanes: blocks of W lanes from a fixed
// generator against the scalar bijection. W = 8 .. 40 covers every grouping of the host's
// vector paths (1, 2, 3 or 4 registers together, and 4 followed by 1).
std::uint32_t next_random_word(std::uint64_t& state) {  // splitmix64's output, high word
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return static_cast<std::uint32_t>((z ^ (z >> 31)) >> 32);
}

template <int W>
void expect_rounds_match_apply_on_random_words(int blocks) {
  std::uint64_t state = 0x9e3779b97f4a7c15ull + W;
  int mismatches = 0, one_key_mismatches = 0;
  for (int t = 0; t < blocks; ++t) {
    std::uint32_t x[4][W], y[4][W], k0[W], keys[W];
    U4 in[W];
    const std::uint32_t key1 = next_random_word(state), one_key = next_random_word(state);
    for (int w = 0; w < W; ++w) {
      for (int j = 0; j < 4; ++j) in[w].x[j] = x[j][w] = y[j][w] = next_random_word(state);
      keys[w] = k0[w] = next_random_word(state);
    }
    lockstep::philox_rounds<W>(x[0], x[1], x[2], x[3], k0, key1);
    lockstep::philox_rounds_one_key<W>(y[0], y[1], y[2], y[3], one_key, key1);
    for (int w = 0; w < W; ++w) {
      const U4 ref = Philox4x32::apply(in[w], keys[w], key1);
      const U4 ref_one = Philox4x32::apply(in[w], one_key, key1);
      for (int j = 0; j < 4; ++j) {
        mismatches += x[j][w] != ref.x[j];
        one_key_mismatches += y[j][w] != ref_one.x[j];
      }
      EXPECT_EQ(k0[w], keys[w] + 9u * Philox4x32::kW0) << "W=" << W << ": the key after the last round, lane " << w;
    }
  }
  EXPECT_EQ(mismatches, 0) << "words of philox_rounds<" << W << "> that differ from Philox4x32::apply";
  EXPECT_EQ(one_key_mismatches, 0) << "words of philox_rounds_one_key<" << W << "> that differ from Philox4x32::apply";
}

TEST(PhiloxKat, RoundsMatchApplyOnRandomWords) {
  expect_rounds_match_apply_on_random_words<8>(2000);
  expect_rounds_match_apply_on_random_words<16>(500);
  expect_rounds_match_apply_on_random_words<24>(500);
  expect_rounds_match_apply_on_random_words<32>(500);
  expect_rounds_match_apply_on_random_words<40>(500);
  expect_rounds_match_apply_on_random_words<4>(500);  // the generic loop
}

template <int W>
void expect_counters_match_apply(U4 ctr, std::uint32_t key0, std::uint32_t key1) {
  std::uint32_t out[4][W];
  lockstep::philox_counters<W>(ctr, key0, key1, out);
  for (int w = 0; w < W; ++w) {
    U4 c = ctr;
    c.x[0] += static_cast<std::uint32_t>(w);
    const U4 ref = Philox4x32::apply(c, key0, key1);
    for (int j = 0; j < 4; ++j) EXPECT_EQ(out[j][w], ref.x[j]) << "W=" << W << " lane " << w << " word " << j;
  }
}

TEST(PhiloxKat, CountersMatchApply) {
  expect_counters_match_apply<8>({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u);
  expect_counters_match_apply<8>({{0xfffffffcu, 2, 3, 4}}, 9, 7);  // the first word wraps around 2^32
  expect_counters_match_apply<1>({{0, 0, 0, 0}}, 0, 0);
  expect_counters_match_apply<16>({{0xfffffff8u, 2, 3, 4}}, 9, 7);
  expect_counters_match_apply<24>({{0xfffffff0u, 5, 6, 7}}, 0xdeadbeefu, 11);
  expect_counters_match_apply<32>({{0x12345678u, 0x9abcdef0u, 3, 4}}, 0xfffffffeu, 0xffffffffu);
  expect_counters_match_apply<40>({{0xffffffe0u, 1, 2, 3}}, 4, 5);
  // Lanes by quads (a quad alone, and a quad riding with 1, 2, 3 and 4 groups of 8, after a
  // whole 32): the ziggurat's runs and uniforms() take these shapes.
  expect_counters_match_apply<4>({{0xfffffffeu, 2, 3, 4}}, 0x9e3779b9u, 0xbb67ae85u);
  expect_counters_match_apply<12>({{0xfffffffau, 7, 8, 9}}, 1, 0xffffffffu);
  expect_counters_match_apply<20>({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u);
  expect_counters_match_apply<28>({{0xffffffe8u, 5, 6, 7}}, 0xdeadbeefu, 11);
  expect_counters_match_apply<36>({{0x12345678u, 0x9abcdef0u, 3, 4}}, 0xfffffffeu, 0xffffffffu);
  expect_counters_match_apply<68>({{0xffffffc0u, 1, 2, 3}}, 4, 5);
}

// normals<W>(rng, iteration, purpose, first, n, out) is normal(rng, iteration, purpose, first + k)
// for every k, for any parity of `first`, any n (whole blocks of W pairs, leftover pairs, a
// last single), up to the last bits (its blocks take log from vm::, normal() the C library's).
template <int W>
void expect_normals_match_normal(std::uint32_t first, int n) {
  const Rng rng{0x0123456789abcdefULL, 17};
  std::vector<double> got(static_cast<std::size_t>(n) + 1, 99.0);
  lockstep::normals<W>(rng, 5, Stream::kVariational, first, n, got.data());
  for (int k = 0; k < n; ++k) {
    const double ref = lockstep::normal(rng, 5, Stream::kVariational, first + static_cast<std::uint32_t>(k));
    EXPECT_NEAR(got[k], ref, 1e-14 * (1 + std::fabs(ref))) << "W=" << W << " first " << first << " k " << k;
  }
  EXPECT_EQ(got[static_cast<std::size_t>(n)], 99.0) << "normals wrote past n = " << n;
}

TEST(PhiloxDistributions, NormalsInBlocksAreNormal) {
  for (std::uint32_t first : {0u, 1u, 6u, 7u})
    for (int n : {0, 1, 2, 3, 15, 16, 17, 33, 40, 48, 49, 50, 64, 65, 66, 88}) {
      expect_normals_match_normal<8>(first, n);
      expect_normals_match_normal<4>(first, n);
      expect_normals_match_normal<1>(first, n);
    }
}

// uniforms(rng, iteration, purpose, first, n, out) is uniform(..., first + k), bit for bit.
TEST(PhiloxDistributions, UniformsMatchUniform) {
  const Rng rng{0x0123456789abcdefULL, 23};
  for (std::uint32_t first : {0u, 1u, 6u, 7u})
    for (int n : {0, 1, 2, 3, 4, 5, 9}) {
      std::vector<double> got(static_cast<std::size_t>(n) + 1, 99.0);
      lockstep::uniforms(rng, 8, Stream::kInit, first, n, got.data());
      for (int k = 0; k < n; ++k)
        EXPECT_EQ(got[k], lockstep::uniform(rng, 8, Stream::kInit, first + static_cast<std::uint32_t>(k)))
            << "first " << first << " k " << k;
      EXPECT_EQ(got[static_cast<std::size_t>(n)], 99.0) << "uniforms wrote past n = " << n;
    }
}

// ---- stream layout: (seed, chain) is the key, (index, iteration, purpose, seed) the counter --

TEST(PhiloxStreams, LayoutOfKeyAndCounter) {
  const Rng rng{0x0123456789abcdefull, 77u};
  const U4 got = rng.bits(0x0000000500000009ull, Stream::kAccept, 11u);
  const U4 ref = Philox4x32::apply({{11u, 9u, 3u ^ (5u << 16), 0x01234567u}}, 77u, 0x89abcdefu);
  EXPECT_TRUE(equal(got, ref));
  // Seed 0, chain 0, iteration 0, purpose 0-equivalent counter is the zero KAT vector.
  const U4 z = Philox4x32::apply({{0, 0, 0, 0}}, 0, 0);
  EXPECT_EQ(z.x[0], 0x6627e8d5u);
  // uniform(i) takes words (0, 1) for even i and (2, 3) for odd i of block i / 2.
  const U4 b = rng.bits(42, Stream::kUser, 3);
  EXPECT_EQ(lockstep::uniform(rng, 42, Stream::kUser, 6), lockstep::uniform_open01(b.x[0], b.x[1]));
  EXPECT_EQ(lockstep::uniform(rng, 42, Stream::kUser, 7), lockstep::uniform_open01(b.x[2], b.x[3]));
  double z0, z1;
  lockstep::normal_pair(b, z0, z1);
  EXPECT_EQ(lockstep::normal(rng, 42, Stream::kUser, 6), z0);
  EXPECT_EQ(lockstep::normal(rng, 42, Stream::kUser, 7), z1);
}

TEST(PhiloxStreams, DistinctAcrossSeedChainIterationPurposeIndex) {
  const std::uint64_t seeds[] = {0ull, 1ull, 0x100000000ull, 0x100000001ull, 0xffffffffffffffffull,
                                 20240611ull};
  const std::uint32_t chains[] = {0u, 1u, 2u, 7u, 65535u, 0xffffffffu};
  const std::uint64_t iterations[] = {0ull, 1ull, 2ull, 999ull, 0x100000000ull, 0x100000001ull};
  const Stream purposes[] = {Stream::kInit,   Stream::kMomentum, Stream::kAccept,
                             Stream::kJitter, Stream::kTree,     Stream::kEnsemble,
                             Stream::kSimulate, Stream::kStepSizeInit, Stream::kUser};
  const std::uint32_t indices[] = {0u, 1u, 2u, 3u, 1000u};
  std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>> seen;
  long n = 0;
  for (auto s : seeds)
    for (auto c : chains)
      for (auto it : iterations)
        for (auto p : purposes)
          for (auto i : indices) {
            const U4 b = Rng{s, c}.bits(it, p, i);
            seen.insert({b.x[0], b.x[1], b.x[2], b.x[3]});
            ++n;
          }
  EXPECT_EQ(static_cast<long>(seen.size()), n) << "some (seed, chain, iteration, purpose, index) share a block";
}

TEST(PhiloxStreams, ReproducibleAndIndependentOfContext) {
  // A chain's draws are a function of (seed, chain, iteration, purpose, index) only: the
  // same whether computed alone, among 1000 chains in any order, or by several threads.
  constexpr int kChains = 1000, kIters = 20;
  const std::uint64_t seed = 987654321ull;
  auto draw = [&](int c, int it) {
    const Rng rng{seed, static_cast<std::uint32_t>(c)};
    return lockstep::normal(rng, it, Stream::kMomentum, 3) + 10.0 * lockstep::uniform(rng, it, Stream::kAccept, 0);
  };
  std::vector<double> forward(kChains * kIters), reverse(kChains * kIters), threaded(kChains * kIters);
  for (int c = 0; c < kChains; ++c)
    for (int it = 0; it < kIters; ++it) forward[c * kIters + it] = draw(c, it);
  for (int it = kIters - 1; it >= 0; --it)
    for (int c = kChains - 1; c >= 0; --c) reverse[c * kIters + it] = draw(c, it);
#pragma omp parallel for num_threads(3) schedule(dynamic, 7)
  for (int c = 0; c < kChains; ++c)
    for (int it = 0; it < kIters; ++it) threaded[c * kIters + it] = draw(c, it);
  for (int k = 0; k < kChains * kIters; ++k) {
    ASSERT_EQ(forward[k], reverse[k]) << "chain " << k / kIters << " iteration " << k % kIters;
    ASSERT_EQ(forward[k], threaded[k]) << "chain " << k / kIters << " iteration " << k % kIters;
  }
  // Chain 5 alone, with a fresh Rng, gives the same numbers.
  for (int it = 0; it < kIters; ++it) EXPECT_EQ(draw(5, it), forward[5 * kIters + it]);
  // ...and different seeds give different streams for the same chain.
  const Rng a{seed, 5}, b{seed + 1, 5}, c{seed ^ (1ull << 40), 5};
  int same_ab = 0, same_ac = 0;
  for (int it = 0; it < 1000; ++it) {
    same_ab += lockstep::uniform(a, it, Stream::kAccept, 0) == lockstep::uniform(b, it, Stream::kAccept, 0);
    same_ac += lockstep::uniform(a, it, Stream::kAccept, 0) == lockstep::uniform(c, it, Stream::kAccept, 0);
  }
  EXPECT_EQ(same_ab, 0);
  EXPECT_EQ(same_ac, 0);
}

// ---- uniform_open01 ------------------------------------------------------------------------

TEST(PhiloxUniform, StrictlyInsideOpenIntervalAtExtremes) {
  const std::uint32_t words[] = {0u, 1u, 63u, 64u, 0x7fffffffu, 0x80000000u, 0xffffffc0u, 0xfffffffeu,
                                 0xffffffffu};
  for (std::uint32_t hi : words) {
    for (std::uint32_t lo : words) {
      const double u = lockstep::uniform_open01(hi, lo);
      EXPECT_GT(u, 0.0) << std::hex << hi << " " << lo;
      EXPECT_LT(u, 1.0) << std::hex << hi << " " << lo;
      EXPECT_TRUE(std::isfinite(-std::log(u)) && std::isfinite(-std::log1p(-u))) << u;
    }
  }
  EXPECT_EQ(lockstep::uniform_open01(0u, 0u), 0x1p-53);
  EXPECT_EQ(lockstep::uniform_open01(0xffffffffu, 0xffffffffu), 1.0 - 0x1p-53);
  EXPECT_EQ(lockstep::uniform_open01(0x80000000u, 0u), 0.5 + 0x1p-53);
  // Symmetry of the grid: u(~hi, ~lo) = 1 - u(hi, lo).
  EXPECT_EQ(lockstep::uniform_open01(~0x12345678u, ~0x9abcdef0u),
            1.0 - lockstep::uniform_open01(0x12345678u, 0x9abcdef0u));
  // Normals from the extreme blocks are finite.
  for (std::uint32_t w : {0u, 0xffffffffu}) {
    double z0, z1;
    lockstep::normal_pair(U4{{w, w, w, w}}, z0, z1);
    EXPECT_TRUE(std::isfinite(z0) && std::isfinite(z1)) << z0 << " " << z1;
    EXPECT_LT(std::fabs(z0), 9.0);
  }
}

// ---- distributions ------------------------------------------------------------------------

struct Moments {
  double mean = 0.0, var = 0.0;
};
Moments moments(const std::vector<double>& x) {
  Moments mo;
  for (double v : x) mo.mean += v;
  mo.mean /= static_cast<double>(x.size());
  for (double v : x) mo.var += (v - mo.mean) * (v - mo.mean);
  mo.var /= static_cast<double>(x.size() - 1);
  return mo;
}

/// Kolmogorov-Smirnov statistic sup |F_n - F|.
double ks(std::vector<double> x, const std::function<double(double)>& cdf) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    d = std::max({d, f - i / n, (i + 1) / n - f});
  }
  return d;
}

/// 1e6 draws: 1000 chains x 1000 iterations, fixed seed.
std::vector<double> draws(const std::function<double(const Rng&, std::uint64_t)>& f) {
  std::vector<double> x;
  x.reserve(1000000);
  for (std::uint32_t c = 0; c < 1000; ++c) {
    const Rng rng{0x5eed5eedull, c};
    for (std::uint64_t it = 0; it < 1000; ++it) x.push_back(f(rng, it));
  }
  return x;
}

void check_distribution(const char* name, const std::vector<double>& x, double mean, double var,
                        double fourth_central, const std::function<double(double)>& cdf) {
  const double n = static_cast<double>(x.size());
  const Moments mo = moments(x);
  const double se_mean = std::sqrt(var / n);
  const double se_var = std::sqrt((fourth_central - var * var) / n);
  EXPECT_LE(std::fabs(mo.mean - mean), 5.0 * se_mean)
      << name << ": mean " << mo.mean << " vs " << mean << ", 5 SE = " << 5.0 * se_mean;
  EXPECT_LE(std::fabs(mo.var - var), 5.0 * se_var)
      << name << ": var " << mo.var << " vs " << var << ", 5 SE = " << 5.0 * se_var;
  const double d = ks(x, cdf), crit = 1.95 / std::sqrt(n);
  EXPECT_LE(d, crit) << name << ": KS D = " << d << " > " << crit;
  std::printf("%-12s mean %+.6f (SE %.1e)  var %.6f (SE %.1e)  KS D %.2e (0.1%% crit %.2e)\n", name,
              mo.mean, se_mean, mo.var, se_var, d, crit);
}

TEST(PhiloxDistributions, Uniform) {
  const auto x = draws([](const Rng& r, std::uint64_t it) { return lockstep::uniform(r, it, Stream::kAccept, 0); });
  EXPECT_GT(*std::min_element(x.begin(), x.end()), 0.0);
  EXPECT_LT(*std::max_element(x.begin(), x.end()), 1.0);
  check_distribution("uniform", x, 0.5, 1.0 / 12.0, 1.0 / 80.0, [](double u) { return u; });
}

TEST(PhiloxDistributions, Normal) {
  const auto x = draws([](const Rng& r, std::uint64_t it) { return lockstep::normal(r, it, Stream::kMomentum, 1); });
  check_distribution("normal", x, 0.0, 1.0, 3.0, [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); });
  // Both halves of a Box-Muller pair are standard normal too.
  const auto y = draws([](const Rng& r, std::uint64_t it) { return lockstep::normal(r, it, Stream::kMomentum, 0); });
  check_distribution("normal[0]", y, 0.0, 1.0, 3.0, [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); });
}

TEST(PhiloxDistributions, Exponential) {
  const auto x = draws([](const Rng& r, std::uint64_t it) { return lockstep::exponential(r, it, Stream::kUser, 5); });
  EXPECT_TRUE(std::all_of(x.begin(), x.end(), [](double v) { return v > 0.0 && std::isfinite(v); }));
  check_distribution("exponential", x, 1.0, 1.0, 9.0, [](double v) { return -std::expm1(-v); });
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const Moments ma = moments(a), mb = moments(b);
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - ma.mean) * (b[i] - mb.mean);
  return s / static_cast<double>(a.size() - 1) / std::sqrt(ma.var * mb.var);
}

TEST(PhiloxDistributions, NoCorrelationBetweenNeighbouringStreams) {
  // Under independence the sample correlation of n pairs has SE ~ 1/sqrt(n).
  using F = std::function<double(const Rng&, std::uint64_t)>;
  auto z = [](Stream p, std::uint32_t i) -> F {
    return [p, i](const Rng& r, std::uint64_t it) { return lockstep::normal(r, it, p, i); };
  };
  const auto base = draws(z(Stream::kMomentum, 0));
  const auto pair = draws(z(Stream::kMomentum, 1));   // other half of the same Box-Muller pair
  const auto next = draws(z(Stream::kMomentum, 2));   // next Philox block
  const auto purpose = draws(z(Stream::kTree, 0));    // other purpose
  const auto later = draws([](const Rng& r, std::uint64_t it) {  // next iteration
    return lockstep::normal(r, it + 1, Stream::kMomentum, 0);
  });
  const auto chain = draws([](const Rng& r, std::uint64_t it) {  // neighbouring chain
    return lockstep::normal(Rng{r.seed, r.chain + 1}, it, Stream::kMomentum, 0);
  });
  const auto seed = draws([](const Rng& r, std::uint64_t it) {  // neighbouring seed
    return lockstep::normal(Rng{r.seed + 1, r.chain}, it, Stream::kMomentum, 0);
  });
  const double tol = 5.0 / std::sqrt(1e6);
  const std::pair<const char*, const std::vector<double>*> others[] = {
      {"pair", &pair}, {"next index", &next}, {"purpose", &purpose},
      {"iteration+1", &later}, {"chain+1", &chain}, {"seed+1", &seed}};
  for (const auto& o : others) {
    const double r = correlation(base, *o.second);
    EXPECT_LE(std::fabs(r), tol) << o.first << ": correlation " << r << ", 5 SE = " << tol;
  }
}

}  // namespace
