#include "host/diagnostics/convergence.hpp"

#include <string>

#include "host/diagnostics/analyzer.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep::diagnostics {

Chains chains_of(const DrawSet& draws, int p, bool include_warmup) {
  if (p < 0 || p >= static_cast<int>(draws.names.size()))
    throw InputError("diagnostics: parameter index " + std::to_string(p) + " is out of range (" +
                     std::to_string(draws.names.size()) + " parameters)");
  const int skip = include_warmup ? 0 : draws.n_warmup_saved;
  Chains x;
  x.n_draws = draws.n_draws - skip;
  x.chain.resize(draws.n_chains);
  for (int c = 0; c < draws.n_chains; ++c) x.chain[c] = draws.series(p, c) + skip;
  return x;
}

namespace {
// One-off evaluation with a private workspace.
template <class F>
double with_analyzer(const Chains& x, F f) {
  detail::Workspace ws;
  detail::Analyzer a(x, ws);
  return f(a);
}
}  // namespace

double rhat(const Chains& x) { return with_analyzer(x, [](detail::Analyzer& a) { return a.rhat(); }); }
double rhat_basic(const Chains& x) {
  return with_analyzer(x, [](detail::Analyzer& a) { return a.rhat_basic(); });
}
double ess_bulk(const Chains& x) {
  return with_analyzer(x, [](detail::Analyzer& a) { return a.ess_bulk(); });
}
double ess_tail(const Chains& x) {
  return with_analyzer(x, [](detail::Analyzer& a) { return a.ess_tail(); });
}
double ess_mean(const Chains& x) {
  return with_analyzer(x, [](detail::Analyzer& a) { return a.ess_mean(); });
}
double ess_sd(const Chains& x) { return with_analyzer(x, [](detail::Analyzer& a) { return a.ess_sd(); }); }
double ess_quantile(const Chains& x, double prob) {
  return with_analyzer(x, [prob](detail::Analyzer& a) { return a.ess_quantile(prob); });
}
double mcse_mean(const Chains& x) {
  return with_analyzer(x, [](detail::Analyzer& a) { return a.mcse_mean(); });
}
double mcse_sd(const Chains& x) {
  return with_analyzer(x, [](detail::Analyzer& a) { return a.mcse_sd(); });
}
double mcse_quantile(const Chains& x, double prob) {
  return with_analyzer(x, [prob](detail::Analyzer& a) { return a.mcse_quantile(prob); });
}
double quantile(const Chains& x, double prob) {
  return with_analyzer(x, [prob](detail::Analyzer& a) { return a.quantile(prob); });
}

}  // namespace lockstep::diagnostics
