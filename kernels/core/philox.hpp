#pragma once
// Philox4x32-10 counter-based random numbers (Salmon, Moraes, Dror & Shaw, SC'11,
// "Parallel random numbers: as easy as 1, 2, 3", section 3.3), and the draws built on it.
//
// A draw is a pure function of (key, counter): lockstep keys a stream by (seed, chain)
// and uses (iteration, purpose, index) as the counter, so chain k's numbers never
// depend on how many chains run, on scheduling, or on the backend.
#include <cmath>
#include <cstdint>

#include "kernels/core/config.hpp"
#include "kernels/core/trig.hpp"
#include "kernels/core/scalar_math.hpp"

namespace lockstep {

struct Philox4x32 {
  // Multipliers and Weyl key increments of the paper (table 2 / Random123 philox.h).
  static constexpr std::uint32_t kM0 = 0xD2511F53u;
  static constexpr std::uint32_t kM1 = 0xCD9E8D57u;
  static constexpr std::uint32_t kW0 = 0x9E3779B9u;  // golden ratio
  static constexpr std::uint32_t kW1 = 0xBB67AE85u;  // sqrt(3) - 1
  static constexpr int kRounds = 10;

  struct U4 {
    std::uint32_t x[4];
  };

  LS_HD LS_INLINE static void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi,
                                      std::uint32_t& lo) {
    const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
    hi = static_cast<std::uint32_t>(p >> 32);
    lo = static_cast<std::uint32_t>(p);
  }

  /// The bijection: 10 rounds of S-box + key addition, the key bumped between rounds.
  LS_HD LS_INLINE static U4 apply(U4 ctr, std::uint32_t k0, std::uint32_t k1) {
    for (int r = 0; r < kRounds; ++r) {
      if (r > 0) {
        k0 += kW0;
        k1 += kW1;
      }
      std::uint32_t hi0, lo0, hi1, lo1;
      mulhilo(kM0, ctr.x[0], hi0, lo0);
      mulhilo(kM1, ctr.x[2], hi1, lo1);
      ctr = U4{{hi1 ^ ctr.x[1] ^ k0, lo1, hi0 ^ ctr.x[3] ^ k1, lo0}};
    }
    return ctr;
  }
};

// The same 10 rounds for 8 lanes (philox_rounds8) in AVX-512 registers (host builds for an AVX-512 CPU only;
// nvcc and the GPU's shape never see it). g++ 12 leaves the loop below scalar ("unsupported use"
// of the 32 x 32 -> 64-bit products), which made Philox most of the cost of a block of normals.
// Each 32-bit word sits in the low half of a 64-bit lane: _mm512_mul_epu32 is exactly the
// product of the low halves, so the outputs are the loop's, bit for bit (integer arithmetic).
#if defined(__AVX512F__) && !defined(__CUDACC__)
#define LOCKSTEP_PHILOX_AVX512 1
}  // namespace lockstep
#include <immintrin.h>
namespace lockstep {
inline void philox_rounds8(std::uint32_t* x0, std::uint32_t* x1, std::uint32_t* x2, std::uint32_t* x3,
                           std::uint32_t* k0, std::uint32_t key1) {
  auto load = [](const std::uint32_t* p) {
    return _mm512_cvtepu32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  };
  auto store = [](std::uint32_t* p, __m512i v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi64_epi32(v));
  };
  const __m512i lo32 = _mm512_set1_epi64(0xFFFFFFFFll);
  const __m512i m0 = _mm512_set1_epi64(Philox4x32::kM0), m1 = _mm512_set1_epi64(Philox4x32::kM1);
  const __m512i w0 = _mm512_set1_epi64(Philox4x32::kW0);
  __m512i a0 = load(x0), a1 = load(x1), a2 = load(x2), a3 = load(x3), k = load(k0);
  std::uint32_t k1 = key1;
  for (int r = 0; r < Philox4x32::kRounds; ++r) {
    if (r > 0) {
      k1 += Philox4x32::kW1;
      k = _mm512_and_si512(_mm512_add_epi64(k, w0), lo32);  // k0 += kW0 (mod 2^32)
    }
    const __m512i p0 = _mm512_mul_epu32(a0, m0), p1 = _mm512_mul_epu32(a2, m1);
    const __m512i y0 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p1, 32), a1), k);
    const __m512i y2 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p0, 32), a3),
                                        _mm512_set1_epi64(static_cast<long long>(k1)));
    a1 = _mm512_and_si512(p1, lo32);
    a3 = _mm512_and_si512(p0, lo32);
    a0 = y0;
    a2 = y2;
  }
  store(x0, a0);
  store(x1, a1);
  store(x2, a2);
  store(x3, a3);
  store(k0, k);
}
#else
#define LOCKSTEP_PHILOX_AVX512 0
#endif

