#pragma once
// Cross-chain sums over EVERY chain of a run, whether it runs in one process or is split over
// MPI ranks (host/parallel/ranks.hpp), with the same bits either way.
//
// One process: backend::DeviceTreeSum (fixed-shape tree_sum where the chains live; only the K
// totals come back). Split over ranks: each rank writes its chains' terms f(c, k) where the
// chains live, brings them back, and all-gathers them; every rank then adds all chains' terms
// with the same tree_sum in the run's chain order — the one-process sum, bit for bit. (Partial
// sums per rank would round differently from the one-process tree unless the ranks' ranges
// fell on tree_sum's block boundaries; the per-chain terms cost 8 K bytes per chain per sum.)
#include <cstddef>
#include <vector>

#include "host/backend/device_tree_sum.hpp"
#include "host/backend/lanes.hpp"
#include "host/backend/tree_sum.hpp"
#include "host/parallel/ranks.hpp"
#include "host/run/run_settings.hpp"

namespace lockstep {

/// Lane k * n + c writes f(c, k) (the per-chain terms of a split run's cross-chain sum).
template <class F>
struct ChainTerms {
  F f;
  std::size_t n = 0;
  double* out = nullptr;  // [k][n]
  LS_HD void operator()(int lane) const {
    const std::size_t k = static_cast<std::size_t>(lane) / n, c = static_cast<std::size_t>(lane) % n;
    out[lane] = f(c, static_cast<int>(k));
  }
};

/// Rows of per-chain host values ([rows][stride], chains 0 .. n_local - 1 of this rank) for
/// every chain of the run: [rows][total] on every rank, in the run's chain order.
template <class T>
std::vector<T> all_chains_rows(const parallel::Ranks& ranks, const std::vector<T>& local, int rows, int stride,
                               int n_local) {
  std::vector<double> mine(static_cast<std::size_t>(rows) * n_local);
  for (int i = 0; i < rows; ++i)
    for (int c = 0; c < n_local; ++c)
      mine[static_cast<std::size_t>(i) * n_local + c] = static_cast<double>(local[static_cast<std::size_t>(i) * stride + c]);
  std::vector<int> counts;
  const std::vector<double> all = ranks.all_gather(mine, &counts);
  std::size_t total = 0;
  for (int n : counts) total += static_cast<std::size_t>(n) / (rows > 0 ? rows : 1);
  std::vector<T> out(static_cast<std::size_t>(rows) * total);
  std::size_t at = 0, first = 0;  // rank r's block: [rows][n_r]
  for (int n : counts) {
    const std::size_t n_r = static_cast<std::size_t>(n) / (rows > 0 ? rows : 1);
    for (int i = 0; i < rows; ++i)
      for (std::size_t c = 0; c < n_r; ++c) out[static_cast<std::size_t>(i) * total + first + c] = static_cast<T>(all[at++]);
    first += n_r;
  }
  return out;
}

class ChainSums {
 public:
  /// One process.
  ChainSums() = default;
  /// The run of `cfg`: split over its ranks when it is.
  explicit ChainSums(const RunSettings& cfg)
      : ranks_(cfg.ranks && cfg.ranks->split() ? cfg.ranks : nullptr), total_(cfg.all_chains()) {}

  /// The run's chain count, given this process's.
  std::size_t total_chains(std::size_t n_local) const { return ranks_ ? static_cast<std::size_t>(total_) : n_local; }

  /// totals[k] = the sum over every chain of the run of f(c, k), k < k_count; this process
  /// holds n_local chains (f reads them by local index).
  template <class F>
  std::vector<double> operator()(std::size_t n_local, int k_count, const F& f) {
    if (!ranks_) return device_(n_local, k_count, f);
    const std::size_t lanes = n_local * static_cast<std::size_t>(k_count);
    std::vector<double> mine(lanes);
    if (lanes > 0) {
      if (terms_.size() < lanes) terms_.resize(lanes);
      backend::launch_lanes(static_cast<int>(lanes), ChainTerms<F>{f, n_local, backend::raw(terms_)},
                            static_cast<std::ptrdiff_t>(lanes));
      terms_.download(mine.data(), lanes);
      bytes_to_host_ += lanes * sizeof(double);
    }
    const std::vector<double> rows = all_chains_rows(*ranks_, mine, k_count, static_cast<int>(n_local),
                                                     static_cast<int>(n_local));
    const std::size_t total = k_count > 0 ? rows.size() / static_cast<std::size_t>(k_count) : 0;
    std::vector<double> out(static_cast<std::size_t>(k_count));
    for (int k = 0; k < k_count; ++k) out[k] = backend::tree_sum(rows.data() + static_cast<std::size_t>(k) * total, total);
    return out;
  }
  /// Bytes brought from where the chains live to this process's host.
  unsigned long long bytes_to_host() const { return device_.bytes_to_host() + bytes_to_host_; }

 private:
  const parallel::Ranks* ranks_ = nullptr;
  int total_ = 0;
  backend::DeviceTreeSum device_;
  backend::DeviceVector<double> terms_;
  unsigned long long bytes_to_host_ = 0;
};

}  // namespace lockstep
