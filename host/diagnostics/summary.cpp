#include "host/diagnostics/summary.hpp"

#include <exception>

#include "host/diagnostics/analyzer.hpp"

namespace lockstep::diagnostics {
namespace {

Summary summarize_with(const Chains& x, detail::Workspace& ws) {
  detail::Analyzer a(x, ws);
  Summary s;
  s.mean = a.mean();
  s.sd = a.sd();
  s.q5 = a.quantile(0.05);
  s.q50 = a.quantile(0.5);
  s.q95 = a.quantile(0.95);
  s.ess_bulk = a.ess_bulk();  // bulk scores first, then rhat reuses them before folding
  s.rhat = a.rhat();
  s.ess_tail = a.ess_tail();
  s.mcse_mean = a.mcse_mean();
  s.mcse_sd = a.mcse_sd();
  return s;
}

}  // namespace

Summary summarize(const Chains& x) {
  // One workspace per thread, reused: callers that summarize parameters in parallel (one call
  // per parameter) allocate and fault in the buffers once per thread, not once per parameter.
  thread_local detail::Workspace ws;
  return summarize_with(x, ws);
}

std::vector<Summary> summarize_all(const DrawSet& draws, bool include_warmup) {
  const int P = static_cast<int>(draws.names.size());
  std::vector<Summary> out(P);
  std::vector<Chains> chains;
  chains.reserve(P);
  for (int p = 0; p < P; ++p) chains.push_back(chains_of(draws, p, include_warmup));
  // All parameters share n_chains and n_draws, hence the number S of split draws: compute the
  // normal-score table once, with every thread, and let the workspaces borrow it.
  NormalScores shared_scores;
  if (P > 0 && !chains.empty() && chains[0].n_draws >= 4)
    shared_scores.fill_parallel(static_cast<std::size_t>(2) * chains[0].n_chains() * (chains[0].n_draws / 2));
  std::exception_ptr error;
#pragma omp parallel
  {
    detail::Workspace ws;  // one per thread, reused across parameters
    ws.scores.share(shared_scores);
#pragma omp for schedule(dynamic, 1)
    for (int p = 0; p < P; ++p) {
      try {
        out[p] = summarize_with(chains[p], ws);
      } catch (...) {
#pragma omp critical(lockstep_diagnostics_error)
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
  return out;
}

}  // namespace lockstep::diagnostics
