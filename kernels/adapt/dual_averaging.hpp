#pragma once
// Dual averaging of the log step size toward a target acceptance statistic
// (Nesterov 2009; Hoffman & Gelman 2014, JMLR 15, section 3.2, algorithm 5), with Stan's
// constants and update order (stan/mcmc/stepsize_adaptation.hpp).
//
//   s_bar_t = (1 - 1/(t + t0)) s_bar_{t-1} + (delta - a_t)/(t + t0)
//   x_t     = mu - sqrt(t)/gamma * s_bar_t,          step = exp(x_t)
//   x_bar_t = t^-kappa x_t + (1 - t^-kappa) x_bar_{t-1}
// with a_t capped at 1 and mu = log(10 * step_0) after every restart. At the end of warmup
// the step size is exp(x_bar).
//
// LS_HD: the same update runs per chain inside a lane, or once on the host when
// adaptation statistics are pooled across chains.
#include <cmath>

#include "kernels/core/config.hpp"

namespace lockstep {
namespace adapt {

constexpr double kDualAveragingGamma = 0.05;  // Hoffman & Gelman 2014, section 3.2
constexpr double kDualAveragingT0 = 10.0;     // ibid.
constexpr double kDualAveragingKappa = 0.75;  // ibid.

struct DualAveragingState {
  double mu = 0;     // shrinkage point, log(10 * step_0)
  double s_bar = 0;  // running mean of (delta - accept_stat)
  double x_bar = 0;  // averaged log step size
  double counter = 0;
};

struct DualAveraging {
  double delta = 0.8;  // target acceptance statistic
  double gamma = kDualAveragingGamma;
  double t0 = kDualAveragingT0;
  double kappa = kDualAveragingKappa;

  LS_HD static void restart(DualAveragingState& s, double step_size) {
    s.mu = ::log(10.0 * step_size);
    s.s_bar = 0;
    s.x_bar = 0;
    s.counter = 0;
  }

  /// One update with the transition's acceptance statistic; returns the new step size.
  LS_HD double update(DualAveragingState& s, double accept_stat) const {
    s.counter += 1;
    const double a = accept_stat > 1 ? 1.0 : accept_stat;
    const double eta = 1.0 / (s.counter + t0);
    s.s_bar = (1.0 - eta) * s.s_bar + eta * (delta - a);
    const double x = s.mu - s.s_bar * ::sqrt(s.counter) / gamma;
    const double x_eta = ::pow(s.counter, -kappa);
    s.x_bar = (1.0 - x_eta) * s.x_bar + x_eta * x;
    return ::exp(x);
  }

  /// The step size used after warmup.
  LS_HD static double final_step_size(const DualAveragingState& s) { return ::exp(s.x_bar); }
};

}  // namespace adapt
}  // namespace lockstep