// Four lanes of one key in AVX2 registers, one 32-bit word in the low half of each 64-bit slot
// (as philox_rounds8 above, a quarter of the width): `PhiloxQuad`. A prior's few blocks
// (`uniforms` below) take one chain of 10 rounds instead of one scalar chain per block, which
// g++ leaves as 64-bit multiplies in general registers; philox_rounds8x advances a last quad
// beside its groups of 8 (a ziggurat run of 20 blocks, not 24). The high halves of the slots
// carry garbage that _mm256_mul_epu32 ignores and store() drops: the outputs are the loop's,
// bit for bit.
#if defined(__AVX2__) && !defined(__CUDACC__)
#define LOCKSTEP_PHILOX_AVX2_QUAD 1
}  // namespace lockstep
#include <immintrin.h>
namespace lockstep {
struct PhiloxQuad {
  __m256i a0, a1, a2, a3;

  static __m256i load4(const std::uint32_t* p) {
    return _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static void store4(std::uint32_t* p, __m256i v) {  // the low halves of the four slots
    const __m256i packed = _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
  }
  void load(const std::uint32_t* x0, const std::uint32_t* x1, const std::uint32_t* x2, const std::uint32_t* x3) {
    a0 = load4(x0);
    a1 = load4(x1);
    a2 = load4(x2);
    a3 = load4(x3);
  }
  /// One round; the low half of each slot of m0, m1 holds the multipliers, of k0, k1 the keys.
  void round(__m256i m0, __m256i m1, __m256i k0, __m256i k1) {
    const __m256i p0 = _mm256_mul_epu32(a0, m0), p1 = _mm256_mul_epu32(a2, m1);
    a0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), a1), k0);
    a2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), a3), k1);
    a1 = p1;  // the product's low word is the slot's low half
    a3 = p0;
  }
  void store(std::uint32_t* x0, std::uint32_t* x1, std::uint32_t* x2, std::uint32_t* x3) const {
    store4(x0, a0);
    store4(x1, a1);
    store4(x2, a2);
    store4(x3, a3);
  }
};

inline void philox_rounds4_one_key(std::uint32_t* x0, std::uint32_t* x1, std::uint32_t* x2, std::uint32_t* x3,
                                   std::uint32_t key0, std::uint32_t key1) {
  const __m256i m0 = _mm256_set1_epi64x(Philox4x32::kM0), m1 = _mm256_set1_epi64x(Philox4x32::kM1);
  PhiloxQuad q;
  q.load(x0, x1, x2, x3);
  std::uint32_t k0 = key0, k1 = key1;
  for (int r = 0; r < Philox4x32::kRounds; ++r) {
    if (r > 0) {
      k0 += Philox4x32::kW0;
      k1 += Philox4x32::kW1;
    }
    q.round(m0, m1, _mm256_set1_epi64x(k0), _mm256_set1_epi64x(k1));
  }
  q.store(x0, x1, x2, x3);
}
#else
#define LOCKSTEP_PHILOX_AVX2_QUAD 0
#endif

