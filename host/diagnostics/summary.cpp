#include "host/diagnostics/summary.hpp"

#include <exception>
#ifdef _OPENMP
#include <omp.h>
#endif

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

std::vector<Summary> summarize_many(const std::vector<Chains>& quantities) {
  const int P = static_cast<int>(quantities.size());
  std::vector<Summary> out(P);
  int threads = 1;
#ifdef _OPENMP
  threads = omp_in_parallel() ? 1 : omp_get_max_threads();
#endif
  // Quantities of one run share n_chains and n_draws, hence the number of split draws: fill
  // the process-wide normal-score table once, with every thread, before anyone needs it.
  if (P > 0 && quantities[0].n_draws >= 4)
    NormalScores().fill_parallel(static_cast<std::size_t>(2) * quantities[0].n_chains() *
                                 static_cast<std::size_t>(quantities[0].n_draws / 2));
  if (P < threads) {
    // Fewer quantities than threads: one at a time, each with every thread (Analyzer).
    detail::Workspace ws;
    for (int p = 0; p < P; ++p) out[p] = summarize_with(quantities[p], ws);
    return out;
  }
  std::exception_ptr error;
#pragma omp parallel
  {
    detail::Workspace ws;  // one per thread, reused across quantities
#pragma omp for schedule(dynamic, 1)
    for (int p = 0; p < P; ++p) {
      try {
        out[p] = summarize_with(quantities[p], ws);
      } catch (...) {
#pragma omp critical(lockstep_diagnostics_error)
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
  return out;
}

std::vector<Summary> summarize_all(const DrawSet& draws, bool include_warmup) {
  const int P = static_cast<int>(draws.names.size());
  std::vector<Chains> chains;
  chains.reserve(P);
  for (int p = 0; p < P; ++p) chains.push_back(chains_of(draws, p, include_warmup));
  return summarize_many(chains);
}

}  // namespace lockstep::diagnostics
