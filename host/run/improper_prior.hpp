#pragma once
// A prior that cannot be drawn from (an improper one: the glmm's `flat`, whose prior_draw gives
// NaN) shows as non-finite parameters in a prior draw. The commands that need prior draws refuse
// it up front (sbc, abc, smc-abc: otherwise every simulation fails and the message blames the
// simulator); `lockstep check` reports it.
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "models/contract/input_error.hpp"

namespace lockstep {

/// The names of theta's non-finite entries, comma-separated ("" when the draw is proper);
/// a parameter without a name is its 1-based index.
inline std::string improper_prior_names(const std::vector<double>& theta, const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t p = 0; p < theta.size(); ++p)
    if (!std::isfinite(theta[p])) out += (out.empty() ? "" : ", ") + (p < names.size() ? names[p] : std::to_string(p + 1));
  return out;
}

/// InputError "COMMAND: the prior of NAMES cannot be drawn from (improper, e.g. flat); ..." when
/// the prior draw theta has non-finite entries.
inline void refuse_improper_prior(const std::vector<double>& theta, const std::vector<std::string>& names,
                                  const std::string& command) {
  const std::string improper = improper_prior_names(theta, names);
  if (!improper.empty())
    throw InputError(command + ": the prior of " + improper +
                     " cannot be drawn from (improper, e.g. flat); give proper priors (model options or flags)");
}

}  // namespace lockstep
