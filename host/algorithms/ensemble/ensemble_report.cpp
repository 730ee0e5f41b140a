// The report of an ensemble run (see ensemble_report.hpp).
#include "host/algorithms/ensemble/ensemble_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "host/backend/tree_sum.hpp"
#include "host/diagnostics/convergence.hpp"

namespace lockstep {
namespace {

/// backend::tree_sum's value, bit for bit (blocks of kTreeBlock summed in order, then the block
/// partials in order), with the blocks' partial sums computed by all threads, four blocks at a
/// time per thread (four independent chains of additions instead of one).
template <class F>
double parallel_tree_sum(std::size_t n, const F& value_at) {
  constexpr std::size_t B = backend::kTreeBlock;
  const std::size_t full = n / B, blocks = (n + B - 1) / B;
  std::vector<double> partial(blocks, 0.0);
  const long long groups = static_cast<long long>(full / 4);
#pragma omp parallel for schedule(static) if (groups >= 16)
  for (long long g = 0; g < groups; ++g) {
    const std::size_t lo = static_cast<std::size_t>(g) * 4 * B;
    double s[4] = {0, 0, 0, 0};
    for (std::size_t i = 0; i < B; ++i)
      for (int u = 0; u < 4; ++u) s[u] += static_cast<double>(value_at(lo + u * B + i));
    for (int u = 0; u < 4; ++u) partial[static_cast<std::size_t>(g) * 4 + u] = s[u];
  }
  for (std::size_t b = static_cast<std::size_t>(groups) * 4; b < blocks; ++b) {
    const std::size_t hi = (b + 1) * B < n ? (b + 1) * B : n;
    double s = 0;
    for (std::size_t i = b * B; i < hi; ++i) s += static_cast<double>(value_at(i));
    partial[b] = s;
  }
  double total = 0;
  for (double p : partial) total += p;
  return total;
}

}  // namespace

EnsembleReport report_ensemble(const DrawSet& draws, const EnsembleConfig& cfg, const RunInfo& info,
                               const diagnostics::AutocorrTimeOptions& options) {
  EnsembleReport r;
  r.model = info.model;
  r.seed = info.seed;
  r.walkers = cfg.walkers;
  r.ensembles = cfg.ensembles;
  r.steps = cfg.steps;
  r.discard = cfg.discard;
  r.thin = cfg.thin;
  r.move = moves_to_string(cfg.moves);
  r.names = draws.names;
  r.n_draws = draws.n_draws - draws.n_warmup_saved;
  r.seconds = info.sampling_seconds + info.warmup_seconds;
  const double updates = static_cast<double>(cfg.walkers) * cfg.ensembles * cfg.steps;
  r.walker_updates_per_second = r.seconds > 0 ? updates / r.seconds : 0;

  r.tau_draws = diagnostics::autocorr_times(draws, options);
  const double n_samples = static_cast<double>(draws.n_chains) * r.n_draws;
  double tau_max = 0;
  for (std::size_t p = 0; p < draws.names.size(); ++p) {
    const double tau = r.tau_draws[p].tau;
    r.tau_steps.push_back(tau * cfg.thin);
    tau_max = std::max(tau_max, tau);
    // mean and sd over every walker and saved draw (fixed-order sums)
    const std::size_t n = static_cast<std::size_t>(n_samples);
    // Sample i is draw i % n_draws of chain i / n_draws. Without saved warmup the chains of a
    // parameter lie back to back (DrawSet layout) and sample i is simply base[i]: the same
    // values in the same tree, without two integer divisions per draw.
    const double* base = draws.series(static_cast<int>(p), 0);
    auto moments = [&](const auto& value) {
      const double mean = parallel_tree_sum(n, value) / n_samples;
      const double ss = parallel_tree_sum(n, [&](std::size_t i) {
        const double d = value(i) - mean;
        return d * d;
      });
      return std::pair<double, double>(mean, ss);
    };
    const auto [mean, ss] =
        draws.n_warmup_saved == 0
            ? moments([base](std::size_t i) { return base[i]; })
            : moments([&](std::size_t i) {
                return draws.series(static_cast<int>(p), static_cast<int>(i / r.n_draws))[draws.n_warmup_saved +
                                                                                         i % r.n_draws];
              });
    const double sd = n > 1 ? std::sqrt(ss / (n_samples - 1)) : 0.0;
    r.mean.push_back(mean);
    r.sd.push_back(sd);
    r.mcse.push_back(sd * std::sqrt(std::max(tau, 1.0) / n_samples));
    r.rhat.push_back(diagnostics::rhat_basic(diagnostics::chains_of(draws, static_cast<int>(p))));
  }
  {
    // Walkers that disagree (some in a minor mode): the means above mix the modes.
    std::string worst;
    int high = 0;
    for (std::size_t p = 0; p < r.rhat.size(); ++p)
      if (r.rhat[p] > kEnsembleRhatWarn) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "%s%s: %.3g", high++ ? ", " : "", draws.names[p].c_str(), r.rhat[p]);
        worst += buf;
      }
    if (high > 0) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "%.2g", kEnsembleRhatWarn);
      r.warnings.push_back("the walkers disagree: split R-hat over walkers above " + std::string(buf) + " for " +
                           std::to_string(high) + " parameter(s) (" + worst +
                           "): some walkers sit in another mode or have not converged, and the means mix them; "
                           "start from --init-ball near the mode, or run longer and --discard more");
    }
  }
  r.independent_samples = tau_max > 0 ? n_samples / tau_max : 0;

  // Every run of sample_ensemble counts each walker's accepted proposals over every step.
  if (info.accepted_proposals.size() == static_cast<std::size_t>(draws.n_chains) && cfg.steps > 0) {
    r.acceptance.resize(draws.n_chains);
    int stuck = 0;
    for (int c = 0; c < draws.n_chains; ++c) {
      r.acceptance[c] = info.accepted_proposals[c] / cfg.steps;
      stuck += info.accepted_proposals[c] == 0;
    }
    r.acceptance_mean = backend::tree_sum(r.acceptance.data(), r.acceptance.size()) / draws.n_chains;
    r.acceptance_min = *std::min_element(r.acceptance.begin(), r.acceptance.end());
    r.acceptance_max = *std::max_element(r.acceptance.begin(), r.acceptance.end());
    char buf[256];
    if (r.acceptance_mean < kEnsembleAcceptanceLow || r.acceptance_mean > kEnsembleAcceptanceHigh) {
      std::snprintf(buf, sizeof buf,
                    "mean acceptance fraction %.3f is outside [%.1f, %.1f]; the ensemble barely moves (low) or "
                    "has collapsed (high): consider another move, more walkers or another start",
                    r.acceptance_mean, kEnsembleAcceptanceLow, kEnsembleAcceptanceHigh);
      r.warnings.push_back(buf);
    }
    if (stuck > 0 && cfg.steps >= kEnsembleStuckMinSteps)
      r.warnings.push_back(std::to_string(stuck) + " walker(s) accepted no proposal in the " +
                           std::to_string(cfg.steps) + " steps (stuck walkers)");
  }
  const std::string w = diagnostics::short_chain_warning(draws.names, r.tau_draws, r.n_draws, options, cfg.thin);
  if (!w.empty()) r.warnings.push_back(w + " (tau in steps)");
  int constant = 0;
  for (const auto& t : r.tau_draws) constant = std::max(constant, t.constant_series);
  if (constant > 0)
    r.warnings.push_back(std::to_string(constant) +
                         " walker series were constant over the saved draws and left out of tau");
  return r;
}

