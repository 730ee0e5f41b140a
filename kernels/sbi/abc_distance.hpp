#pragma once
// ABC's lanes: a simulation and its distance to the observed data, without keeping the data set.
//
// Distance (a weighted Euclidean norm of the identity summary statistics; pyABC's PNormDistance
// with p = 2 and weights 1 / scale_k):
//   rho(x, x_obs) = sqrt( sum_k ((x_k - x_obs_k) / scale_k)^2 ),
// inv_scale_k = 1 / scale_k given by the host (the model's known scale, or the prior-predictive
// MAD). A simulation with a non-finite value, or a theta outside the prior's support, has
// distance NaN (never accepted; the host counts them).
//
// With --statistics model the lanes compare the model's own summary statistics instead
// (SummaryDistance: s = adjustment_statistics(x), kernels/sbi/adjustment_statistics.hpp's
// contract), rho = sqrt( sum_j ((s_j(x) - s_j(x_obs)) / scale_j)^2 ) with scale_j their
// prior-predictive MAD (host/algorithms/abc/summary_distance.hpp): ABC with a sufficient or
// near-sufficient statistic instead of every raw value.
//
// Random numbers: simulation g of generation t uses Rng{seed, g} at iteration t:
//   generation 0 (rejection ABC, SMC-ABC's prior population): prior_draw (kInit) then simulate
//     (kSimulate) at iteration 0, as kernels/sbi/prior_simulation.hpp (the same numbers);
//   generation t >= 1 (SMC-ABC's proposals): the ancestor's uniform and the perturbation's
//     normals from kAbcPropose, then simulate (kSimulate) at iteration t.
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/strided.hpp"