// The same 10 rounds for G groups of 8 lanes (philox_rounds8x<G>) in AVX2 registers of eight
// 32-bit words (host builds for an AVX2 CPU without AVX-512, e.g. AMD EPYC before Zen 4; there
// g++ leaves the generic loop scalar too). _mm256_mul_epu32 multiplies the even words (0, 2,
// 4, 6) into 64-bit products; the odd words, shifted down, give the other four. The low halves
// go back to the words' own places (the odd ones shifted up, blended in), and so do the high
// halves: each output word is the loop's 32 x 32 -> 64-bit product split exactly as mulhilo
// splits it. The G groups go through each round together: one group's 10 rounds are a chain
// of dependent multiplies (~10 cycles a round), and up to 4 independent chains fill the
// pipelines (AMD EPYC, 32 lanes, every output used: 70 ns with G = 4 against 118 ns group
// after group). Where all lanes share one key (kOneKey: philox_counters, a stream's
// consecutive indices) the key is a scalar, broadcast each round as key1 is, not 4 more
// registers; 4 groups' 16 words and the constants still exceed the 16 ymm a little (g++
// spills a few), which costs less than fewer chains in flight.
#if defined(__AVX2__) && !defined(__AVX512F__) && !defined(__CUDACC__)
#define LOCKSTEP_PHILOX_AVX2 1
}  // namespace lockstep
#include <immintrin.h>
namespace lockstep {
template <int G, bool kOneKey, bool kQuad = false>
inline void philox_rounds8x(std::uint32_t* x0, std::uint32_t* x1, std::uint32_t* x2, std::uint32_t* x3,
                            std::uint32_t* k0, std::uint32_t key1) {  // kOneKey: *k0, read only
  // kQuad (kOneKey only): 4 more lanes at x + 8 G (PhiloxQuad, above), in the same rounds.
  static_assert(!kQuad || kOneKey, "a quad of lanes shares the one key");
  auto load = [](const std::uint32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); };
  auto store = [](std::uint32_t* p, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); };
  // (hi, lo) of a * m for the eight words of a; m's words all equal.
  auto mulhilo8 = [](__m256i a, __m256i m, __m256i& hi, __m256i& lo) {
    const __m256i even = _mm256_mul_epu32(a, m);
    const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
    lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
  };
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(Philox4x32::kM0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(Philox4x32::kM1));
  const __m256i w0 = _mm256_set1_epi32(static_cast<int>(Philox4x32::kW0));
  __m256i a0[G], a1[G], a2[G], a3[G], k[G];
  for (int g = 0; g < G; ++g) {
    a0[g] = load(x0 + 8 * g);
    a1[g] = load(x1 + 8 * g);
    a2[g] = load(x2 + 8 * g);
    a3[g] = load(x3 + 8 * g);
    if constexpr (!kOneKey) k[g] = load(k0 + 8 * g);
  }
  PhiloxQuad quad{};
  if constexpr (kQuad) quad.load(x0 + 8 * G, x1 + 8 * G, x2 + 8 * G, x3 + 8 * G);
  std::uint32_t k0s = kOneKey ? *k0 : 0, k1 = key1;
  for (int r = 0; r < Philox4x32::kRounds; ++r) {
    if (r > 0) {
      k1 += Philox4x32::kW1;
      if constexpr (kOneKey)
        k0s += Philox4x32::kW0;
      else
        for (int g = 0; g < G; ++g) k[g] = _mm256_add_epi32(k[g], w0);  // k0 += kW0 (mod 2^32)
    }
    const __m256i k1v = _mm256_set1_epi32(static_cast<int>(k1));
    const __m256i k0v = _mm256_set1_epi32(static_cast<int>(k0s));
    for (int g = 0; g < G; ++g) {
      __m256i hi0, lo0, hi1, lo1;
      mulhilo8(a0[g], m0, hi0, lo0);
      mulhilo8(a2[g], m1, hi1, lo1);
      a0[g] = _mm256_xor_si256(_mm256_xor_si256(hi1, a1[g]), kOneKey ? k0v : k[g]);
      a2[g] = _mm256_xor_si256(_mm256_xor_si256(hi0, a3[g]), k1v);
      a1[g] = lo1;
      a3[g] = lo0;
    }
    if constexpr (kQuad) quad.round(m0, m1, k0v, k1v);  // every 32-bit word of these is the value
  }
  for (int g = 0; g < G; ++g) {
    store(x0 + 8 * g, a0[g]);
    store(x1 + 8 * g, a1[g]);
    store(x2 + 8 * g, a2[g]);
    store(x3 + 8 * g, a3[g]);
    if constexpr (!kOneKey) store(k0 + 8 * g, k[g]);
  }
  if constexpr (kQuad) quad.store(x0 + 8 * G, x1 + 8 * G, x2 + 8 * G, x3 + 8 * G);
}

