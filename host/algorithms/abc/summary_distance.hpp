#pragma once
// `--statistics model` for both ABC samplers: the distance compares the model's own summary
// statistics s(x) (kernels/sbi/adjustment_statistics.hpp's contract: the peak model's fit,
// normal_mean's sample mean) instead of every raw value (`--statistics identity`, the default).
// With 50 observations of a normal mean the raw values' distance is dominated by noise that
// says nothing about the mean, and ABC's posterior stays near sd 1/sqrt(N) * 1.6 at any budget;
// the sample mean is sufficient, and the ABC posterior approaches the exact one.
//
// Each statistic is scaled by its median absolute deviation over a pilot of prior-predictive
// simulations (pyABC's adaptive distance on summary statistics, computed once from the prior):
// scale_j = median_i |s_j(x_i) - median_i s_j(x_i)| over simulations 0 .. M - 1, M =
// min(10^4, N), simulated once more outside the --sims budget (as abc_common.hpp's pilot for
// the raw values); a zero or non-finite MAD falls back to 1.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "host/algorithms/abc/abc_common.hpp"
#include "host/backend/lanes.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/prior_simulations.hpp"
#include "kernels/sbi/adjustment_statistics.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

/// --statistics identity (false, the default) or model (true).
inline bool abc_model_statistics_flag(const AlgorithmOptions& o) {
  return o.get_choice("--statistics", "identity", {"identity", "model"}) == "model";
}

/// The device side of the distance on summary statistics; n_s = 0: identity statistics.
struct SummaryDistanceBuffers {
  int n_s = 0;
  backend::DeviceVector<double> observed, inv_scale, scratch;

  /// The lanes' view, with scratch rows for `lanes` simulations.
  sbi::SummaryDistance view(std::int64_t lanes) {
    sbi::SummaryDistance v;
    if (n_s == 0) return v;
    const std::size_t need = static_cast<std::size_t>(lanes) * static_cast<std::size_t>(n_s);
    if (scratch.size() < need) scratch = backend::DeviceVector<double>(need);
    v.observed = backend::raw(observed);
    v.inv_scale = backend::raw(inv_scale);
    v.scratch = backend::raw(scratch);
    v.n_s = n_s;
    return v;
  }
};

/// Fills `out` for --statistics model (nothing when !wanted): the observed statistics and the
/// pilot's scales; `source` says what the distance compares. InputError naming the flag when the
/// model has no statistics of its own, or the observed data's are not finite.
template <class Model>
void prepare_summary_distance(const Loaded<Model>& m, bool wanted, std::uint64_t seed, std::int64_t n_sims,
                              const std::vector<double>& observed, const std::vector<double>& inv_scale,
                              SummaryDistanceBuffers& out, std::string& source, const std::string& command) {
  out.n_s = 0;
  if (!wanted) return;
  if constexpr (!traits::has_adjustment_statistics<Model>::value) {
    (void)seed, (void)n_sims, (void)observed, (void)inv_scale, (void)source;
    throw InputError("--statistics model: model '" + Model::info().name +
                     "' defines no summary statistics of its own (n_adjustment_statistics and adjustment_statistics: "
                     "kernels/sbi/adjustment_statistics.hpp); --statistics identity compares every simulated value");
  } else {
    const int n_x = m.model.n_simulated(m.data), n_s = m.model.n_adjustment_statistics(m.data);
    const backend::DeviceVector<Real> obs(observed.begin(), observed.end()), inv(inv_scale.begin(), inv_scale.end());
    // the observed data's statistics, computed where a simulation's are
    backend::DeviceVector<double> s_obs(static_cast<std::size_t>(n_s));
    sbi::ObservedStatistics<Model> o{m.model, m.data, backend::raw(obs), backend::raw(inv), backend::raw(s_obs), n_x};
    backend::launch_lanes(1, o, 100 * n_s);
    const std::vector<double> observed_s = backend::to_host(s_obs);
    for (int j = 0; j < n_s; ++j)
      if (!std::isfinite(observed_s[j]))
        throw InputError(command + " --statistics model: the observed data's summary statistic " + std::to_string(j + 1) +
                         " is not finite");
    // the pilot: prior-predictive simulations 0 .. M - 1 and their statistics
    const std::int64_t pilot = std::min<std::int64_t>(n_sims, 10000);
    const PriorSimulations sims = simulate_prior_predictive(m, seed, 0, pilot);
    const backend::DeviceVector<Real> x(sims.x.begin(), sims.x.end());
    backend::DeviceVector<double> s(static_cast<std::size_t>(sims.n) * n_s);
    sbi::RowStatistics<Model> f{m.model, m.data, backend::raw(x), backend::raw(inv), backend::raw(s), n_x, n_s};
    backend::launch_lanes(static_cast<int>(sims.n), f, static_cast<std::ptrdiff_t>(sims.n) * 100 * n_s);
    const std::vector<double> scale_inv =
        inverse_mads(backend::to_host(s), sims.n, n_s, [&sims](std::int64_t i) { return prior_simulation_finite(sims, i); });
    out.n_s = n_s;
    out.observed = backend::DeviceVector<double>(observed_s.begin(), observed_s.end());
    out.inv_scale = backend::DeviceVector<double>(scale_inv.begin(), scale_inv.end());
    source = "the model's " + std::to_string(n_s) + " summary statistic" + (n_s == 1 ? "" : "s") +
             " (--statistics model), each over its prior-predictive MAD of " + std::to_string(pilot) +
             " pilot simulations, outside the --sims budget";
  }
}

/// The distance's scales for a run: with --statistics model the statistics' (into `summary`), and
/// the raw values' are not needed (ones: every kernel then compares statistics), so their pilot is
/// not simulated; else abc_inverse_scale's, checked against the observed data. Fills r's
/// scale_source and statistics.
template <class Model>
std::vector<double> abc_distance_scales(const Loaded<Model>& m, bool model_statistics, std::uint64_t seed,
                                        std::int64_t n_sims, const std::vector<double>& observed,
                                        SummaryDistanceBuffers& summary, AbcResult& r, const std::string& command) {
  std::vector<double> inv_scale(observed.size(), 1.0);
  if (model_statistics) {
    prepare_summary_distance(m, true, seed, n_sims, observed, inv_scale, summary, r.scale_source, command);
  } else {
    inv_scale = abc_inverse_scale(m, seed, n_sims, r.scale_source);
    abc_check_observed_distance(observed, inv_scale, command);
  }
  r.statistics = summary.n_s;
  return inv_scale;
}

}  // namespace lockstep
