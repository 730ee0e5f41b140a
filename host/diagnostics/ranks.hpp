#pragma once
// Sorting with positions, average ranks and rank normalization (Vehtari et al. 2021).
//
// Rank normalization replaces each of the S pooled draws by its rank r (ties get the average
// of the ranks they span, as R's rank(ties.method = "average") and scipy's rankdata do), then
// by the normal score z = Φ⁻¹((r − 3/8)/(S − 2·3/8 + 1)) = Φ⁻¹((r − 3/8)/(S + 1/4))
// (Blom 1958 offsets; posterior `backtransform_ranks`, ArviZ `_backtransform_ranks`).
//
// The pooled draws are sorted once by an LSD radix sort (O(S), stable) of 64-bit words holding
// an order-preserving 32-bit key of the value rounded to float in the high half and the
// position in the low half (3 passes of 11 bits), followed by an exact fix-up of the rare runs
// of distinct doubles that round to the same float; this is what keeps rank normalization of
// millions of draws cheap. Folded draws |θ − median| need no
// second sort: in the sorted order, the draws below the median (read backwards) and the ones
// at or above it (read forwards) are each already sorted by distance, so a merge orders them.
#include <cstdint>
#include <vector>

namespace lockstep::diagnostics {

/// Scratch buffers for sort_with_positions (reused across calls to avoid allocation).
struct SortScratch {
  std::vector<std::uint64_t> keys, keys_tmp;
};

/// Sort x[0..S) (no NaN) ascending: values[k] = x[positions[k]]. Stable (equal values keep
/// their input order), so the result is deterministic. −0.0 sorts before +0.0; they compare
/// equal and so still form one tie group.
void sort_with_positions(const double* x, std::size_t S, std::vector<double>& values,
                         std::vector<std::uint32_t>& positions, SortScratch& scratch);

/// Normal scores Φ⁻¹((r − 3/8)/(S + 1/4)) for the integer ranks r = 1..S, computed once per S
/// (or borrowed from a table shared between threads, see share()).
class NormalScores {
 public:
  /// Scores of the integer ranks 1..S (0-based index r − 1); fills the table on first use.
  const std::vector<double>& table(std::size_t S);
  /// Fill the table for S using all OpenMP threads (each entry is independent: same bits).
  void fill_parallel(std::size_t S);
  /// Use other's table (not copied; other must outlive this) whenever S matches it.
  void share(const NormalScores& other) { shared_ = &other; }
  /// Score of any (possibly half-integer, for ties) average rank r among S.
  static double score(double r, std::size_t S);

 private:
  const NormalScores* shared_ = nullptr;
  std::size_t S_ = 0;
  std::vector<double> table_;
};

/// Given S values sorted ascending and their positions, call sink(position, z) with the normal
/// score z of each value's average rank, in sorted order.
template <class Sink>
void for_each_normal_score(const double* values, const std::uint32_t* positions, std::size_t S,
                           NormalScores& scores, Sink&& sink) {
  const std::vector<double>& table = scores.table(S);
  std::size_t i = 0;
  while (i < S) {
    std::size_t j = i + 1;
    while (j < S && values[j] == values[i]) ++j;
    if (j == i + 1) {
      sink(positions[i], table[i]);
    } else {
      // Ranks i+1..j (1-based) share their average (i + 1 + j)/2.
      const double z = NormalScores::score(0.5 * static_cast<double>(i + 1 + j), S);
      for (std::size_t k = i; k < j; ++k) sink(positions[k], z);
    }
    i = j;
  }
}

/// for_each_normal_score writing z[positions[k]]; z must have room for the largest position.
void rank_normalize_sorted(const double* values, const std::uint32_t* positions, std::size_t S,
                           double* z, NormalScores& scores);

/// From values sorted ascending (with positions) and a centre m, produce the folded values
/// |values − m| sorted ascending, with the matching positions (a merge, O(S)).
void fold_sorted(const double* values, const std::uint32_t* positions, std::size_t S, double m,
                 std::vector<double>& folded, std::vector<std::uint32_t>& folded_positions);

}  // namespace lockstep::diagnostics
