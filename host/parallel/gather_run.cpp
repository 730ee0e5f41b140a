#include "host/parallel/gather_run.hpp"

#include <cstddef>
#include <utility>
#include <vector>

namespace lockstep {
namespace parallel {
namespace {

/// Per-chain vectors of `width` numbers, concatenated in rank order, on rank 0.
std::vector<std::vector<double>> gather_rows(const Ranks& ranks, const std::vector<std::vector<double>>& rows) {
  std::vector<double> flat;
  const std::size_t width = rows.empty() ? 0 : rows[0].size();
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  const std::vector<double> all = ranks.gather_to_root(flat);
  std::vector<std::vector<double>> out;
  if (!ranks.is_root() || width == 0) return out;
  for (std::size_t i = 0; i + width <= all.size(); i += width) out.emplace_back(all.begin() + i, all.begin() + i + width);
  return out;
}

}  // namespace

void gather_run(const Ranks& ranks, DrawSet& draws, RunInfo& info) {
  if (!ranks.split()) return;
  const double chains_here = draws.n_chains;
  const int total = static_cast<int>(ranks.sum(chains_here));
  // each quantity's [chain][draw] block, concatenated over the ranks = the run's chain order
  DrawValues values = ranks.gather_rows_to_root(draws.values, static_cast<int>(draws.names.size()));
  DrawValues stats = ranks.gather_rows_to_root(draws.stats, static_cast<int>(draws.stat_names.size()));
  const bool dense = !info.dense_inv_metric.empty();
  std::vector<std::vector<double>> inv_metric = gather_rows(ranks, info.inv_metric);
  std::vector<std::vector<double>> dense_inv_metric = gather_rows(ranks, info.dense_inv_metric);
  const std::vector<double> step_size = ranks.gather_to_root(info.step_size);
  const double evals = ranks.sum(static_cast<double>(info.gradient_evaluations));
  const double divergences = ranks.sum(static_cast<double>(info.divergences));
  info.warmup_seconds = ranks.max(info.warmup_seconds);
  info.sampling_seconds = ranks.max(info.sampling_seconds);
  if (!ranks.is_root()) return;
  draws.values = std::move(values);
  draws.stats = std::move(stats);
  draws.n_chains = total;
  info.inv_metric = std::move(inv_metric);
  if (dense) info.dense_inv_metric = std::move(dense_inv_metric);
  info.step_size = step_size;
  info.gradient_evaluations = static_cast<unsigned long long>(evals);
  info.divergences = static_cast<long>(divergences);
}

}  // namespace parallel
}  // namespace lockstep
