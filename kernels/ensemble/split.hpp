#pragma once
// The randomized red/blue split of an ensemble (Foreman-Mackey et al. 2013, "emcee: the MCMC
// hammer", PASP 125, section 3 / algorithm 3): at every step the n walkers of an ensemble are
// divided into two halves of n/2 by a fresh random permutation pi of {0..n-1}; the walkers
// pi(0..n/2-1) form the first half (updated first, against the second) and pi(n/2..n-1) the
// second half (updated next, against the already-updated first).
//
// emcee shuffles an index array; here pi is a keyed pseudo-random PERMUTATION evaluated
// pointwise, so every lane finds its walkers in O(1) without storage or a serial shuffle:
//   * a balanced Feistel network on 2h bits (4^h >= n) with kSplitRounds = 8 rounds, round
//     keys = 8 Philox words of (seed, ensemble, iteration). Luby & Rackoff (1988, SIAM J.
//     Comput. 17(2)) show 4 rounds of pseudo-random functions suffice asymptotically; on the
//     tiny domains of small ensembles (h = 1, 2 bits) 4 rounds leave a visible bias in which
//     walkers share a half, 8 rounds do not (tests/ensemble/moves_test.cpp checks the
//     frequency of every possible half for n = 4 and n = 6);
//   * cycle-walking onto [0, n): apply the network until the value falls below n (Black &
//     Rogaway 2002, "Ciphers with arbitrary finite domains", CT-RSA, section 2); since
//     4^h < 4n, fewer than 4 applications are needed on average.
// The split never depends on the walkers' positions, which is all the validity of the
// red/blue update needs (each half's update leaves the target invariant given the other).
#include <cstdint>

#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"

namespace lockstep {
namespace ensemble {

/// Philox counter index of an ensemble's split keys (under the key (seed, ensemble id) and
/// Stream::kEnsemble); far above the indices a walker's own draws use.
constexpr std::uint32_t kSplitIndex = 0xFFFFFF00u;  // and kSplitIndex + 1
constexpr int kSplitRounds = 8;

struct SplitPermutation {
  std::uint32_t n = 0;      // walkers in the ensemble
  std::uint32_t bits = 0;   // h: bits per Feistel half
  std::uint32_t mask = 0;   // 2^h - 1
  std::uint32_t key[kSplitRounds] = {};

  /// The permutation of ensemble `ensemble` at `iteration`.
  LS_HD LS_INLINE static SplitPermutation make(std::uint64_t seed, std::uint32_t ensemble,
                                               std::uint64_t iteration, int n_walkers) {
    SplitPermutation s;
    s.n = static_cast<std::uint32_t>(n_walkers);
    std::uint32_t h = 0;
    while ((std::uint64_t{1} << (2 * h)) < s.n) ++h;
    s.bits = h;
    s.mask = (std::uint32_t{1} << h) - 1u;
    const Rng rng{seed, ensemble};
    const Philox4x32::U4 k0 = rng.bits(iteration, Stream::kEnsemble, kSplitIndex);
    const Philox4x32::U4 k1 = rng.bits(iteration, Stream::kEnsemble, kSplitIndex + 1);
    for (int r = 0; r < 4; ++r) {
      s.key[r] = k0.x[r];
      s.key[4 + r] = k1.x[r];
    }
    return s;
  }

  /// Round function: a multiply-xorshift mix of (right half ^ round key), cut to h bits.
  LS_HD LS_INLINE std::uint32_t round(std::uint32_t r, std::uint32_t k) const {
    std::uint32_t x = (r ^ k) * Philox4x32::kM0;
    x ^= x >> 15;
    x *= Philox4x32::kM1;
    x ^= x >> 13;
    return x & mask;
  }

  /// One pass of the network over [0, 4^h).
  LS_HD LS_INLINE std::uint32_t network(std::uint32_t v) const {
    std::uint32_t left = v >> bits, right = v & mask;
    for (int r = 0; r < kSplitRounds; ++r) {
      const std::uint32_t t = left ^ round(right, key[r]);
      left = right;
      right = t;
    }
    return (left << bits) | right;
  }

