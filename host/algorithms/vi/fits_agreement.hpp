#pragma once
// Did the K fits reach the same optimum? Stan's stopping rule (vi_convergence.hpp) watches the
// ELBO's relative change, which can fall below --tol-rel-obj while the means still crawl along
// a ridge (a GLMM's intercept against its group effects: the ELBO changes by 1% per 100 steps,
// the intercept by a whole posterior sd). One fit cannot tell; fits from different starting
// points can: where they stopped far apart, at least one of them had not converged, or the
// posterior has several modes and they found different ones (a multimodal peak); either way
// the answer depends on the seed, and the warning names both causes.
//
// The check: for every fit f that did not fail and every unconstrained coordinate i,
//   |mu_f,i - mu_b,i| <= kAgreeSds * sd_b,i + kAgreeSteps * learning_rate,
// b the kept (best-ELBO) fit and sd_b,i its approximation's marginal sd (mean-field exp(omega_i);
// full-rank the norm of row i of L). The sds allow for fits that agree up to the posterior's own
// scale; the learning rate allows for Adam's constant-step jitter around a common optimum (a
// step moves a mean by at most about the learning rate), which is what narrow coordinates see.
#include <cmath>
#include <cstdio>
#include <string>

#include "host/algorithms/vi/vi_config.hpp"
#include "host/algorithms/vi/vi_family.hpp"

namespace lockstep {
namespace vi {

constexpr double kAgreeSds = 2.0;
constexpr double kAgreeSteps = 3.0;

/// Every coordinate's marginal sd under fit parameters theta: the factor's entries
/// (vi_family.hpp's factor_of), the row norms of L for a full-rank fit.
inline std::vector<double> marginal_sds(Family f, int d, const std::vector<double>& theta) {
  std::vector<double> factor(static_cast<std::size_t>(f == Family::kMeanField ? d : d * d)), sd(static_cast<std::size_t>(d));
  factor_of(f, d, theta.data(), factor.data());
  for (int i = 0; i < d; ++i) {
    if (f == Family::kMeanField) {
      sd[i] = factor[i];
      continue;
    }
    double s = 0;
    for (int j = 0; j <= i; ++j) s += factor[i * d + j] * factor[i * d + j];
    sd[i] = std::sqrt(s);
  }
  return sd;
}

/// Where fits farthest beyond the allowance disagree with the kept fit: empty when they agree
/// (or there is one fit), else one line for the run's warnings.
inline std::string fits_disagreement(const ViReport& r, double learning_rate) {
  const int K = static_cast<int>(r.theta.size()), d = r.dim, b = r.best_fit;
  if (K < 2) return "";
  const std::vector<double> sd = marginal_sds(r.family, d, r.theta[b]);
  double worst = 1.0;  // the gap over its allowance
  int wf = -1, wi = -1;
  for (int f = 0; f < K; ++f) {
    if (f == b || r.stop[f] == Stop::kFailed) continue;
    for (int i = 0; i < d; ++i) {
      const double allowed = kAgreeSds * sd[i] + kAgreeSteps * learning_rate;
      const double gap = std::fabs(r.theta[f][i] - r.theta[b][i]) / allowed;
      if (gap > worst) {
        worst = gap;
        wf = f;
        wi = i;
      }
    }
  }
  if (wf < 0) return "";
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "the fits did not reach the same optimum: on unconstrained coordinate %d, fit %d's mean is %.4g and "
                "the kept fit %d's %.4g (its sd %.3g), so the answer depends on the seed. Either a fit had not "
                "converged (raise --steps or lower --tol-rel-obj, 0 runs every step) or the posterior has more than "
                "one mode and the fits found different ones (a sampler, sample or ensemble, shows them); the ELBO "
                "trace (--elbo) tells which: flat traces at different levels are different optima",
                wi + 1, wf + 1, r.theta[wf][wi], b + 1, r.theta[b][wi], sd[wi]);
  return buf;
}

}  // namespace vi
}  // namespace lockstep