namespace lockstep {
namespace traits {

/// A model's own summary statistics: n_adjustment_statistics(const Data&) and
/// adjustment_statistics(const Data&, const Real* x, double* out) (kernels/sbi/adjustment_statistics.hpp).
template <class M, class = void>
struct has_adjustment_statistics : std::false_type {};
template <class M>
struct has_adjustment_statistics<
    M, std::void_t<decltype(std::declval<const M&>().n_adjustment_statistics(std::declval<const typename M::Data&>())),
                   decltype(std::declval<const M&>().adjustment_statistics(
                       std::declval<const typename M::Data&>(), std::declval<const Real*>(), std::declval<double*>()))>>
    : std::true_type {};

}  // namespace traits

namespace sbi {

/// The stream of SMC-ABC's ancestor choice (number 0) and perturbation normals (1 .. n_theta).
constexpr Stream kAbcPropose = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 1);

/// rho(x, x_obs) for one simulated row; NaN when a term is not finite. The squares go into 4
/// partial sums (term k into sum k mod 4, added as (s0 + s1) + (s2 + s3) at the end): one
/// running sum is a chain of n_x dependent additions, ~4 cycles each, which was a tenth of a
/// 40-point simulation's time; 4 sums are one vector register's worth of independent chains.
LS_HD LS_INLINE double abc_distance(const Real* x, const Real* observed, const Real* inv_scale, int n_x) {
  double part[4] = {0, 0, 0, 0};
  int k = 0;
  for (; k + 4 <= n_x; k += 4)
    for (int j = 0; j < 4; ++j) {
      const double e = (static_cast<double>(x[k + j]) - static_cast<double>(observed[k + j])) *
                       static_cast<double>(inv_scale[k + j]);
      part[j] += e * e;
    }
  for (int j = 0; k < n_x; ++k, ++j) {
    const double e = (static_cast<double>(x[k]) - static_cast<double>(observed[k])) * static_cast<double>(inv_scale[k]);
    part[j] += e * e;
  }
  const double s = (part[0] + part[1]) + (part[2] + part[3]);
  return (s == s && s < HUGE_VAL) ? sqrt(s) : NAN;
}

/// sqrt(sum_j ((s_j - s_obs_j) inv_scale_j)^2) over n_s statistics in double; NaN when a term is
/// not finite.
LS_HD LS_INLINE double statistics_distance(const double* s, const double* s_obs, const double* inv_scale, int n_s) {
  double sum = 0;
  for (int j = 0; j < n_s; ++j) {
    const double e = (s[j] - s_obs[j]) * inv_scale[j];
    sum += e * e;
  }
  return (sum == sum && sum < HUGE_VAL) ? sqrt(sum) : NAN;
}

/// The distance on the model's summary statistics (--statistics model); n_s = 0: the identity
/// statistics (abc_distance), the default.
struct SummaryDistance {
  const double* observed = nullptr;   // [n_s] s(x_obs)
  const double* inv_scale = nullptr;  // [n_s] 1 / the statistics' prior-predictive MAD
  double* scratch = nullptr;          // [lanes][n_s] each lane's statistics
  int n_s = 0;
};

/// The distance of lane i's simulated data set x: on the model's statistics when `summary`
/// asks for them (and the model has them), else abc_distance's.
template <class Model>
LS_HD LS_INLINE double simulation_distance(const Model& model, const typename Model::Data& data, const Real* x,
                                           const Real* observed, const Real* inv_scale, int n_x,
                                           const SummaryDistance& summary, int i) {
  if constexpr (traits::has_adjustment_statistics<Model>::value) {
    if (summary.n_s > 0) {
      double* s = summary.scratch + static_cast<std::int64_t>(i) * summary.n_s;
      model.adjustment_statistics(data, x, s);
      return statistics_distance(s, summary.observed, summary.inv_scale, summary.n_s);
    }
  }
  (void)model, (void)data, (void)summary, (void)i;
  return abc_distance(x, observed, inv_scale, n_x);
}

/// Rejection ABC / generation 0: lane i draws theta_g from the prior (g = first + i), simulates
/// into its scratch row and writes theta row i and distance i.
template <class Model>
struct PriorDistance {
  Model model;
  typename Model::Data data;
  const Real* observed = nullptr;   // [n_x]
  const Real* inv_scale = nullptr;  // [n_x]
  Real* theta = nullptr;            // [n][n_theta]
  Real* scratch = nullptr;          // [n][n_x]
  double* distance = nullptr;       // [n]
  int n_theta = 0, n_x = 0;
  std::uint64_t seed = 0, first = 0;
  SummaryDistance summary;          // --statistics model (n_s > 0)

  LS_HD void operator()(int i) const {
    const Rng rng{seed, static_cast<std::uint32_t>(first + static_cast<std::uint64_t>(i))};
    Real* x = scratch + static_cast<std::int64_t>(i) * n_x;
    const Dense<Real> t{theta + static_cast<std::int64_t>(i) * n_theta};
    model.prior_draw(data, rng, 0, t);
    model.simulate(data, t, rng, 0, Dense<Real>{x});
    distance[i] = simulation_distance(model, data, x, observed, inv_scale, n_x, summary, i);
  }
};

/// SMC-ABC generation t >= 1, proposal g = first + i: ancestor j with probability W_j (the
/// inverse of the cumulative weights at u_0), theta = theta_j + L z (L: the lower Cholesky
/// factor of the perturbation covariance, z_k = normal k + 1), simulated when its log prior is
/// finite (simulated[i] = 1), else distance NaN and simulated[i] = 0.
template <class Model>
struct PerturbedDistance {
  Model model;
  typename Model::Data data;
  const Real* observed = nullptr;    // [n_x]
  const Real* inv_scale = nullptr;   // [n_x]
  const Real* population = nullptr;  // [n_particles][n_theta] previous generation
  const double* cumulative = nullptr;  // [n_particles] cumulative normalized weights (last = 1)
  const double* chol = nullptr;      // [n_theta][n_theta] lower triangular, row-major
  Real* theta = nullptr;             // [n][n_theta]
  Real* scratch = nullptr;           // [n][n_x]
  double* distance = nullptr;        // [n]
  unsigned char* simulated = nullptr;  // [n]
  int n_theta = 0, n_x = 0, n_particles = 0;
  std::uint64_t seed = 0, first = 0, generation = 0;
  SummaryDistance summary;           // --statistics model (n_s > 0)