  /// pi(i) for i in [0, n).
  LS_HD LS_INLINE std::uint32_t operator()(std::uint32_t i) const {
    std::uint32_t v = network(i);
    while (v >= n) v = network(v);
    return v;
  }
};

/// The split permutations of the ensembles of W consecutive half positions, applied
/// elementwise (element w uses ensemble ens[w]'s keys): the same values as SplitPermutation,
/// written as loops over w so that a lane's W lookups vectorize. Keys are computed once per
/// distinct ensemble (consecutive positions share one unless ensembles are tiny); init
/// requires ens to be non-decreasing (consecutive half positions), and broadcasts one
/// ensemble's keys when ens[0] == ens[W - 1].
template <int W>
struct SplitBlock {
  std::uint32_t n = 0, bits = 0, mask = 0;
  std::uint32_t key[kSplitRounds][W];

  LS_HD LS_INLINE void init(std::uint64_t seed, std::uint64_t iteration, int n_walkers, const int (&ens)[W]) {
    SplitPermutation s;
    if (ens[0] == ens[W - 1]) {  // one ensemble (ens is non-decreasing): broadcast its keys
      s = SplitPermutation::make(seed, static_cast<std::uint32_t>(ens[0]), iteration, n_walkers);
      for (int r = 0; r < kSplitRounds; ++r)
        for (int w = 0; w < W; ++w) key[r][w] = s.key[r];
      n = s.n;
      bits = s.bits;
      mask = s.mask;
      return;
    }
    for (int w = 0; w < W; ++w) {
      if (w == 0 || ens[w] != ens[w - 1])
        s = SplitPermutation::make(seed, static_cast<std::uint32_t>(ens[w]), iteration, n_walkers);
      for (int r = 0; r < kSplitRounds; ++r) key[r][w] = s.key[r];
    }
    n = s.n;
    bits = s.bits;
    mask = s.mask;
  }

  LS_HD LS_INLINE void network(std::uint32_t (&v)[W]) const {
    std::uint32_t left[W], right[W];
    for (int w = 0; w < W; ++w) {
      left[w] = v[w] >> bits;
      right[w] = v[w] & mask;
    }
    for (int r = 0; r < kSplitRounds; ++r)
      for (int w = 0; w < W; ++w) {
        std::uint32_t x = (right[w] ^ key[r][w]) * Philox4x32::kM0;
        x ^= x >> 15;
        x *= Philox4x32::kM1;
        x ^= x >> 13;
        const std::uint32_t t = left[w] ^ (x & mask);
        left[w] = right[w];
        right[w] = t;
      }
    for (int w = 0; w < W; ++w) v[w] = (left[w] << bits) | right[w];
  }

  /// pi_{ens[w]}(v) for one element (scalar; the walk move's helper lookups).
  LS_HD LS_INLINE std::uint32_t one(int w, std::uint32_t v) const {
    SplitPermutation s;
    s.n = n;
    s.bits = bits;
    s.mask = mask;
    for (int r = 0; r < kSplitRounds; ++r) s.key[r] = key[r][w];
    return s(v);
  }

  /// out[w] = pi_{ens[w]}(in[w]), in[w] < n.
  LS_HD LS_INLINE void apply(const std::uint32_t (&in)[W], std::uint32_t (&out)[W]) const {
    for (int w = 0; w < W; ++w) out[w] = in[w];
    network(out);
    for (;;) {  // cycle-walking, for all elements at once (a finished one keeps its value)
      bool again = false;
      for (int w = 0; w < W; ++w) again = again || out[w] >= n;
      if (!again) break;
      std::uint32_t next[W];
      for (int w = 0; w < W; ++w) next[w] = out[w];
      network(next);
      for (int w = 0; w < W; ++w) out[w] = out[w] >= n ? next[w] : out[w];
    }
  }
};

}  // namespace ensemble
}  // namespace lockstep
