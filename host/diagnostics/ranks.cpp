#include "host/diagnostics/ranks.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

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

constexpr int kDigitBits = 11;
constexpr int kBuckets = 1 << kDigitBits;
constexpr int kPasses = (64 + kDigitBits - 1) / kDigitBits;  // 6
constexpr std::size_t kSmall = 1024;  // below this a comparison sort is cheaper

}  // namespace

void sort_with_positions(const double* x, std::size_t S, std::vector<double>& values,
                         std::vector<std::uint32_t>& positions, SortScratch& scratch) {
  values.resize(S);
  positions.resize(S);
  std::iota(positions.begin(), positions.end(), 0u);
  if (S < kSmall) {
    std::stable_sort(positions.begin(), positions.end(),
                     [x](std::uint32_t a, std::uint32_t b) { return order_key(x[a]) < order_key(x[b]); });
  } else {
    auto& keys = scratch.keys;
    auto& keys_tmp = scratch.keys_tmp;
    auto& pos_tmp = scratch.pos_tmp;
    keys.resize(S);
    keys_tmp.resize(S);
    pos_tmp.resize(S);
    std::vector<std::size_t> hist(static_cast<std::size_t>(kPasses) * kBuckets, 0);
    for (std::size_t i = 0; i < S; ++i) {
      const std::uint64_t k = order_key(x[i]);
      keys[i] = k;
      for (int p = 0; p < kPasses; ++p) ++hist[p * kBuckets + ((k >> (p * kDigitBits)) & (kBuckets - 1))];
    }
    std::uint64_t* src_k = keys.data();
    std::uint64_t* dst_k = keys_tmp.data();
    std::uint32_t* src_p = positions.data();
    std::uint32_t* dst_p = pos_tmp.data();
    for (int p = 0; p < kPasses; ++p) {
      std::size_t* h = hist.data() + static_cast<std::size_t>(p) * kBuckets;
      // A digit shared by every key leaves the order unchanged: skip the pass.
      const std::uint64_t first_digit = (src_k[0] >> (p * kDigitBits)) & (kBuckets - 1);
      if (h[first_digit] == S) continue;
      std::size_t sum = 0;
      for (int b = 0; b < kBuckets; ++b) {
        const std::size_t c = h[b];
        h[b] = sum;
        sum += c;
      }
      const int shift = p * kDigitBits;
      for (std::size_t i = 0; i < S; ++i) {
        const std::uint64_t k = src_k[i];
        const std::size_t d = h[(k >> shift) & (kBuckets - 1)]++;
        dst_k[d] = k;
        dst_p[d] = src_p[i];
      }
      std::swap(src_k, dst_k);
      std::swap(src_p, dst_p);
    }
    if (src_p != positions.data()) std::memcpy(positions.data(), src_p, S * sizeof(std::uint32_t));
  }
  for (std::size_t k = 0; k < S; ++k) values[k] = x[positions[k]];
}

const std::vector<double>& NormalScores::table(std::size_t S) {
  if (S != S_ || table_.size() != S) {
    S_ = S;
    table_.resize(S);
    for (std::size_t r = 1; r <= S; ++r) table_[r - 1] = score(static_cast<double>(r), S);
  }
  return table_;
}

double NormalScores::score(double r, std::size_t S) {
  // (r − c)/(S − 2c + 1) with c = 3/8, evaluated as ArviZ and posterior do.
  return inv_normal_cdf((r - 0.375) / (static_cast<double>(S) + 0.25));
}

void rank_normalize_sorted(const double* values, const std::uint32_t* positions, std::size_t S,
                           double* z, NormalScores& scores) {
  const std::vector<double>& table = scores.table(S);
  std::size_t i = 0;
  while (i < S) {
    std::size_t j = i + 1;
    while (j < S && values[j] == values[i]) ++j;
    if (j == i + 1) {
      z[positions[i]] = table[i];
    } else {
      // Ranks i+1..j (1-based) share their average (i + 1 + j)/2.
      const double s = NormalScores::score(0.5 * static_cast<double>(i + 1 + j), S);
      for (std::size_t k = i; k < j; ++k) z[positions[k]] = s;
    }
    i = j;
  }
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
