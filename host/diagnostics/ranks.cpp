#include "host/diagnostics/ranks.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <numeric>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "host/diagnostics/special_functions.hpp"

namespace lockstep::diagnostics {
namespace {

constexpr std::uint64_t kSignBit = 0x8000000000000000ull;

// Order-preserving map from a (non-NaN) double to an unsigned key: flip all bits of negative
// numbers, set the sign bit of non-negative ones.
inline std::uint64_t order_key(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return (u & kSignBit) ? ~u : (u | kSignBit);
}

// Order-preserving 32-bit key of the value rounded to float (rounding is monotone, so
// x ≤ y implies key32(x) ≤ key32(y); distinct doubles may share a key and are then ordered
// exactly in a fix-up pass).
inline std::uint32_t order_key32(double x) {
  const float f = static_cast<float>(x);
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

constexpr int kDigitBits = 11;
constexpr int kBuckets = 1 << kDigitBits;
constexpr int kPasses = 3;            // the 32 key bits: 11 + 11 + 10
constexpr std::size_t kSmall = 1024;  // below this a comparison sort is cheaper

// The radix words live bit for bit in double buffers (see SortScratch); memcpy compiles to a move.
inline std::uint64_t load_word(const double* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}
inline void store_word(double* p, std::uint64_t w) { std::memcpy(p, &w, sizeof w); }

// Process-wide normal-score table of the most recent S (NormalScores).
std::mutex& score_cache_mutex() {
  static std::mutex m;
  return m;
}
std::shared_ptr<const std::vector<double>>& score_cache() {
  static std::shared_ptr<const std::vector<double>> cache;
  return cache;
}

bool in_parallel_region() {
#ifdef _OPENMP
  return omp_in_parallel() != 0;
#else
  return false;
#endif
}

}  // namespace

void sort_with_positions(const double* x, std::size_t S, std::vector<double>& values,
                         std::vector<std::uint32_t>& positions, SortScratch& scratch) {
  values.resize(S);
  positions.resize(S);
  auto exact_less = [x](std::uint32_t a, std::uint32_t b) { return order_key(x[a]) < order_key(x[b]); };
  if (S < kSmall) {
    std::iota(positions.begin(), positions.end(), 0u);
    std::stable_sort(positions.begin(), positions.end(), exact_less);
    for (std::size_t k = 0; k < S; ++k) values[k] = x[positions[k]];
    return;
  }
  // Words (key32 << 32 | position), sorted by their high half with a stable LSD radix sort:
  // 3 passes over 8-byte words, the positions travelling for free in the low half.
  auto& words = scratch.a;
  auto& tmp = scratch.b;
  words.resize(S);
  tmp.resize(S);
  std::vector<std::size_t> hist(static_cast<std::size_t>(kPasses) * kBuckets, 0);
  for (std::size_t i = 0; i < S; ++i) {
    const std::uint32_t k = order_key32(x[i]);
    store_word(words.data() + i, (static_cast<std::uint64_t>(k) << 32) | static_cast<std::uint32_t>(i));
    for (int p = 0; p < kPasses; ++p) ++hist[p * kBuckets + ((k >> (p * kDigitBits)) & (kBuckets - 1))];
  }
  double* src = words.data();
  double* dst = tmp.data();
  for (int p = 0; p < kPasses; ++p) {
    std::size_t* h = hist.data() + static_cast<std::size_t>(p) * kBuckets;
    const int shift = 32 + p * kDigitBits;
    // A digit shared by every key leaves the order unchanged: skip the pass.
    if (h[(load_word(src) >> shift) & (kBuckets - 1)] == S) continue;
    std::size_t sum = 0;
    for (int b = 0; b < kBuckets; ++b) {
      const std::size_t c = h[b];
      h[b] = sum;
      sum += c;
    }
    for (std::size_t i = 0; i < S; ++i) {
      const std::uint64_t w = load_word(src + i);
      store_word(dst + h[(w >> shift) & (kBuckets - 1)]++, w);
    }
    std::swap(src, dst);
  }
  for (std::size_t k = 0; k < S; ++k) {
    positions[k] = static_cast<std::uint32_t>(load_word(src + k));
    values[k] = x[positions[k]];
  }
  // Fix-up: runs sharing a float key hold distinct doubles in position order; order them
  // exactly (stable, so equal doubles keep position order).
  std::size_t i = 0;
  while (i < S) {
    std::size_t j = i + 1;
    const std::uint64_t hi = load_word(src + i) >> 32;
    while (j < S && (load_word(src + j) >> 32) == hi) ++j;
    if (j - i > 1) {
      bool sorted = true;
      for (std::size_t k = i + 1; k < j && sorted; ++k)
        sorted = !(order_key(values[k]) < order_key(values[k - 1]));
      if (!sorted) {
        if (j - i <= 32) {
          // Typical runs hold 2-3 draws: a stable insertion sort, no temporary buffer.
          for (std::size_t k = i + 1; k < j; ++k) {
            const std::uint32_t p = positions[k];
            std::size_t m = k;
            for (; m > i && exact_less(p, positions[m - 1]); --m) positions[m] = positions[m - 1];
            positions[m] = p;
          }
        } else {
          std::stable_sort(positions.begin() + i, positions.begin() + j, exact_less);
        }
        for (std::size_t k = i; k < j; ++k) values[k] = x[positions[k]];
      }
    }
    i = j;
  }
}

const std::vector<double>& NormalScores::table(std::size_t S) {
  if (table_ && table_->size() == S) return *table_;
  std::lock_guard<std::mutex> lock(score_cache_mutex());
  std::shared_ptr<const std::vector<double>>& cache = score_cache();
  if (!cache || cache->size() != S) {
    auto t = std::make_shared<std::vector<double>>(S);
    double* out = t->data();
    const long long n = static_cast<long long>(S);
    const bool parallel = !in_parallel_region() && S >= 65536;
#pragma omp parallel for schedule(static) if (parallel)
    for (long long r = 1; r <= n; ++r) out[r - 1] = score(static_cast<double>(r), S);
    cache = std::move(t);
  }
  table_ = cache;
  return *table_;
}

void NormalScores::release_cache() {
  std::lock_guard<std::mutex> lock(score_cache_mutex());
  score_cache().reset();
}

double NormalScores::score(double r, std::size_t S) {
  // (r − c)/(S − 2c + 1) with c = 3/8, evaluated as ArviZ and posterior do.
  return inv_normal_cdf((r - 0.375) / (static_cast<double>(S) + 0.25));
}

void rank_normalize_sorted(const double* values, const std::uint32_t* positions, std::size_t S,
                           double* z, NormalScores& scores) {
  for_each_normal_score(values, positions, S, scores, [z](std::uint32_t p, double v) { z[p] = v; });
}

void fold_sorted(const double* values, const std::uint32_t* positions, std::size_t S, double m,
                 std::vector<double>& folded, std::vector<std::uint32_t>& folded_positions) {
  folded.resize(S);
  folded_positions.resize(S);
  // values[0..split) < m ≤ values[split..S)
  const std::size_t split =
      static_cast<std::size_t>(std::lower_bound(values, values + S, m) - values);
  std::size_t lo = split;  // next below-median candidate is lo − 1
  std::size_t hi = split;  // next at-or-above-median candidate
  for (std::size_t k = 0; k < S; ++k) {
    const double fl = lo > 0 ? std::fabs(values[lo - 1] - m) : HUGE_VAL;
    const double fh = hi < S ? std::fabs(values[hi] - m) : HUGE_VAL;
    if (hi < S && (lo == 0 || fh <= fl)) {
      folded[k] = fh;
      folded_positions[k] = positions[hi++];
    } else {
      folded[k] = fl;
      folded_positions[k] = positions[--lo];
    }
  }
}

}  // namespace lockstep::diagnostics