/// W lanes (a multiple of 4; of 8 unless kOneKey) through philox_rounds8x: 4 groups of 8 at
/// a time, then the 1-3 left and a last quad of 4 with them. kOneKey: *k0 is every lane's key.
template <int W, bool kOneKey>
inline void philox_rounds_avx2(std::uint32_t* x0, std::uint32_t* x1, std::uint32_t* x2, std::uint32_t* x3,
                               std::uint32_t* k0, std::uint32_t key1) {
  static_assert(W % 8 == 0 || (kOneKey && W % 4 == 0 && W > 4), "lanes by 8, or by 4 (not 4 alone) with one key");
  constexpr bool kQuad = W % 8 != 0;
  // Four groups at a time; a quad goes with the last 1-4 groups, never alone.
  constexpr int kFour = W % 32 == 4 ? W - 36 : W / 32 * 32, kLeft = (W - kFour) / 8;
  for (int g = 0; g < kFour; g += 32)
    philox_rounds8x<4, kOneKey>(x0 + g, x1 + g, x2 + g, x3 + g, kOneKey ? k0 : k0 + g, key1);
  if constexpr (kLeft > 0 || kQuad)
    philox_rounds8x<kLeft, kOneKey, kQuad>(x0 + kFour, x1 + kFour, x2 + kFour, x3 + kFour,
                                           kOneKey ? k0 : k0 + kFour, key1);
}
#else
#define LOCKSTEP_PHILOX_AVX2 0
#endif

/// Philox4x32 for W lanes at once: lane w has counter (x0[w], x1[w], x2[w], x3[w]) and key
/// (k0[w], key1); on return x holds the outputs. The same bijection as Philox4x32::apply,
/// written over arrays so a loop over lanes vectorizes (64-bit products of 32-bit words).
template <int W>
LS_HD LS_INLINE void philox_rounds(std::uint32_t (&x0)[W], std::uint32_t (&x1)[W], std::uint32_t (&x2)[W],
                                   std::uint32_t (&x3)[W], std::uint32_t (&k0)[W], std::uint32_t key1) {
#if LOCKSTEP_PHILOX_AVX512
  if constexpr (W % 8 == 0) {  // groups of 8 lanes in vector registers (above)
    for (int g = 0; g < W; g += 8) philox_rounds8(x0 + g, x1 + g, x2 + g, x3 + g, k0 + g, key1);
    return;
  }
#elif LOCKSTEP_PHILOX_AVX2
  if constexpr (W % 8 == 0) {  // groups of 8 lanes in vector registers, up to 4 together (above)
    philox_rounds_avx2<W, false>(x0, x1, x2, x3, k0, key1);
    return;
  }
#endif
  std::uint32_t k1 = key1;
  for (int r = 0; r < Philox4x32::kRounds; ++r) {
    if (r > 0) k1 += Philox4x32::kW1;
    for (int w = 0; w < W; ++w) {
      if (r > 0) k0[w] += Philox4x32::kW0;
      const std::uint64_t p0 = static_cast<std::uint64_t>(Philox4x32::kM0) * x0[w];
      const std::uint64_t p1 = static_cast<std::uint64_t>(Philox4x32::kM1) * x2[w];
      const std::uint32_t y0 = static_cast<std::uint32_t>(p1 >> 32) ^ x1[w] ^ k0[w];
      const std::uint32_t y2 = static_cast<std::uint32_t>(p0 >> 32) ^ x3[w] ^ k1;
      x1[w] = static_cast<std::uint32_t>(p1);
      x3[w] = static_cast<std::uint32_t>(p0);
      x0[w] = y0;
      x2[w] = y2;
    }
  }
}

/// philox_rounds with one key (key0, key1) for every lane (no key written back).
template <int W>
LS_HD LS_INLINE void philox_rounds_one_key(std::uint32_t (&x0)[W], std::uint32_t (&x1)[W], std::uint32_t (&x2)[W],
                                           std::uint32_t (&x3)[W], std::uint32_t key0, std::uint32_t key1) {
#if LOCKSTEP_PHILOX_AVX2
  if constexpr (W == 4) {
    philox_rounds4_one_key(x0, x1, x2, x3, key0, key1);
    return;
  } else if constexpr (W % 4 == 0) {  // groups of 8, and a last quad of 4 with them
    philox_rounds_avx2<W, true>(x0, x1, x2, x3, &key0, key1);
    return;
  }
#elif LOCKSTEP_PHILOX_AVX2_QUAD
  if constexpr (W == 4) {
    philox_rounds4_one_key(x0, x1, x2, x3, key0, key1);
    return;
  }
  if constexpr (W % 8 == 4) {  // AVX-512: the groups of 8 (philox_rounds), then the quad
    constexpr int kEights = W - 4;
    std::uint32_t k0[kEights];
    for (int w = 0; w < kEights; ++w) k0[w] = key0;
    for (int g = 0; g < kEights; g += 8) philox_rounds8(x0 + g, x1 + g, x2 + g, x3 + g, k0 + g, key1);
    philox_rounds4_one_key(x0 + kEights, x1 + kEights, x2 + kEights, x3 + kEights, key0, key1);
    return;
  }
#endif
  std::uint32_t k0[W];
  for (int w = 0; w < W; ++w) k0[w] = key0;
  philox_rounds<W>(x0, x1, x2, x3, k0, key1);
}

