#pragma once
// The Gaussian variational families of ADVI (Kucukelbir et al. 2017, JMLR 18(14), sections 2.4
// and 2.5) on the model's unconstrained space R^d, their parameters, entropy and the
// reparameterization gradient of the ELBO.
//
// Parameters theta of one fit (all unconstrained, so that Adam can move them freely):
//   mean-field: theta = (mu[d], omega[d]),            q = N(mu, diag(exp(omega))^2)
//   full-rank:  theta = (mu[d], lower triangle of L row by row, d(d+1)/2 values, whose diagonal
//               entries are stored as their logs: L_ii = exp(l_ii)),      q = N(mu, L L^T)
// The log diagonal keeps L a valid Cholesky factor (Stan stores L directly and uses |L_ii|).
//
// ELBO(theta) = E_eta[ log p(mu + L eta) ] + H[q],  eta ~ N(0, I_d),
//   H[q] = d/2 (1 + log 2 pi) + sum_i log L_ii                 (log L_ii = omega_i or l_ii).
// With S points eta_s and g_s = grad log p(zeta_s), zeta_s = mu + L eta_s, the estimator
// F(theta) = 1/S sum_s log p(zeta_s) + H has the exact gradient (the reparameterization
// gradient, Kucukelbir et al. eqs. 8-10 and the full-rank analogues of section 2.5):
//   dF/dmu_i    = 1/S sum_s g_si
//   dF/domega_i = 1/S sum_s g_si eta_si exp(omega_i) + 1
//   dF/dL_ij    = 1/S sum_s g_si eta_sj                         (i > j)
//   dF/dl_ii    = 1/S sum_s g_si eta_si L_ii + 1
// tests/vi/vi_gradient_test.cpp checks it against finite differences of F at fixed eta.
#include <cmath>
#include <string>
#include <vector>

#include "kernels/core/config.hpp"
#include "kernels/core/vmath.hpp"

namespace lockstep {
namespace vi {

enum class Family { kMeanField, kFullRank };

inline const char* family_name(Family f) { return f == Family::kFullRank ? "fullrank" : "meanfield"; }

/// Number of parameters theta of one fit.
inline int n_family_params(Family f, int d) { return f == Family::kFullRank ? d + d * (d + 1) / 2 : 2 * d; }

/// Offset in theta of the lower-triangle entry (i, j), j <= i, of a full-rank fit.
inline int tri_index(int d, int i, int j) { return d + i * (i + 1) / 2 + j; }

/// The factor the kernel reads (kernels/vi/vi_points.hpp): sd[d] (mean-field) or L[d][d]
/// row-major with zeros above the diagonal (full-rank).
inline void factor_of(Family f, int d, const double* theta, double* factor) {
  if (f == Family::kMeanField) {
    // vm::exp (kernels/core/vmath.hpp, < 1 ulp): the loop vectorizes (ivdep: the build does
    // not version loops for aliasing); it runs every step.
    LS_IVDEP
    for (int i = 0; i < d; ++i) factor[i] = vm::exp(theta[d + i]);
    return;
  }
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j)
      factor[i * d + j] = j < i ? theta[tri_index(d, i, j)] : j == i ? vm::exp(theta[tri_index(d, i, i)]) : 0.0;
}

/// sum_i log L_ii: log det L.
inline double log_det_factor(Family f, int d, const double* theta) {
  double s = 0;
  for (int i = 0; i < d; ++i) s += f == Family::kMeanField ? theta[d + i] : theta[tri_index(d, i, i)];
  return s;
}

constexpr double kLog2Pi = 1.8378770664093454836;

/// H[q] = d/2 (1 + log 2 pi) + log det L.
inline double entropy(Family f, int d, const double* theta) {
  return 0.5 * d * (1.0 + kLog2Pi) + log_det_factor(f, d, theta);
}

/// log q(zeta) at zeta = mu + L eta: -|eta|^2/2 - d/2 log 2 pi - log det L.
template <class T>
double log_q(Family f, int d, const double* theta, const T* eta) {
  double ss = 0;
  for (int i = 0; i < d; ++i) ss += static_cast<double>(eta[i]) * static_cast<double>(eta[i]);
  return -0.5 * ss - 0.5 * d * kLog2Pi - log_det_factor(f, d, theta);
}

/// Starting parameters: mu given, every sd `sd0` (omega = log sd0; L = sd0 I).
inline std::vector<double> initial_params(Family f, int d, const std::vector<double>& mu, double sd0 = 1.0) {
  std::vector<double> theta(n_family_params(f, d), 0.0);
  for (int i = 0; i < d; ++i) theta[i] = mu[i];
  for (int i = 0; i < d; ++i) theta[f == Family::kMeanField ? d + i : tri_index(d, i, i)] = std::log(sd0);
  return theta;
}

/// The gradient of F (above) from S points: eta and g are [S][d] (the points of this fit).
/// Writes n_family_params values into `out`.
template <class T>
void elbo_gradient(Family f, int d, const double* theta, int S, const T* eta, const T* g, double* out) {
  const int n = n_family_params(f, d);
  for (int k = 0; k < n; ++k) out[k] = 0;
  for (int s = 0; s < S; ++s) {
    const T* e = eta + static_cast<long>(s) * d;
    const T* gs = g + static_cast<long>(s) * d;
    LS_IVDEP
    for (int i = 0; i < d; ++i) out[i] += gs[i];
    if (f == Family::kMeanField) {
      LS_IVDEP
      for (int i = 0; i < d; ++i) out[d + i] += static_cast<double>(gs[i]) * e[i];
    } else {
      for (int i = 0; i < d; ++i)
        for (int j = 0; j <= i; ++j) out[tri_index(d, i, j)] += static_cast<double>(gs[i]) * e[j];
    }
  }
  for (int k = 0; k < n; ++k) out[k] /= S;
  if (f == Family::kMeanField) {
    LS_IVDEP
    for (int i = 0; i < d; ++i) out[d + i] = out[d + i] * vm::exp(theta[d + i]) + 1.0;
    return;
  }
  for (int i = 0; i < d; ++i) {
    const int at = f == Family::kMeanField ? d + i : tri_index(d, i, i);
    out[at] = out[at] * vm::exp(theta[at]) + 1.0;  // chain rule through exp, plus dH/dlog L_ii = 1
  }
}

/// The approximation's marginal means and sds on the unconstrained space (sd_i = |row i of L|).
inline void marginals(Family f, int d, const double* theta, std::vector<double>& mean, std::vector<double>& sd) {
  mean.assign(theta, theta + d);
  sd.assign(d, 0.0);
  std::vector<double> L(static_cast<std::size_t>(f == Family::kFullRank ? d * d : d));
  factor_of(f, d, theta, L.data());
  for (int i = 0; i < d; ++i) {
    if (f == Family::kMeanField) {
      sd[i] = L[i];
    } else {
      double s = 0;
      for (int j = 0; j <= i; ++j) s += L[i * d + j] * L[i * d + j];
      sd[i] = std::sqrt(s);
    }
  }
}

}  // namespace vi
}  // namespace lockstep
