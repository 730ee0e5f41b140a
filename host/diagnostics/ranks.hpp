#pragma once
// Sorting with positions, average ranks and rank normalization (Vehtari et al. 2021).
//
// Rank normalization replaces each of the S pooled draws by its rank r (ties get the average
// of the ranks they span, as R's rank(ties.method = "average") and scipy's rankdata do), then
// by the normal score z = Φ⁻¹((r − 3/8)/(S − 2·3/8 + 1)) = Φ⁻¹((r − 3/8)/(S + 1/4))
// (Blom 1958 offsets; posterior `backtransform_ranks`, ArviZ `_backtransform_ranks`).
//
// The pooled draws are sorted once by a radix sort (O(S), stable) on an order-preserving
// 32-bit key of the value rounded to float: a first pass scatters (value, position) pairs into
// up to 2^16 buckets of the keys' range (MSD), then each bucket, small enough to stay in cache,
// is sorted by the remaining key bits (LSD, 8-bit digits) and the rare runs of distinct doubles
// that round to the same float are ordered exactly. The result is the unique order by (value,
// position); this is what keeps rank normalization of
// millions of draws cheap. Folded draws |θ − median| need no
// second sort: in the sorted order, the draws below the median (read backwards) and the ones
// at or above it (read forwards) are each already sorted by distance, so a merge orders them.
#include <cstdint>
#include <memory>
#include <vector>

namespace lockstep::diagnostics {

/// Scratch buffers for sort_with_positions (reused across calls to avoid allocation). The radix
/// sort's 64-bit words are stored bit for bit in doubles (memcpy, no arithmetic), so that once the
/// sort is done a caller can reuse the two buffers as ordinary double arrays of the same size:
/// the Analyzer keeps its normal scores and split-chain series there, which halves its memory
/// (one quantity of 16384 chains x 1000 draws is 16.4M draws: 131 MB per buffer).
struct SortScratch {
  std::vector<double> a, b;
  std::vector<std::uint32_t> start, next;  // bucket offsets of the first pass
};

/// Sort x[0..S) (no NaN) ascending: values[k] = x[positions[k]]. Stable (equal values keep
/// their input order), so the result is deterministic. −0.0 sorts before +0.0; they compare
/// equal and so still form one tie group.
void sort_with_positions(const double* x, std::size_t S, std::vector<double>& values,
                         std::vector<std::uint32_t>& positions, SortScratch& scratch);

/// Normal scores Φ⁻¹((r − 3/8)/(S + 1/4)) for the integer ranks r = 1..S.
///
/// The table of one S is computed once per PROCESS: a process-wide cache holds the table of the
/// most recent S (computing 4M inverse normal CDFs costs ~0.2 s, and every quantity of a run has
/// the same S). The first thread that needs a new S fills it (with all OpenMP threads when
/// called outside a parallel region) while other threads needing the same S wait; a
/// NormalScores keeps a reference to the table it uses, so a cache replaced by another S stays
/// valid for the holders of the old one. Each entry is a pure function of (r, S): the same bits
/// whoever computes it.
class NormalScores {
 public:
  /// Scores of the integer ranks 1..S (0-based index r − 1).
  const std::vector<double>& table(std::size_t S);
  /// Make sure the table for S exists (filled with all OpenMP threads when outside a parallel
  /// region). Optional: table() does the same on first use.
  void fill_parallel(std::size_t S) { (void)table(S); }
  /// Use other's table whenever S matches it (kept for callers that prepare one table for many
  /// workspaces; the process-wide cache makes it unnecessary).
  void share(const NormalScores& other) {
    if (other.table_) table_ = other.table_;
  }
  /// Score of any (possibly half-integer, for ties) average rank r among S.
  static double score(double r, std::size_t S);
  /// Drop the process-wide table (memory: 8 bytes per draw of one quantity). Holders keep theirs.
  static void release_cache();

 private:
  std::shared_ptr<const std::vector<double>> table_;
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