/// Philox for W keys at once (key0 = keys[w], key1 shared) and one counter.
template <int W>
LS_HD LS_INLINE void philox_keys(Philox4x32::U4 ctr, const std::uint32_t (&keys)[W], std::uint32_t key1,
                                 std::uint32_t (&out)[4][W]) {
  std::uint32_t k0[W];
  for (int w = 0; w < W; ++w) {
    out[0][w] = ctr.x[0];
    out[1][w] = ctr.x[1];
    out[2][w] = ctr.x[2];
    out[3][w] = ctr.x[3];
    k0[w] = keys[w];
  }
  philox_rounds<W>(out[0], out[1], out[2], out[3], k0, key1);
}

/// Philox for one key (key0, key1) at W counters whose first words are ctr.x[0], ctr.x[0] + 1,
/// ... (the other three words ctr's): W consecutive indices of one stream.
template <int W>
LS_HD LS_INLINE void philox_counters(Philox4x32::U4 ctr, std::uint32_t key0, std::uint32_t key1,
                                     std::uint32_t (&out)[4][W]) {
  for (int w = 0; w < W; ++w) {
    out[0][w] = ctr.x[0] + static_cast<std::uint32_t>(w);
    out[1][w] = ctr.x[1];
    out[2][w] = ctr.x[2];
    out[3][w] = ctr.x[3];
  }
  philox_rounds_one_key<W>(out[0], out[1], out[2], out[3], key0, key1);
}

/// philox_keys for the W consecutive keys first_key, first_key + 1, ... (a block of chains).
template <int W>
LS_HD LS_INLINE void philox_block(Philox4x32::U4 ctr, std::uint32_t first_key, std::uint32_t key1,
                                  std::uint32_t (&out)[4][W]) {
  std::uint32_t keys[W];
  for (int w = 0; w < W; ++w) keys[w] = first_key + static_cast<std::uint32_t>(w);
  philox_keys<W>(ctr, keys, key1, out);
}

/// Purposes separate the sub-streams a sampler draws from within one iteration.
enum class Stream : std::uint32_t {
  kInit = 1,       // initial values
  kMomentum = 2,   // HMC momentum refresh
  kAccept = 3,     // Metropolis accept/reject uniform
  kJitter = 4,     // step-count / trajectory jitter (shared by all chains)
  kTree = 5,       // NUTS direction and subtree choice
  kEnsemble = 6,   // ensemble moves
  kSimulate = 7,   // simulators (Model::simulate)
  kStepSizeInit = 8,  // momenta of the step-size initialization heuristic
  kGenerated = 9,  // generated quantities (posterior predictive draws)
  kNewLevels = 10,  // effects of grouping levels the fit has not seen (glmm y_rep for --newdata)
  kRestart = 11,   // ChEES warmup: the chain a stalled chain restarts from
  kVariational = 20,      // variational inference: Monte Carlo points of the ELBO gradient
  kVariationalElbo = 21,  // variational inference: points of the ELBO estimates
  kVariationalDraw = 22,  // variational inference: draws from the fitted approximation
  kUser = 100,
};

/// A chain's random stream: key = (chain, low seed word); counter = (index, iteration,
/// purpose, high seed word). `Rng` is a value, cheap to copy; it holds no position.
struct Rng {
  std::uint64_t seed;
  std::uint32_t chain;

  LS_HD LS_INLINE static Philox4x32::U4 counter(std::uint64_t seed, std::uint64_t iteration,
                                                Stream purpose, std::uint32_t index) {
    return Philox4x32::U4{{index, static_cast<std::uint32_t>(iteration),
                           static_cast<std::uint32_t>(purpose) ^
                               (static_cast<std::uint32_t>(iteration >> 32) << 16),
                           static_cast<std::uint32_t>(seed >> 32)}};
  }
  LS_HD LS_INLINE Philox4x32::U4 bits(std::uint64_t iteration, Stream purpose,
                                      std::uint32_t index) const {
    return Philox4x32::apply(counter(seed, iteration, purpose, index), chain,
                             static_cast<std::uint32_t>(seed));
  }
};