std::string format_ensemble_report(const EnsembleReport& r) {
  std::string s;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "ensemble: %d walkers x %d ensemble(s), %d steps (discard %d, thin %d, %d saved), move %s; "
                "%.3g s, %.4g walker updates/s\n",
                r.walkers, r.ensembles, r.steps, r.discard, r.thin, r.n_draws, r.move.c_str(), r.seconds,
                r.walker_updates_per_second);
  s += buf;
  std::snprintf(buf, sizeof buf, "acceptance fraction per walker: mean %.3f, min %.3f, max %.3f\n",
                r.acceptance_mean, r.acceptance_min, r.acceptance_max);
  s += buf;
  std::snprintf(buf, sizeof buf, "%-16s %12s %12s %12s %12s %8s\n", "parameter", "mean", "sd", "mcse", "tau(steps)",
                "r_hat");
  s += buf;
  for (std::size_t p = 0; p < r.names.size(); ++p) {
    std::snprintf(buf, sizeof buf, "%-16s %12.5g %12.5g %12.3g %12.4g %8.4g\n", r.names[p].c_str(), r.mean[p], r.sd[p],
                  r.mcse[p], r.tau_steps[p], p < r.rhat.size() ? r.rhat[p] : std::nan(""));
    s += buf;
  }
  std::snprintf(buf, sizeof buf, "independent samples: %.4g (walkers x saved draws / max tau in saved draws)\n",
                r.independent_samples);
  s += buf;
  for (const std::string& w : r.warnings) s += "warning: " + w + "\n";
  return s;
}

nlohmann::json ensemble_report_json(const EnsembleReport& r) {
  auto finite = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json j;
  j["algorithm"] = "ensemble";
  j["model"] = r.model;
  j["seed"] = r.seed;
  j["walkers"] = r.walkers;
  j["ensembles"] = r.ensembles;
  j["steps"] = r.steps;
  j["discard"] = r.discard;
  j["thin"] = r.thin;
  j["draws"] = r.n_draws;
  j["move"] = r.move;
  j["seconds"] = r.seconds;
  j["walker_updates_per_second"] = r.walker_updates_per_second;
  j["end_to_end_seconds"] = finite(r.end_to_end_seconds);
  j["load_seconds"] = finite(r.load_seconds);
  j["report_seconds"] = finite(r.report_seconds);
  j["write_seconds"] = finite(r.write_seconds);
  j["writer_wait_seconds"] = finite(r.writer_wait_seconds);
  j["independent_samples"] = finite(r.independent_samples);
  j["acceptance_fraction"] = {{"mean", r.acceptance_mean},
                              {"min", r.acceptance_min},
                              {"max", r.acceptance_max},
                              {"per_walker", r.acceptance}};
  nlohmann::json params = nlohmann::json::array();
  for (std::size_t p = 0; p < r.names.size(); ++p)
    params.push_back({{"name", r.names[p]},
                      {"mean", finite(r.mean[p])},
                      {"sd", finite(r.sd[p])},
                      {"mcse", finite(r.mcse[p])},
                      {"tau_steps", finite(r.tau_steps[p])},
                      {"r_hat", finite(p < r.rhat.size() ? r.rhat[p] : std::nan(""))},
                      {"tau_window", r.tau_draws[p].window},
                      {"too_short", r.tau_draws[p].too_short}});
  j["parameters"] = params;
  j["warnings"] = r.warnings;
  return j;
}

}  // namespace lockstep
