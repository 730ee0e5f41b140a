#pragma once
// What rejection ABC and SMC-ABC share: the observed data, the distance's per-value scale, the
// count flags, and the result the commands report (the schedule of generations).
//
// Distance scale (kernels/sbi/abc_distance.hpp divides each difference by scale_k):
//   the model's known scale (Loaded::sbi_scale, e.g. the peak model's y_err), else the
//   median absolute deviation of the value over a pilot of prior-predictive simulations
//   (pyABC's AdaptivePNormDistance with its MAD scale, computed once from the prior:
//   scale_k = median_i |x_ik - median_i x_ik| over simulations 0 .. M-1, M = min(10^4, N); a
//   zero or non-finite MAD falls back to 1).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "host/run/algorithm_options.hpp"
#include "host/run/improper_prior.hpp"
#include "host/run/prior_simulations.hpp"
#include "models/contract/data_source.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

/// One generation of an ABC run (rejection ABC has one, generation 0).
struct AbcGeneration {
  int generation = 0;
  double epsilon = 0;           // acceptance threshold (rejection ABC: the K-th distance or --epsilon)
  double acceptance_rate = 0;   // accepted / simulated in this generation
  std::int64_t simulations = 0;  // simulations run in this generation (the non-finite included)
  std::int64_t total_simulations = 0;  // since the start
  std::int64_t non_finite = 0;  // simulations with a non-finite value (dropped)
  double ess = 0;               // effective sample size of the weights, (sum w)^2 / sum w^2
  bool complete = true;         // false: the budget ran out before the population was full
};

/// What an ABC run reports besides its draws (the commands pass a pointer in the config).
struct AbcResult {
  std::vector<AbcGeneration> schedule;
  std::int64_t simulations = 0;  // all simulations run
  std::int64_t non_finite = 0;   // of which non-finite (dropped)
  std::int64_t proposals_outside_prior = 0;  // SMC-ABC proposals not simulated (log prior -inf)
  double epsilon = 0;            // the final population's threshold
  std::string stop_reason;       // SMC-ABC: why it stopped
  std::string scale_source;      // "model" or "prior-predictive MAD of P pilot simulations, ..."
  std::string adjustment;        // --adjust: what was done ("none" when not asked for)
  int statistics = 0;            // --statistics model: how many of the model's summary statistics the distance compares
  std::int64_t resumed_at = 0;   // simulations run before a checkpoint this run resumed from
  std::vector<std::string> warnings;  // one line each, for the command to print
  double effective_draws = 0;    // Kish's ESS of the weighted sample the draws are resampled from
  double seconds = 0;
};

/// An integer count flag written plainly or as 1e6; InputError naming the flag unless it is a
/// whole number in [min_value, 2^32).
inline std::int64_t abc_count_flag(const AlgorithmOptions& o, const std::string& flag, double fallback,
                                   double min_value) {
  const double v = o.get_real(flag, fallback);
  if (!(v >= min_value) || v != std::floor(v) || v >= 4294967296.0)
    throw InputError(flag + ": must be a whole number from " + std::to_string(static_cast<long long>(min_value)) +
                     " to 2^32 - 1, found " + o.get_text(flag, std::to_string(fallback)));
  return static_cast<std::int64_t>(v);
}

/// --adjust linear (the default: Beaumont et al. 2002's regression adjustment, host/algorithms/
/// abc/regression_adjustment.hpp) or none; true for linear.
inline bool abc_adjust_flag(const AlgorithmOptions& o) { return o.get_choice("--adjust", "linear", {"linear", "none"}) == "linear"; }

/// The observed data in simulate()'s layout; InputError when the model gives none or its size
/// is not the simulator's.
template <class Model>
std::vector<double> abc_observed(const Loaded<Model>& m, const std::string& command) {
  const int n_x = m.model.n_simulated(m.data);
  if (m.sbi_observed.empty())
    throw InputError(command + ": model '" + Model::info().name + "' gives no observed data set to compare simulations with");
  if (static_cast<int>(m.sbi_observed.size()) != n_x)
    throw InputError(command + ": the observed data has " + std::to_string(m.sbi_observed.size()) +
                     " values but the simulator returns " + std::to_string(n_x));
  for (std::size_t k = 0; k < m.sbi_observed.size(); ++k)
    if (!std::isfinite(m.sbi_observed[k]))
      throw InputError(command + ": observed value " + std::to_string(k + 1) + " is not finite");
  return m.sbi_observed;
}

