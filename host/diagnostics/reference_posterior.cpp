#include "host/diagnostics/reference_posterior.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "host/core/json_no_duplicates.hpp"
#include "host/diagnostics/convergence.hpp"
#include "host/core/input_file.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace diagnostics {

ReferencePosterior load_reference_posterior(const std::string& path, const std::string& what) {
  std::string text;
  try {
    text = io::read_input_file(path, "a reference JSON file");
  } catch (const InputError& e) {
    throw InputError(what + ": " + e.what());
  }
  nlohmann::ordered_json j;
  try {
    j = parse_json_no_duplicates<nlohmann::ordered_json>(text, what);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(what + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  if (!j.is_object() || j.empty())
    throw InputError(what + ": expected an object {\"param\": {\"mean\": m, \"sd\": s}, ...}");
  ReferencePosterior out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    // Keys starting with "__" are the file's metadata ("__source": where the numbers came
    // from, as the shipped data/reference files record), not parameters.
    if (it.key().compare(0, 2, "__") == 0) continue;
    const auto& v = it.value();
    if (!v.is_object() || !v.contains("mean") || !v.contains("sd") || !v["mean"].is_number() || !v["sd"].is_number())
      throw InputError(what + ": parameter '" + it.key() + "' needs numbers \"mean\" and \"sd\"");
    ReferenceParameter r;
    r.mean = v["mean"].get<double>();
    r.sd = v["sd"].get<double>();
    if (v.contains("mcse_mean") && v["mcse_mean"].is_number()) r.mcse_mean = v["mcse_mean"].get<double>();
    if (v.contains("n_draws") && v["n_draws"].is_number()) r.n_draws = v["n_draws"].get<double>();
    if (!std::isfinite(r.mean) || !(r.sd > 0) || !std::isfinite(r.sd))
      throw InputError(what + ": parameter '" + it.key() + "' needs a finite mean and a positive sd");
    out.push_back({it.key(), r});
  }
  return out;
}

std::string ReferenceComparison::message() const {
  if (!found) return name + ": not a parameter of the draws";
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%s: mean %.6g vs reference %.6g, gap %.3g %s bound %.3g; sd %.6g vs reference %.6g, gap %.3g %s "
                "bound %.3g (R-hat %.4f, ess_bulk %.0f)",
                name.c_str(), summary.mean, reference.mean, mean_gap, mean_ok() ? "<=" : "> (FAILED)", mean_bound,
                summary.sd, reference.sd, sd_gap, sd_ok() ? "<=" : "> (FAILED)", sd_bound, summary.rhat,
                summary.ess_bulk);
  return buf;
}

std::vector<ReferenceComparison> compare_with_reference(const DrawSet& draws, const ReferencePosterior& reference,
                                                        double k) {
  std::vector<ReferenceComparison> out;
  for (const auto& kv : reference) {
    ReferenceComparison c;
    c.name = kv.first;
    c.reference = kv.second;
    const int p = draws.param_index(kv.first);
    if (p >= 0) {
      c.found = true;
      const Chains x = chains_of(draws, p);
      const Summary& s = c.summary = summarize(x);
      const ReferenceParameter& r = kv.second;
      c.mean_gap = std::fabs(s.mean - r.mean);
      c.mean_bound = k * std::hypot(s.mcse_mean, r.mcse_mean);
      const double mcse_sd_ref = r.n_draws > 0 ? r.sd * (s.mcse_sd / s.sd) * std::sqrt(ess_sd(x) / r.n_draws) : 0.0;
      c.sd_gap = std::fabs(s.sd - r.sd);
      c.sd_bound = k * std::hypot(s.mcse_sd, mcse_sd_ref);
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace diagnostics
}  // namespace lockstep
