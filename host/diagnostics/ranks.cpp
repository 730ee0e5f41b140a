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
#include "host/diagnostics/parallel_region.hpp"

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

// Inverse of order_key.
inline double order_value(std::uint64_t k) {
  const std::uint64_t u = (k & kSignBit) ? (k & ~kSignBit) : ~k;
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
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

constexpr std::uint32_t kTopBuckets = 1u << 16;  // most buckets of the first (MSD) pass
constexpr std::size_t kSmall = 1024;             // below this a comparison sort is cheaper

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

}  // namespace

namespace {

// Orders run[0..n) of positions exactly by (order_key(x[pos]), pos): a stable sort of a run
// that is already in position order. Typical runs hold 2-3 draws: insertion sort, no buffer.
void exact_sort_run(const double* x, std::uint32_t* run, std::size_t n) {
  auto exact_less = [x](std::uint32_t a, std::uint32_t b) { return order_key(x[a]) < order_key(x[b]); };
  if (n <= 32) {
    for (std::size_t k = 1; k < n; ++k) {
      const std::uint32_t p = run[k];
      std::size_t m = k;
      for (; m > 0 && exact_less(p, run[m - 1]); --m) run[m] = run[m - 1];
      run[m] = p;
    }
  } else {
    std::stable_sort(run, run + n, exact_less);
  }
}

// Stable insertion sort of the pairs (values, positions)[0..n) by the exact key.
void insertion_sort_pairs(double* values, std::uint32_t* positions, std::size_t n) {
  for (std::size_t k = 1; k < n; ++k) {
    const double v = values[k];
    const std::uint32_t p = positions[k];
    const std::uint64_t key = order_key(v);
    std::size_t m = k;
    for (; m > 0 && key < order_key(values[m - 1]); --m) {
      values[m] = values[m - 1];
      positions[m] = positions[m - 1];
    }
    values[m] = v;
    positions[m] = p;
  }
}

// Fix-up of values/positions[0..n) sorted by key32 (ties in position order): runs of distinct
// doubles sharing a float key are ordered exactly (stable, so equal doubles keep position
// order). Reads only the bucket's own pairs.
void fix_up_runs(double* values, std::uint32_t* positions, std::size_t n) {
  std::size_t i = 0;
  while (i < n) {
    const std::uint32_t k32 = order_key32(values[i]);
    std::size_t j = i + 1;
    bool sorted = true;
    while (j < n && order_key32(values[j]) == k32) {
      sorted = sorted && !(order_key(values[j]) < order_key(values[j - 1]));
      ++j;
    }
    if (!sorted) {
      if (j - i <= 32) {
        insertion_sort_pairs(values + i, positions + i, j - i);
      } else {
        std::vector<std::pair<std::uint64_t, std::uint32_t>> run(j - i);
        for (std::size_t k = i; k < j; ++k) run[k - i] = {order_key(values[k]), positions[k]};
        std::stable_sort(run.begin(), run.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (std::size_t k = i; k < j; ++k) {
          values[k] = order_value(run[k - i].first);
          positions[k] = run[k - i].second;
        }
      }
    }
    i = j;
  }
}

// Sorts one bucket of the first (MSD) pass, values/positions[0..n), whose keys
// key32 − kmin agree above bit `low_bits`: a stable LSD radix sort of the low bits in
// passes of at most 8 bits on words (digit << 32 | local index), cache-resident for the
// bucket sizes the first pass leaves; then the permutation is applied and the runs fixed up.
// a, b: scratch of n words each.
void sort_bucket(double* values, std::uint32_t* positions, std::size_t n, std::uint32_t kmin,
                 int low_bits, double* a, double* b) {
  if (n < 2) return;
  if (n <= 32) {
    insertion_sort_pairs(values, positions, n);  // few draws
    return;
  }
  if (low_bits == 0) {
    // One float key for all: only the fix-up orders them.
    fix_up_runs(values, positions, n);
    return;
  }
  const std::uint32_t mask = low_bits >= 32 ? 0xffffffffu : ((1u << low_bits) - 1u);
  for (std::size_t k = 0; k < n; ++k)
    store_word(a + k, (static_cast<std::uint64_t>((order_key32(values[k]) - kmin) & mask) << 32) | k);
  double* src = a;
  double* dst = b;
  std::size_t hist[256];
  for (int shift = 32; shift < 32 + low_bits; shift += 8) {
    std::fill(hist, hist + 256, std::size_t{0});
    for (std::size_t k = 0; k < n; ++k) ++hist[(load_word(src + k) >> shift) & 255u];
    if (hist[(load_word(src) >> shift) & 255u] == n) continue;  // one digit: order unchanged
    std::size_t sum = 0;
    for (int d = 0; d < 256; ++d) {
      const std::size_t c = hist[d];
      hist[d] = sum;
      sum += c;
    }
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint64_t w = load_word(src + k);
      store_word(dst + hist[(w >> shift) & 255u]++, w);
    }
    std::swap(src, dst);
  }
  // src: sorted words; dst is free. Keep the input values in dst and the input positions in
  // the high halves of src (the low halves still say which input each sorted slot takes).
  for (std::size_t k = 0; k < n; ++k) {
    dst[k] = values[k];
    store_word(src + k, (static_cast<std::uint64_t>(positions[k]) << 32) | (load_word(src + k) & 0xffffffffu));
  }
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t from = static_cast<std::size_t>(load_word(src + k) & 0xffffffffu);
    values[k] = dst[from];
    positions[k] = static_cast<std::uint32_t>(load_word(src + from) >> 32);
  }
  fix_up_runs(values, positions, n);
}

}  // namespace