  LS_HD void operator()(int i) const {
    const Rng rng{seed, static_cast<std::uint32_t>(first + static_cast<std::uint64_t>(i))};
    const double u = uniform(rng, generation, kAbcPropose, 0);
    int lo = 0, hi = n_particles - 1;  // the first j with cumulative[j] > u
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      if (cumulative[mid] > u)
        hi = mid;
      else
        lo = mid + 1;
    }
    const Real* anc = population + static_cast<std::int64_t>(lo) * n_theta;
    Real* t = theta + static_cast<std::int64_t>(i) * n_theta;
    for (int a = 0; a < n_theta; ++a) t[a] = anc[a];
    for (int b = 0; b < n_theta; ++b) {
      const double z = normal(rng, generation, kAbcPropose, static_cast<std::uint32_t>(b + 1));
      for (int a = b; a < n_theta; ++a) t[a] += static_cast<Real>(chol[a * n_theta + b] * z);
    }
    const Dense<Real> tv{t};
    const double lp = static_cast<double>(model.log_prior(data, tv));
    if (!(lp > -HUGE_VAL)) {
      simulated[i] = 0;
      distance[i] = NAN;
      return;
    }
    simulated[i] = 1;
    Real* x = scratch + static_cast<std::int64_t>(i) * n_x;
    model.simulate(data, tv, rng, generation, Dense<Real>{x});
    distance[i] = simulation_distance(model, data, x, observed, inv_scale, n_x, summary, i);
  }
};

/// SMC-ABC's importance weight of new particle i (Beaumont et al. 2009, eq. 3):
///   log w_i = log prior(theta_i) - log sum_j W_j N(theta_i | theta_j, Sigma)   (+ const)
/// with the previous generation's normalized weights W_j and Sigma = L L^T; the Gaussian's
/// normalizing constant is the same for every i and dropped. log-sum-exp over j.
template <class Model>
struct KernelMixtureWeight {
  Model model;
  typename Model::Data data;
  const Real* particles = nullptr;   // [n][n_theta] new generation
  const Real* previous = nullptr;    // [n_prev][n_theta]
  const double* log_weight_prev = nullptr;  // [n_prev] log W_j (normalized)
  const double* chol = nullptr;      // [n_theta][n_theta] lower triangular L
  double* log_weight = nullptr;      // [n] output
  int n_theta = 0, n_prev = 0;

  LS_HD void operator()(int i) const {
    const Real* t = particles + static_cast<std::int64_t>(i) * n_theta;
    double m = -HUGE_VAL, s = 0;  // running log-sum-exp
    for (int j = 0; j < n_prev; ++j) {
      const Real* p = previous + static_cast<std::int64_t>(j) * n_theta;
      // Solve L v = (t - p) by forward substitution; the exponent is -|v|^2 / 2.
      double q = 0;
      double v[kMaxAbcDim];
      for (int a = 0; a < n_theta; ++a) {
        double r = static_cast<double>(t[a]) - static_cast<double>(p[a]);
        for (int b = 0; b < a; ++b) r -= chol[a * n_theta + b] * v[b];
        v[a] = r / chol[a * n_theta + a];
        q += v[a] * v[a];
      }
      const double e = log_weight_prev[j] - 0.5 * q;
      if (e > m) {
        s = s * exp(m - e) + 1;
        m = e;
      } else {
        s += exp(e - m);
      }
    }
    const Dense<Real> tv{const_cast<Real*>(t)};
    log_weight[i] = static_cast<double>(model.log_prior(data, tv)) - (m + log(s));
  }
  static constexpr int kMaxAbcDim = 64;
};

}  // namespace sbi
}  // namespace lockstep