/// InputError when the prior cannot be drawn from (host/run/improper_prior.hpp): simulation
/// 0's parameters are not finite.
template <class Model>
void abc_check_prior_draws(const Loaded<Model>& m, std::uint64_t seed, const std::string& command) {
  refuse_improper_prior(simulate_prior_predictive(m, seed, 0, 1).theta, m.names, command);
}

/// InputError when the observed data alone puts the distance out of range: sum_k (x_obs_k /
/// scale_k)^2 must be finite, or every simulation's distance would be (and be blamed on the
/// simulator).
inline void abc_check_observed_distance(const std::vector<double>& observed, const std::vector<double>& inv_scale,
                                        const std::string& command) {
  double sum = 0;
  for (std::size_t k = 0; k < observed.size(); ++k) {
    const double z = observed[k] * inv_scale[k];
    sum += z * z;
    if (!std::isfinite(sum))
      throw InputError(command + ": observed value " + std::to_string(k + 1) + " (" +
                       DataSource::format_number(observed[k]) + ") over its scale (" +
                       DataSource::format_number(1 / inv_scale[k]) + ") is too large: the squared distance overflows");
  }
}

/// The median of v (v is reordered).
inline double abc_median(std::vector<double>& v) {
  const std::size_t n = v.size(), h = n / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h), v.end());
  const double hi = v[h];
  if (n % 2) return hi;
  return 0.5 * (hi + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h)));
}

/// The median absolute deviation of v, median_i |v_i - median v| (v is overwritten).
inline double abc_mad(std::vector<double>& v) {
  const double med = abc_median(v);
  for (double& x : v) x = std::fabs(x - med);
  return abc_median(v);
}

/// 1 / the MAD of each of the k columns of `rows` ([n][k]) over the rows `row_ok` keeps and
/// their finite values; 1 where fewer than 2 values remain or the MAD is 0 or not finite.
template <class RowOk>
std::vector<double> inverse_mads(const std::vector<double>& rows, std::int64_t n, int k, RowOk row_ok) {
  std::vector<double> inv(static_cast<std::size_t>(k), 1.0), col;
  for (int j = 0; j < k; ++j) {
    col.clear();
    for (std::int64_t i = 0; i < n; ++i) {
      const double v = rows[static_cast<std::size_t>(i) * k + j];
      if (row_ok(i) && std::isfinite(v)) col.push_back(v);
    }
    if (col.size() < 2) continue;
    const double mad = abc_mad(col);
    inv[j] = mad > 0 && std::isfinite(mad) ? 1 / mad : 1.0;
  }
  return inv;
}

/// 1 / scale_k (see the file comment); `source` says which scale was used.
template <class Model>
std::vector<double> abc_inverse_scale(const Loaded<Model>& m, std::uint64_t seed, std::int64_t n_sims,
                                      std::string& source) {
  const int n_x = m.model.n_simulated(m.data);
  std::vector<double> inv(static_cast<std::size_t>(n_x), 1.0);
  if (!m.sbi_scale.empty()) {
    if (static_cast<int>(m.sbi_scale.size()) != n_x)
      throw InputError("model '" + Model::info().name + "': its distance scale has " + std::to_string(m.sbi_scale.size()) +
                       " values but the simulator returns " + std::to_string(n_x));
    for (int k = 0; k < n_x; ++k) inv[k] = m.sbi_scale[k] > 0 && std::isfinite(m.sbi_scale[k]) ? 1 / m.sbi_scale[k] : 1.0;
    source = "model";
    return inv;
  }
  const std::int64_t pilot = std::min<std::int64_t>(n_sims, 10000);
  const PriorSimulations s = simulate_prior_predictive(m, seed, 0, pilot);
  inv = inverse_mads(s.x, s.n, n_x, [&s](std::int64_t i) { return prior_simulation_finite(s, i); });
  // The pilot is the run's own first simulations (keys 0 .. pilot - 1) simulated once more,
  // outside the --sims budget: said in the source, which the command prints and records.
  source = "prior-predictive MAD of " + std::to_string(pilot) + " pilot simulations, outside the --sims budget";
  return inv;
}

}  // namespace lockstep
