#pragma once
// Adam (Kingma & Ba 2015, "Adam: a method for stochastic optimization", ICLR, algorithm 1) on
// one scalar, as gradient ASCENT (ChEES-HMC maximizes its criterion):
//
//   m_t = b1 m_{t-1} + (1 - b1) g_t,      v_t = b2 v_{t-1} + (1 - b2) g_t^2
//   step_t = lr * (m_t / (1 - b1^t)) / (sqrt(v_t / (1 - b2^t)) + eps)       x <- x + step_t
//
// ChEES-HMC (Hoffman, Radul & Sountsov 2021, section 3.2) adapts log T with Adam at learning
// rate 0.025; its reference implementation (TFP's GradientBasedTrajectoryLengthAdaptation)
// uses b1 = 0 (no momentum) and b2 = 0.95, the defaults here.
#include <cmath>
#include <vector>

#include "kernels/core/config.hpp"

namespace lockstep {
namespace adapt {

constexpr double kAdamBeta1 = 0.0;     // TFP ChEES: no first-moment averaging
constexpr double kAdamBeta2 = 0.95;    // TFP ChEES: 1 - 0.05
constexpr double kAdamEpsilon = 1e-20; // guards a zero second moment (TFP)

struct AdamState {
  double m = 0;  // first moment
  double v = 0;  // second moment
  double t = 0;  // updates so far
};

/// The moments of n parameters that are always updated together (one update count, so one pair
/// of bias corrections), kept as two arrays so that Adam::update is one vectorized loop.
struct AdamMoments {
  std::vector<double> m, v;  // first and second moments
  double t = 0;              // updates so far
  explicit AdamMoments(int n = 0) : m(static_cast<std::size_t>(n), 0.0), v(static_cast<std::size_t>(n), 0.0) {}
};

struct Adam {
  double learning_rate = 0.025;
  double beta1 = kAdamBeta1;
  double beta2 = kAdamBeta2;
  double epsilon = kAdamEpsilon;

  /// The bias corrections (1 - b1^t, 1 - b2^t) of update t: the same for every parameter
  /// updated together, so a caller with many computes them once per update.
  struct Corrections {
    double first, second;
  };
  Corrections corrections(double t) const { return {1 - std::pow(beta1, t), 1 - std::pow(beta2, t)}; }

  /// One update with gradient g; returns the (ascent) step to add to the parameter.
  double step(AdamState& s, double g) const { return step(s, g, corrections(s.t + 1)); }

  /// The same with the corrections of update s.t + 1 given.
  double step(AdamState& s, double g, const Corrections& c) const {
    s.t += 1;
    s.m = beta1 * s.m + (1 - beta1) * g;
    s.v = beta2 * s.v + (1 - beta2) * g * g;
    const double m_hat = s.m / c.first;
    const double v_hat = s.v / c.second;
    return learning_rate * m_hat / (std::sqrt(v_hat) + epsilon);
  }

  /// One update of every parameter of s with gradients g: x[k] += step_k, step() element by
  /// element except that the bias corrections multiply by their reciprocals (one division
  /// and one square root per parameter instead of three and one: divisions bound this loop),
  /// which moves a step by an ulp or so.
  void update(AdamMoments& s, const double* g, double* x) const {
    s.t += 1;
    const Corrections c = corrections(s.t);
    const int n = static_cast<int>(s.m.size());
    double* m = s.m.data();
    double* v = s.v.data();
    const double b1 = beta1, b2 = beta2, eps = epsilon;
    const double lr_first = learning_rate / c.first, inv_second = 1 / c.second;
    LS_IVDEP
    for (int k = 0; k < n; ++k) {
      m[k] = b1 * m[k] + (1 - b1) * g[k];
      v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k];
      x[k] += lr_first * m[k] / (std::sqrt(v[k] * inv_second) + eps);
    }
  }
};

}  // namespace adapt
}  // namespace lockstep
