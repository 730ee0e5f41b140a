#pragma once
// Analyzer: the shared engine behind every diagnostic of convergence.hpp and summary.hpp.
//
// It pools one quantity's draws once, sorts them once (radix sort), and derives everything
// else from that sorted order: quantiles, bulk ranks, folded ranks (by a merge), quantile
// indicators. Each ESS is one pass over the split chains that keeps a few chains at a time in
// a small buffer for their means and first block of lag sums, then Geyer's sequence reading
// lag sums on demand (LagSums: direct for small lags, FFT beyond; the 2M centred split chains
// are written out whole only if it reads past the first block). The bulk scores' split R̂
// comes from their ESS pass. Buffers live in a Workspace that a
// thread reuses across quantities, so summarizing many parameters allocates once per thread.
// Fixed summation orders: the result of a quantity never depends on which thread or how many
// threads computed it. Called outside an OpenMP parallel region, the per-chain passes and the
// lag sums of one quantity use every thread (each chain's sums still run in draw order and
// are combined in chain order); inside one (quantities in parallel) everything is serial.
#include <cstdint>
#include <vector>

#include "host/diagnostics/autocovariance.hpp"
#include "host/diagnostics/convergence.hpp"
#include "host/diagnostics/ranks.hpp"

namespace lockstep::diagnostics::detail {

struct Workspace {
  // Memory: with S draws of one quantity, the large buffers are sorted (8S bytes), sorted_pos
  // (4S) and the two sort buffers (2 x 8S): 28S bytes (plus 12S for odd N). The sort buffers
  // are dead once the sort is done and are reused (SortScratch):
  //   sort_scratch.a  bulk normal scores z by position;
  //   sort_scratch.b  the 2M centred split chains of the ESS being computed.
  // The folded draws of the tail R̂ are streamed, never stored (Analyzer::folded_rhat).
  std::vector<double> flat;                 // pooled draws (when the chains are not contiguous)
  std::vector<double> sorted;               // all draws sorted ascending
  std::vector<std::uint32_t> sorted_pos;    // their positions
  std::vector<std::uint32_t> tmp_pos;       // positions of one tie group of folded draws
  std::vector<double> tmp_vals2;            // odd N: sorted values without the middle draws
  std::vector<std::uint32_t> tmp_pos2;
  std::vector<double> chain_means, chain_vars, chain_sums, chain_lo, chain_hi, rho;
  std::vector<double> lag_dots;            // [split chain][first block of lags] (split_ess)
  std::vector<unsigned char> chain_flags;  // per chain: 1 = has NaN, 2 = has a non-finite draw
  SortScratch sort_scratch;
  NormalScores scores;
  LagSums lags;
};

class Analyzer {
 public:
  /// Pools the draws (throws InputError for a null chain pointer or negative n_draws).
  Analyzer(const Chains& x, Workspace& ws);

  /// R̂/ESS/MCSE are defined: ≥ 1 chain, ≥ 4 draws, all finite, not constant.
  bool diagnosable() const { return diagnosable_; }
  double mean() const { return mean_; }
  double sd();  // computed on first use (a pass over the draws)

  double quantile(double prob);
  double rhat();
  double rhat_basic();
  double ess_bulk();
  double ess_tail();
  double ess_mean();
  double ess_sd();
  double ess_quantile(double prob);
  double mcse_mean();
  double mcse_sd();
  double mcse_quantile(double prob);

 private:
  void ensure_sorted();
  // The split-chain subset (middle draw dropped for odd N) of sorted (values, positions),
  // written to ws_.tmp_vals2/tmp_pos2 when N is odd; returns pointers to use.
  void split_subset(const std::vector<double>& vals, const std::vector<std::uint32_t>& pos,
                    const double*& out_vals, const std::uint32_t*& out_pos);
  void normal_scores_of_sorted(const std::vector<double>& vals, const std::vector<std::uint32_t>& pos);
  // Make ws_.z hold the bulk normal scores z(θ).
  const double* bulk_scores();
  template <class F> double split_rhat(F value);
  double rhat_of_split_chains(double within_floor = 0.0) const;
  static double rhat_from_variances(double between, double within, double within_floor, int n);
  static constexpr double kScoreWithinFloor = 1e-12;  // see rhat_from_variances
  // R̂ of the folded draws' normal scores, accumulated per split chain (no z array written).
  double folded_rhat();
  template <class F> double split_ess(F value, std::vector<double>* chain_ss = nullptr);
  // Position of the first draw of split chain j: first (j even) or last (j odd) half_ draws
  // of chain j/2.
  std::size_t split_start(int j) const {
    return static_cast<std::size_t>(j / 2) * N_ + (j % 2 == 0 ? 0 : static_cast<std::size_t>(N_ - half_));
  }

  Workspace& ws_;
  const double* flat_ = nullptr;  // draw i of chain c at flat_[c·N + i]
  int M_ = 0, N_ = 0, half_ = 0;
  std::size_t S_full_ = 0, S_split_ = 0;
  bool any_nan_ = false, finite_ = true, diagnosable_ = false, sorted_ = false;
  double mean_ = 0, sd_ = 0;
  bool have_sd_ = false;
  // cached results
  bool z_is_bulk_ = false;
  bool have_ess_mean_ = false, have_ess_c2_ = false, have_ess_bulk_ = false;
  double ess_mean_ = 0, ess_c2_ = 0, ess_bulk_ = 0, bulk_rhat_ = 0;
};

}  // namespace lockstep::diagnostics::detail
