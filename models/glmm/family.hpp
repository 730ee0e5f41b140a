#pragma once
// The glmm response families and their canonical links (device part: the log-likelihood of one
// row and its derivative in the linear predictor; host part: checking the response).
//
//   family     link   y_n given eta_n                          log p(y_n | eta_n) (+ const in y)
//   gaussian   id     normal(eta_n, sigma)                     -(y - eta)^2 / (2 sigma^2) - log sigma
//   bernoulli  logit  bernoulli(inv_logit(eta_n)), y in {0,1}  y eta - log(1 + e^eta)
//   binomial   logit  binomial(n_n, inv_logit(eta_n))          y eta - n log(1 + e^eta)
//   poisson    log    poisson(exp(eta_n))                      y eta - e^eta
//
// The binomial: log C(n, y) + y log p + (n - y) log(1 - p) with p = e^eta / (1 + e^eta), so
// log p = eta - log(1 + e^eta) and log(1 - p) = -log(1 + e^eta): y eta - n log(1 + e^eta), and
// d/deta = y - n inv_logit(eta). Bernoulli is the binomial with n = 1 (one code path; the trials
// are then all 1). The Poisson: y log mu - mu - log y! with mu = e^eta: y eta - e^eta, and
// d/deta = y - e^eta. The constants log C(n, y) and -log y! do not depend on the parameters.
#include <cmath>
#include <string>
#include <vector>

#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"

namespace lockstep {
namespace models {
namespace glmm {

/// How the kernels see the family (bernoulli runs as the binomial with one trial per row).
enum Family : int { kGaussian = 0, kBinomial = 1, kPoisson = 2 };

/// The families by name, as --family takes them.
inline const std::vector<std::string>& family_names() {
  static const std::vector<std::string> names = {"gaussian", "bernoulli", "binomial", "poisson"};
  return names;
}

inline int family_kind(const std::string& name) {
  if (name == "gaussian") return kGaussian;
  if (name == "poisson") return kPoisson;
  return kBinomial;  // bernoulli, binomial
}

inline const char* family_link(const std::string& name) {
  return name == "gaussian" ? "identity" : name == "poisson" ? "log" : "logit";
}

/// log p(y | eta) of one row of a discrete family (up to a constant in y) and e = d/deta.
/// `trials`: the binomial's n (1 for the Bernoulli; not read by the Poisson).
template <int kFamily, class T>
LS_HD LS_INLINE T discrete_row_log_lik(Real y, Real trials, const T& eta, T& e) {
  if constexpr (kFamily == kBinomial) {
    e = y - trials * m::inv_logit(eta);
    return y * eta - trials * m::log1p_exp(eta);
  } else {
    const T mu = m::exp(eta);
    e = y - mu;
    return y * eta - mu;
  }
}

/// Why the value of a response (or trials) cell is not allowed under the family; empty if it
/// is. `trials` < 0: no trials column (every family but the binomial).
inline std::string response_problem(const std::string& family, double y, double trials) {
  const bool integer = std::floor(y) == y;
  if (family == "bernoulli") {
    if (!(y == 0 || y == 1)) return "the bernoulli family needs a response of 0 or 1";
  } else if (family == "poisson") {
    if (!integer || y < 0) return "the poisson family needs a non-negative integer count";
  } else if (family == "binomial") {
    if (!integer || y < 0) return "the binomial family needs a non-negative integer number of successes";
    if (y > trials) return "more successes than trials";
  }
  return "";
}

inline std::string trials_problem(double n) {
  if (!(std::floor(n) == n) || n < 0) return "the number of trials must be a non-negative integer";
  return "";
}

}  // namespace glmm
}  // namespace models
}  // namespace lockstep