/// Uniform strictly inside (0, 1) from two 32-bit words: (k + 1/2) 2^-52 with the 52-bit
/// k = (hi >> 6) 2^26 + (lo >> 6), so 2^-53 <= u <= 1 - 2^-53 and every value is exact.
/// (52, not 53, bits: with a 2^-53 grid the midpoint k + 1/2 of the largest k is not a
/// double and rounds to exactly 1.) Both parts convert exactly from 32-bit integers, so a
/// loop over chains vectorizes (no 64-bit integer-to-double conversion needed).
LS_HD LS_INLINE double uniform_open01(std::uint32_t hi, std::uint32_t lo) {
  const double k = static_cast<double>(static_cast<std::int32_t>(hi >> 6)) * 67108864.0 +
                   static_cast<double>(static_cast<std::int32_t>(lo >> 6));
  return (k + 0.5) * (1.0 / 4503599627370496.0);
}

/// Two independent standard normals by the Box-Muller transform of two uniforms
/// (Box & Muller 1958): r = sqrt(-2 log u1), (r cos 2 pi u2, r sin 2 pi u2).
LS_HD LS_INLINE void normal_pair(const Philox4x32::U4& b, double& z0, double& z1) {
  const double u1 = uniform_open01(b.x[0], b.x[1]);
  const double u2 = uniform_open01(b.x[2], b.x[3]);
  const double r = m::sqrt(-2.0 * m::log(u1));
  double sn, cs;
  m::sincos_2pi(u2, sn, cs);
  z0 = r * cs;
  z1 = r * sn;
}

/// The i-th standard normal of (iteration, purpose) for this stream.
LS_HD LS_INLINE double normal(const Rng& rng, std::uint64_t iteration, Stream purpose,
                              std::uint32_t i) {
  double z0, z1;
  normal_pair(rng.bits(iteration, purpose, i >> 1), z0, z1);
  return (i & 1u) ? z1 : z0;
}

/// Uniform pairs (u1[p], u2[p]) of the Box-Muller transform for the L consecutive Philox
/// blocks first_block, first_block + 1, ... of (iteration, purpose): one philox_counters<L>
/// call (on the host its lanes go through the rounds up to 32 at a time; kernels/core/philox.hpp
/// above), so the pairs of a block of normals cost one latency of the 10 rounds, not one each.
template <int L>
LS_HD LS_INLINE void uniform_pairs(const Rng& rng, std::uint64_t iteration, Stream purpose, std::uint32_t first_block,
                                   double* u1, double* u2) {
  std::uint32_t b[4][L];
  philox_counters<L>(Rng::counter(rng.seed, iteration, purpose, first_block), rng.chain,
                     static_cast<std::uint32_t>(rng.seed), b);
  for (int w = 0; w < L; ++w) {
    u1[w] = uniform_open01(b[0][w], b[1][w]);
    u2[w] = uniform_open01(b[2][w], b[3][w]);
  }
}

