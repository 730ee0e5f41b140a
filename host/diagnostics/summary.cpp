#include "host/diagnostics/summary.hpp"

#include <unistd.h>

#include <algorithm>
#include <exception>
#include <limits>
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

// From this many quantities (or the thread count, if smaller) they are analysed in parallel.
constexpr int kQuantitiesInParallel = 4;

// How many per-thread workspaces (28 bytes per draw of one quantity, 40 for odd draw counts:
// analyzer.hpp; 34 taken) fit in
// a quarter of the physical memory, at least 1.
int workspaces_that_fit(const std::vector<Chains>& quantities) {
  std::size_t draws = 0;
  for (const Chains& q : quantities)
    draws = std::max(draws, static_cast<std::size_t>(q.n_chains()) * static_cast<std::size_t>(std::max(q.n_draws, 0)));
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0 || draws == 0) return std::numeric_limits<int>::max();
  const double budget = 0.25 * static_cast<double>(pages) * static_cast<double>(page);
  return static_cast<int>(std::max(1.0, std::min(1e6, budget / (34.0 * static_cast<double>(draws)))));
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
  // One quantity on every thread leaves most of them waiting through its serial stretches (the
  // sort's first pass, the rank normalization, the folded merge): on a 16-core GPU box the 11
  // quantities of 65,536 chains x 1000 draws took 49.5 s one at a time. So quantities go in
  // parallel, one per thread, as soon as there are a few of them, on at most as many threads as
  // there are quantities and as the memory allows (a workspace per thread); fewer than
  // kQuantitiesInParallel (and than the threads) go one at a time with every thread. One
  // quantity left over (P mod team = 1: 11 quantities on 2 threads) would run on one thread
  // while the others wait; it goes last, with every thread (its sort's buckets and its chains'
  // sums in parallel). The numbers are the same either way (detail::Analyzer).
  const int team = std::min({P, threads, workspaces_that_fit(quantities)});
  if (P < std::min(threads, kQuantitiesInParallel) || team < 2) {
    detail::Workspace ws;
    for (int p = 0; p < P; ++p) out[p] = summarize_with(quantities[p], ws);
    return out;
  }
  const int in_team = P % team == 1 ? P - 1 : P;
  std::vector<detail::Workspace> ws(team);  // one per thread, reused across quantities
  std::exception_ptr error;
#pragma omp parallel num_threads(team)
  {
#ifdef _OPENMP
    detail::Workspace& own = ws[omp_get_thread_num()];
#else
    detail::Workspace& own = ws[0];
#endif
#pragma omp for schedule(dynamic, 1)
    for (int p = 0; p < in_team; ++p) {
      try {
        out[p] = summarize_with(quantities[p], own);
      } catch (...) {
#pragma omp critical(lockstep_diagnostics_error)
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
  for (int p = in_team; p < P; ++p) out[p] = summarize_with(quantities[p], ws[0]);
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