void sort_with_positions(const double* x, std::size_t S, std::vector<double>& values,
                         std::vector<std::uint32_t>& positions, SortScratch& scratch) {
  values.resize(S);
  positions.resize(S);
  if (S < kSmall) {
    std::iota(positions.begin(), positions.end(), 0u);
    exact_sort_run(x, positions.data(), S);
    for (std::size_t k = 0; k < S; ++k) values[k] = x[positions[k]];
    return;
  }
  // The result is THE order by (order_key(x), position): any stable sort by the exact key gives
  // it. First pass (MSD): bucket b = (key32 − kmin) >> shift with shift chosen so that the
  // keys' range fills at most kTopBuckets buckets; values and positions are scattered to their
  // buckets in position order (stable). Each bucket is then small enough to sort in cache
  // (sort_bucket), and its draws are read from the bucket, not gathered from all of x.
  std::uint32_t kmin = 0xffffffffu, kmax = 0;
  for (std::size_t i = 0; i < S; ++i) {
    const std::uint32_t k = order_key32(x[i]);
    kmin = std::min(kmin, k);
    kmax = std::max(kmax, k);
  }
  int shift = 0;
  while (((kmax - kmin) >> shift) >= kTopBuckets) ++shift;
  const std::size_t n_buckets = static_cast<std::size_t>((kmax - kmin) >> shift) + 1;
  std::vector<std::uint32_t>& start = scratch.start;
  std::vector<std::uint32_t>& next = scratch.next;
  start.assign(n_buckets + 1, 0);
  for (std::size_t i = 0; i < S; ++i) ++start[((order_key32(x[i]) - kmin) >> shift) + 1];
  for (std::size_t b = 0; b < n_buckets; ++b) start[b + 1] += start[b];
  next.assign(start.begin(), start.end() - 1);
  for (std::size_t i = 0; i < S; ++i) {
    const std::uint32_t o = next[(order_key32(x[i]) - kmin) >> shift]++;
    values[o] = x[i];
    positions[o] = static_cast<std::uint32_t>(i);
  }
  scratch.a.resize(S);
  scratch.b.resize(S);
  // Buckets are disjoint ranges of every array: outside a parallel region, threads share them.
  const long long nb = static_cast<long long>(n_buckets);
#pragma omp parallel for schedule(dynamic, 256) if (!in_parallel_region())
  for (long long b = 0; b < nb; ++b) {
    const std::size_t s0 = start[b], n = start[b + 1] - s0;
    sort_bucket(values.data() + s0, positions.data() + s0, n, kmin + static_cast<std::uint32_t>(b << shift), shift,
                scratch.a.data() + s0, scratch.b.data() + s0);
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
  // A merge whose choice is a select, not a branch: the two sides alternate at random when the
  // draws are symmetric about m, and a mispredicted branch per draw would cost more than the
  // rest of the loop. Out-of-range sides read a clamped index and are never chosen.
  for (std::size_t k = 0; k < S; ++k) {
    const std::size_t il = lo > 0 ? lo - 1 : 0, ih = hi < S ? hi : S - 1;
    const double fl = lo > 0 ? std::fabs(values[il] - m) : HUGE_VAL;
    const double fh = hi < S ? std::fabs(values[ih] - m) : HUGE_VAL;
    const bool take_hi = hi < S && (lo == 0 || fh <= fl);
    folded[k] = take_hi ? fh : fl;
    folded_positions[k] = take_hi ? positions[ih] : positions[il];
    hi += take_hi ? 1 : 0;
    lo -= take_hi ? 0 : 1;
  }
}

}  // namespace lockstep::diagnostics