/// out[k] = normal(rng, iteration, purpose, first + k) for k = 0 .. n-1, each Box-Muller pair
/// computed once (half the work of n normal() calls), up to 4 W pairs at a time (Philox, log,
/// sqrt and sincos in loops over the pairs that vectorize; W = 1 on a GPU, where a thread is a
/// lane). The pairs' uniforms are drawn first (one Philox call for W, 2 W, 3 W or 4 W blocks,
/// the least that covers the pairs left), so the log, sqrt and sincos of several vectors are in
/// flight at once in the transform loop, which runs over exactly the pairs wanted (a count
/// that is not a multiple of the vector width leaves a short tail, not a padded block).
/// The transform takes log from vm:: (kernels/core/vmath.hpp, < 1 ulp) where normal() takes
/// the C library's on the host, so the values are normal()'s up to the last bit or so; in a
/// given build they are a pure function of (stream, iteration, purpose, first, n).
template <int W, class T>
LS_HD LS_INLINE void normals(const Rng& rng, std::uint64_t iteration, Stream purpose, std::uint32_t first, int n,
                             T* out) {
  constexpr int kMost = W > 1 ? 4 * W : 1;  // pairs per transform loop
  int k = 0;
  std::uint32_t i = first;
  if (n > 0 && (i & 1u)) out[k++] = static_cast<T>(normal(rng, iteration, purpose, i++));
  while (k + 1 < n) {
    const int left = (n - k) / 2;
    const int pairs = left < kMost ? left : kMost;
    double u1[kMost], u2[kMost];
    if (W == 1 || pairs > 3 * W)
      uniform_pairs<kMost>(rng, iteration, purpose, i >> 1, u1, u2);
    else if (pairs > 2 * W)
      uniform_pairs<(W > 1 ? 3 * W : 1)>(rng, iteration, purpose, i >> 1, u1, u2);
    else if (pairs > W)
      uniform_pairs<(W > 1 ? 2 * W : 1)>(rng, iteration, purpose, i >> 1, u1, u2);
    else
      uniform_pairs<W>(rng, iteration, purpose, i >> 1, u1, u2);
    double z0[kMost], z1[kMost];
    for (int p = 0; p < pairs; ++p) {
      const double r = vm::sqrt(-2.0 * vm::log(u1[p]));  // vm::, not the C library's: vectorizes
      double sn, cs;
      m::sincos_2pi(u2[p], sn, cs);
      z0[p] = r * cs;
      z1[p] = r * sn;
    }
    for (int p = 0; p < pairs; ++p) {
      out[k + 2 * p] = static_cast<T>(z0[p]);
      out[k + 2 * p + 1] = static_cast<T>(z1[p]);
    }
    k += 2 * pairs;
    i += static_cast<std::uint32_t>(2 * pairs);
  }
  if (k < n) out[k] = static_cast<T>(normal(rng, iteration, purpose, i));
}

/// The i-th uniform on (0, 1) of (iteration, purpose).
LS_HD LS_INLINE double uniform(const Rng& rng, std::uint64_t iteration, Stream purpose,
                               std::uint32_t i) {
  const Philox4x32::U4 b = rng.bits(iteration, purpose, i >> 1);
  return (i & 1u) ? uniform_open01(b.x[2], b.x[3]) : uniform_open01(b.x[0], b.x[1]);
}

/// out[k] = uniform(rng, iteration, purpose, first + k) for k = 0 .. n-1, the same values, each
/// Philox block (two uniforms) computed once: a prior's draw of 5 parameters is 3 calls, not 5.
template <class T>
LS_HD LS_INLINE void uniforms(const Rng& rng, std::uint64_t iteration, Stream purpose, std::uint32_t first, int n,
                              T* out) {
  int k = 0;
#if LOCKSTEP_PHILOX_AVX2_QUAD
  // On an AVX2 host, blocks four at a time in one vector chain (philox_rounds4_one_key) while
  // three or more uniforms are left: the same words as rng.bits for each block.
  if (n > 0 && (first & 1u)) out[k++] = static_cast<T>(uniform(rng, iteration, purpose, first));
  while (n - k >= 3) {
    std::uint32_t b[4][4];
    philox_counters<4>(Rng::counter(rng.seed, iteration, purpose, (first + static_cast<std::uint32_t>(k)) >> 1),
                       rng.chain, static_cast<std::uint32_t>(rng.seed), b);
    for (int p = 0; p < 4 && k < n; ++p) {
      out[k++] = static_cast<T>(uniform_open01(b[0][p], b[1][p]));
      if (k < n) out[k++] = static_cast<T>(uniform_open01(b[2][p], b[3][p]));
    }
  }
#endif
  while (k < n) {
    const std::uint32_t i = first + static_cast<std::uint32_t>(k);
    const Philox4x32::U4 b = rng.bits(iteration, purpose, i >> 1);
    if (!(i & 1u)) out[k++] = static_cast<T>(uniform_open01(b.x[0], b.x[1]));
    if (k < n) out[k++] = static_cast<T>(uniform_open01(b.x[2], b.x[3]));
  }
}

/// The i-th standard exponential of (iteration, purpose): -log(U).
LS_HD LS_INLINE double exponential(const Rng& rng, std::uint64_t iteration, Stream purpose,
                                   std::uint32_t i) {
  return -m::log(uniform(rng, iteration, purpose, i));
}

}  // namespace lockstep
