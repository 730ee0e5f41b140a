#include "host/cli/summary_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "host/diagnostics/nested_rhat.hpp"
#include "host/diagnostics/summary.hpp"
#include "host/io/atomic_file.hpp"

namespace lockstep {
namespace cli {
namespace {

diagnostics::Chains post_warmup(const DrawSet& d, int q, bool stat) {
  diagnostics::Chains ch;
  ch.n_draws = d.n_draws - d.n_warmup_saved;
  for (int c = 0; c < d.n_chains; ++c)
    ch.chain.push_back((stat ? d.stat_series(q, c) : d.series(q, c)) + d.n_warmup_saved);
  return ch;
}

SummaryRow row_of(const std::string& name, const diagnostics::Summary& s) {
  return SummaryRow{name, s.mean, s.sd, s.q5, s.q50, s.q95, s.mcse_mean, s.mcse_sd, s.ess_bulk, s.ess_tail, s.rhat};
}

std::string fmt(double x, const char* spec) {
  if (std::isnan(x)) return "NA";
  char buf[64];
  std::snprintf(buf, sizeof buf, spec, x);
  return buf;
}

/// part / whole in percent, two significant digits below 10% ("0.024", "2.7"), whole percents
/// above ("27"; "100" only when part == whole, "99" when rounding would say 100).
std::string percent(long long part, long long whole) {
  const double p = 100.0 * static_cast<double>(part) / static_cast<double>(whole);
  if (part == whole) return "100";
  if (p < 9.95) return fmt(p, "%.2g");
  return fmt(std::min(std::round(p), 99.0), "%.0f");
}

}  // namespace

int max_tree_depth_of(const RunInfo& info) {
  if (info.algorithm != "nuts") return 0;
  for (const auto& kv : info.config) {
    const std::string& k = kv.first;
    const std::string leaf = "max_depth";
    if (k == leaf || (k.size() > leaf.size() && k.compare(k.size() - leaf.size() - 1, std::string::npos, "." + leaf) == 0)) {
      const int d = std::atoi(kv.second.c_str());
      return d > 0 ? d : 0;
    }
  }
  return 0;
}

double ebfmi(const double* energy, int n) {
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  double mean = 0;
  for (int t = 0; t < n; ++t) mean += energy[t];
  mean /= n;
  double var = 0, diff = 0;
  for (int t = 0; t < n; ++t) var += (energy[t] - mean) * (energy[t] - mean);
  for (int t = 1; t < n; ++t) diff += (energy[t] - energy[t - 1]) * (energy[t] - energy[t - 1]);
  // The mean squared step over the sample variance (both over n - 1): ArviZ's bfmi (np.var
  // with ddof=1) and Stan's, the sum of squared steps over the sum of squared deviations.
  return var > 0 ? diff / var : std::numeric_limits<double>::quiet_NaN();
}

SummaryReport summarize_draws(const DrawSet& draws, const std::vector<int>& superchain, int max_tree_depth) {
  SummaryReport r;
  const int n_post = draws.n_draws - draws.n_warmup_saved;
  if (n_post <= 0 || draws.n_chains <= 0) return r;
  const bool nested = !superchain.empty();
  if (nested) {
    for (int id : superchain) r.superchains = std::max(r.superchains, id + 1);
  }
  // lp__ (when present) and every parameter, summarized together: they share the threads.
  const int lp = draws.stat_index("lp__");
  std::vector<diagnostics::Chains> quantities;
  std::vector<std::string> names;
  if (lp >= 0) {
    quantities.push_back(post_warmup(draws, lp, true));
    names.push_back("lp__");
  }
  for (int p = 0; p < draws.n_parameters(); ++p) {  // not the posterior predictive draws
    quantities.push_back(post_warmup(draws, p, false));
    names.push_back(draws.names[p]);
  }
  const std::vector<diagnostics::Summary> summaries = diagnostics::summarize_many(quantities);
  std::vector<double> nested_rhat(quantities.size(), std::numeric_limits<double>::quiet_NaN());
  if (nested) {
#pragma omp parallel for schedule(dynamic)
    for (int q = 0; q < static_cast<int>(quantities.size()); ++q)
      nested_rhat[q] = diagnostics::nested_rhat(quantities[q], superchain);
  }
  for (std::size_t q = 0; q < quantities.size(); ++q) {
    r.rows.push_back(row_of(names[q], summaries[q]));
    r.rows.back().nested_rhat = nested_rhat[q];
  }

  const int div = draws.stat_index("divergent__");
  r.counts_divergences = div >= 0;
  if (div >= 0)
    for (int c = 0; c < draws.n_chains; ++c) {
      const double* d = draws.stat_series(div, c) + draws.n_warmup_saved;
      for (int k = 0; k < n_post; ++k) r.divergences += d[k] != 0;
    }
  r.transitions = static_cast<long>(n_post) * draws.n_chains;
  const int depth = draws.stat_index("treedepth__");
  if (depth >= 0 && max_tree_depth > 0) {
    r.max_tree_depth = max_tree_depth;
    for (int c = 0; c < draws.n_chains; ++c) {
      const double* d = draws.stat_series(depth, c) + draws.n_warmup_saved;
      for (int k = 0; k < n_post; ++k) r.tree_depth_hits += d[k] >= max_tree_depth;
    }
  }
  const int energy = draws.stat_index("energy__");
  if (energy >= 0)
    for (int c = 0; c < draws.n_chains; ++c) r.ebfmi.push_back(ebfmi(draws.stat_series(energy, c) + draws.n_warmup_saved, n_post));

  // Warnings, in plain words.
  std::string worst_name;
  double worst = 0;
  int n_bad_rhat = 0, n_undefined = 0, n_bad_nested = 0;
  std::string worst_nested_name;
  double worst_nested = 0;
  std::string low_ess;
  int n_low_ess = 0;
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    const SummaryRow& row = r.rows[i];
    if (std::isnan(row.rhat)) {
      ++n_undefined;
    } else if (row.rhat > kRhatWarn) {
      ++n_bad_rhat;
      if (row.rhat > worst) worst = row.rhat, worst_name = row.name;
    }
    if (row.nested_rhat > kRhatWarn) {
      ++n_bad_nested;
      if (row.nested_rhat > worst_nested) worst_nested = row.nested_rhat, worst_nested_name = row.name;
    }
    if (!std::isnan(row.ess_bulk) && (row.ess_bulk < kEssWarn || row.ess_tail < kEssWarn)) {
      ++n_low_ess;
      if (low_ess.empty()) low_ess = row.name;
    }
  }
  if (n_bad_rhat > 0)
    r.warnings.push_back("R-hat is above " + fmt(kRhatWarn, "%.2f") + " for " + std::to_string(n_bad_rhat) +
                         " quantit" + (n_bad_rhat == 1 ? "y" : "ies") + " (worst: " + worst_name + ", " +
                         fmt(worst, "%.3f") +
                         "): the chains disagree, so the estimates are not yet reliable. Run a longer warmup, "
                         "start the chains closer together, or check the model for multiple modes.");
  if (n_bad_nested > 0)
    r.warnings.push_back("Nested R-hat is above " + fmt(kRhatWarn, "%.2f") + " for " +
                         std::to_string(n_bad_nested) + " quantit" + (n_bad_nested == 1 ? "y" : "ies") +
                         " (worst: " + worst_nested_name + ", " + fmt(worst_nested, "%.3f") + "): the " +
                         std::to_string(r.superchains) +
                         " superchains disagree, so the chains have not yet forgotten where they started. "
                         "Run a longer warmup.");
  if (n_low_ess > 0)
    r.warnings.push_back("Bulk or tail effective sample size is below " + fmt(kEssWarn, "%.0f") + " for " +
                         std::to_string(n_low_ess) + " quantit" + (n_low_ess == 1 ? "y" : "ies") + " (first: " +
                         low_ess + "): means and quantiles are imprecise. Run more draws or more chains.");
  if (n_undefined > 0)
    r.warnings.push_back(n_post < 4 ? "R-hat and ESS are undefined (NA) with fewer than 4 draws per chain (" +
                                          std::to_string(n_post) + " here): run more draws."
                                    : "R-hat is undefined (NA) for " + std::to_string(n_undefined) + " quantit" +
                                          (n_undefined == 1 ? "y" : "ies") +
                                          " whose draws are all equal (or not all finite).");
  if (r.tree_depth_hits > 0)
    r.warnings.push_back(std::to_string(r.tree_depth_hits) + " of " + std::to_string(r.transitions) +
                         " transitions after warmup (" + percent(r.tree_depth_hits, r.transitions) +
                         "%) reached the maximum tree depth of " + std::to_string(r.max_tree_depth) +
                         ": those trajectories were cut short, which costs efficiency, not validity. Increase "
                         "--max-depth, or reparameterize to make the posterior rounder.");
  int low_ebfmi = 0, lowest_chain = 0;
  for (std::size_t c = 0; c < r.ebfmi.size(); ++c)
    if (r.ebfmi[c] < kEbfmiWarn) {
      if (low_ebfmi == 0 || r.ebfmi[c] < r.ebfmi[lowest_chain]) lowest_chain = static_cast<int>(c);
      ++low_ebfmi;
    }
  if (low_ebfmi > 0)
    r.warnings.push_back("E-BFMI is below " + fmt(kEbfmiWarn, "%.1f") + " in " + std::to_string(low_ebfmi) + " of " +
                         std::to_string(r.ebfmi.size()) + " chains (lowest " + fmt(r.ebfmi[lowest_chain], "%.3f") +
                         ", chain " + std::to_string(lowest_chain + 1) +
                         "): the momentum resampling moves through the energy levels slowly (heavy tails, or "
                         "a funnel), so the draws may not reach the posterior's tails. Reparameterize.");
  if (r.divergences > 0)
    r.warnings.push_back(std::to_string(r.divergences) + " of " + std::to_string(r.transitions) +
                         " transitions after warmup were divergent (" +
                         percent(r.divergences, r.transitions) +
                         "%): the sampler could not follow the posterior's geometry there, so the draws may "
                         "be biased. Try a higher --target-accept, or a reparameterization (e.g. a non-centered one "
                         "for a hierarchical model).");
  return r;
}

bool writes_independent_draws(const std::string& algorithm) {
  return algorithm == "vi" || algorithm == "npe" || algorithm == "abc" || algorithm == "smc-abc";
}

void mark_independent_draws(SummaryReport& r, int n_draws, const std::string& algorithm, double effective_draws) {
  r.independent_draws = n_draws;
  r.independent_source = algorithm;
  r.effective_draws = effective_draws > 0 && effective_draws < n_draws ? effective_draws : n_draws;
  for (SummaryRow& row : r.rows) {
    row.rhat = std::numeric_limits<double>::quiet_NaN();
    row.nested_rhat = std::numeric_limits<double>::quiet_NaN();
    row.ess_bulk = row.ess_tail = r.effective_draws;
    row.mcse_mean = row.sd / std::sqrt(r.effective_draws);
  }
  std::vector<std::string> kept;
  for (const std::string& w : r.warnings)
    if (w.rfind("R-hat", 0) != 0 && w.rfind("Nested R-hat", 0) != 0 && w.rfind("Bulk or tail", 0) != 0) kept.push_back(w);
  r.warnings = kept;
}

void print_summary(std::ostream& os, const SummaryReport& r) {
  std::size_t width = 8;
  for (const auto& row : r.rows) width = std::max(width, row.name.size());
  char line[512];
  const bool nested = r.superchains > 0;
  // mcse: the Monte Carlo standard error of the mean (stansummary's MCSE column; the JSON has
  // mcse_sd too).
  std::snprintf(line, sizeof line, "%-*s %10s %9s %10s %10s %10s %10s %9s %9s %7s", static_cast<int>(width), "",
                "mean", "mcse", "sd", "5%", "50%", "95%", "ess_bulk", "ess_tail", "r_hat");
  os << line << (nested ? " nested_r_hat\n" : "\n");
  for (const auto& row : r.rows) {
    std::snprintf(line, sizeof line, "%-*s %10s %9s %10s %10s %10s %10s %9s %9s %7s", static_cast<int>(width),
                  row.name.c_str(), fmt(row.mean, "%.4g").c_str(), fmt(row.mcse_mean, "%.2g").c_str(),
                  fmt(row.sd, "%.4g").c_str(),
                  fmt(row.q5, "%.4g").c_str(), fmt(row.q50, "%.4g").c_str(), fmt(row.q95, "%.4g").c_str(),
                  fmt(row.ess_bulk, "%.0f").c_str(), fmt(row.ess_tail, "%.0f").c_str(),
                  fmt(row.rhat, "%.3f").c_str());
    os << line;
    if (nested) {
      std::snprintf(line, sizeof line, " %12s", fmt(row.nested_rhat, "%.3f").c_str());
      os << line;
    }
    os << "\n";
  }
  if (r.independent_draws > 0 && r.effective_draws < r.independent_draws)
    os << "\n" << r.independent_draws << " draws resampled from a weighted sample (" << r.independent_source
       << "): no R-hat (it compares Markov chains), ESS = " << fmt(r.effective_draws, "%.0f")
       << " (the weights' effective sample size)\n";
  else if (r.independent_draws > 0)
    os << "\n" << r.independent_draws << " independent draws (" << r.independent_source
       << "): no R-hat (it compares Markov chains), ESS = " << r.independent_draws << "\n";
  else if (r.counts_divergences)
    os << "\nDivergences: " << r.divergences << " of " << r.transitions << " transitions after warmup\n";
  for (const auto& w : r.warnings) os << "Warning: " << w << "\n";
}

void write_summary_json(const std::string& path, const SummaryReport& r, const RunInfo& info,
                        const std::vector<std::pair<std::string, double>>& facts) {
  auto num = [](double x) -> nlohmann::json { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(); };
  nlohmann::ordered_json j;
  j["model"] = info.model;
  j["algorithm"] = info.algorithm;
  j["seed"] = info.seed;
  j["superchains"] = r.superchains > 0 ? nlohmann::json(r.superchains) : nlohmann::json();
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  for (const auto& row : r.rows) {
    nlohmann::ordered_json p;
    p["mean"] = num(row.mean);
    p["sd"] = num(row.sd);
    p["q5"] = num(row.q5);
    p["q50"] = num(row.q50);
    p["q95"] = num(row.q95);
    p["mcse_mean"] = num(row.mcse_mean);
    p["mcse_sd"] = num(row.mcse_sd);
    p["ess_bulk"] = num(row.ess_bulk);
    p["ess_tail"] = num(row.ess_tail);
    p["r_hat"] = num(row.rhat);
    p["nested_rhat"] = num(row.nested_rhat);
    params[row.name] = p;
  }
  j["parameters"] = params;
  // null where the draws have no divergent__ (vi, abc, npe): no check was made
  j["divergences"] = r.counts_divergences ? nlohmann::json(r.divergences) : nlohmann::json();
  j["transitions"] = r.counts_divergences ? nlohmann::json(r.transitions) : nlohmann::json();
  j["max_tree_depth"] = r.max_tree_depth > 0 ? nlohmann::json(r.max_tree_depth) : nlohmann::json();
  j["max_tree_depth_hits"] = r.max_tree_depth > 0 ? nlohmann::json(r.tree_depth_hits) : nlohmann::json();
  nlohmann::json e = nlohmann::json::array();
  for (double v : r.ebfmi) e.push_back(num(v));
  j["ebfmi"] = r.ebfmi.empty() ? nlohmann::json() : e;
  for (const auto& f : facts) {
    const double x = f.second;  // counts (chains, draws) as integers, times as numbers, NaN as null
    j[f.first] = std::isfinite(x) && std::floor(x) == x && std::fabs(x) < 9e15 ? nlohmann::json(static_cast<long long>(x)) : num(x);
  }
  j["gradient_evaluations"] = info.gradient_evaluations;
  j["warnings"] = r.warnings;
  io::AtomicFile file(path);
  file.write(j.dump(1) + "\n");
  file.commit();
}

}  // namespace cli
}  // namespace lockstep
