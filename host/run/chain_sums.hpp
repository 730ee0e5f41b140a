#pragma once
// Cross-chain sums over EVERY chain of a run, whether it runs in one process or is split over
// MPI ranks (host/parallel/ranks.hpp), with the same bits either way.
//
// One process: backend::DeviceTreeSum (tree_sum's fixed shape where the chains live: blocks of
// kTreeBlock chains summed in order, then the block partials in order; only the K totals come
// back). Split over ranks:
//   - when every rank's range starts on a block boundary (parallel::chain_share's
//     block_aligned, which `sample` asks for): each rank adds its blocks where its chains live
//     (DeviceTreeSum's first step) and brings back the block partials, the ranks all-gather
//     them (8 K bytes per 256 chains), and every rank adds all partials in order;
//   - otherwise each rank writes its chains' terms f(c, k) where the chains live and brings them
//     back, the ranks all-gather them (8 K bytes per chain), and every rank runs tree_sum over
//     them.
// Either way every rank computes the one-process tree over the same values: the same bits.
#include <algorithm>
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
      : ranks_(cfg.ranks && cfg.ranks->split() ? cfg.ranks : nullptr), total_(cfg.all_chains()) {
    if (ranks_) {
      const parallel::ChainShare s =
          parallel::chain_share(total_, ranks_->rank(), ranks_->size(), static_cast<int>(backend::kTreeBlock));
      block_partials_ = s.block_aligned && s.first == cfg.first_chain && s.count == cfg.chains;
    }
  }

  /// The run's chain count, given this process's.
  std::size_t total_chains(std::size_t n_local) const { return ranks_ ? static_cast<std::size_t>(total_) : n_local; }

  /// totals[k] = the sum over every chain of the run of f(c, k), k < k_count; this process
  /// holds n_local chains (f reads them by local index).
  template <class F>
  std::vector<double> operator()(std::size_t n_local, int k_count, const F& f) {
    if (!ranks_) return device_(n_local, k_count, f);
    if (block_partials_) return sum_block_partials(n_local, k_count, f);
    const std::size_t lanes = n_local * static_cast<std::size_t>(k_count);
    std::vector<double> mine(lanes);
    if (lanes > 0) {
      if (terms_.size() < lanes) terms_.resize(lanes);
      backend::launch_lanes(static_cast<int>(lanes), ChainTerms<F>{f, n_local, backend::raw(terms_)},
                            static_cast<std::ptrdiff_t>(lanes));
      terms_.download(mine.data(), lanes);
      bytes_to_host_ += lanes * sizeof(double);
    }
    const unsigned long long sent_before = ranks_->bytes_sent();
    const std::vector<double> rows = all_chains_rows(*ranks_, mine, k_count, static_cast<int>(n_local),
                                                     static_cast<int>(n_local));
    ranks_->count_sum_bytes(ranks_->bytes_sent() - sent_before);
    const std::size_t total = k_count > 0 ? rows.size() / static_cast<std::size_t>(k_count) : 0;
    std::vector<double> out(static_cast<std::size_t>(k_count));
    for (int k = 0; k < k_count; ++k) out[k] = backend::tree_sum(rows.data() + static_cast<std::size_t>(k) * total, total);
    return out;
  }
  /// Bytes brought from where the chains live to this process's host.
  unsigned long long bytes_to_host() const { return device_.bytes_to_host() + bytes_to_host_; }

 private:
  /// This rank's block partials, added where the chains live (backend::TreeSumBlocks: the
  /// first step of DeviceTreeSum) and brought back, all-gathered; every rank adds all partials
  /// in block (= rank) order.
  template <class F>
  std::vector<double> sum_block_partials(std::size_t n_local, int k_count, const F& f) {
    if (k_count <= 0) return {};
    const std::size_t blocks = (n_local + backend::kTreeBlock - 1) / backend::kTreeBlock;
    const std::size_t lanes = blocks * static_cast<std::size_t>(k_count);
    std::vector<double> partials(lanes);  // [k][block]
    if (lanes > 0) {
      if (terms_.size() < lanes) terms_.resize(lanes);
      backend::launch_lanes(static_cast<int>(lanes), backend::TreeSumBlocks<F>{f, n_local, blocks, backend::raw(terms_)},
                            static_cast<std::ptrdiff_t>(n_local) * k_count);
      terms_.download(partials.data(), lanes);
      bytes_to_host_ += lanes * sizeof(double);
    }
    const unsigned long long sent_before = ranks_->bytes_sent();
    std::vector<int> counts;
    const std::vector<double> all = ranks_->all_gather(partials, &counts);  // rank r: [k][blocks_r]
    ranks_->count_sum_bytes(ranks_->bytes_sent() - sent_before);
    std::vector<double> out(static_cast<std::size_t>(k_count), 0.0);
    for (int k = 0; k < k_count; ++k) {
      double total = 0;
      std::size_t at = 0;
      for (int n : counts) {
        const std::size_t blocks_r = static_cast<std::size_t>(n) / static_cast<std::size_t>(k_count);
        for (std::size_t b = 0; b < blocks_r; ++b) total += all[at + static_cast<std::size_t>(k) * blocks_r + b];
        at += static_cast<std::size_t>(n);
      }
      out[k] = total;
    }
    return out;
  }

  const parallel::Ranks* ranks_ = nullptr;
  int total_ = 0;
  bool block_partials_ = false;
  backend::DeviceTreeSum device_;
  backend::DeviceVector<double> terms_;
  unsigned long long bytes_to_host_ = 0;
};

}  // namespace lockstep
