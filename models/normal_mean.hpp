#pragma once
// Normal mean with known standard deviation and a conjugate normal prior: the exact posterior
// that simulation-based inference (ABC, SMC-ABC, NPE) is validated against.
//
//   y_n ~ N(mu, sigma),  n = 1..N  (sigma known, from the data);   mu ~ N(mu0, tau0)
//   (options mu0, default 0, and tau0 > 0, default 1).
//
// Exact posterior (e.g. Gelman et al., BDA3, section 2.5):
//   mu | y ~ N(m_N, s_N),  1 / s_N^2 = 1 / tau0^2 + N / sigma^2,
//                          m_N = s_N^2 (mu0 / tau0^2 + sum_n y_n / sigma^2).
//
// No transform (q = mu). log p(mu | y) = -(mu - mu0)^2 / (2 tau0^2) - sum_n (y_n - mu)^2 / (2 sigma^2)
// (+ const), d/d mu = -(mu - mu0) / tau0^2 + sum_n (y_n - mu) / sigma^2.
// The simulator: y_n = mu + sigma z_n, z_n = normal(rng, iteration, kSimulate, n).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_args.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {
namespace models {

struct NormalMeanData {
  int N;
  const Real* y;  // [N]
  Real sigma;     // known sd of every y_n
  Real mu0, tau0;  // prior mean and sd
};

struct NormalMean {
  using Data = NormalMeanData;
  static constexpr bool kParametersUnconstrained = true;  // q = mu

  LS_HD int dim(const Data&) const { return 1; }
  LS_HD int n_out(const Data&) const { return 1; }

  template <class V, class G>
  LS_HD auto log_density_and_grad(const Data& d, V q, G g) const -> typename V::value_type {
    using T = typename V::value_type;
    const T mu = q[0];
    const Real inv_tau2 = Real(1) / (d.tau0 * d.tau0), inv_s2 = Real(1) / (d.sigma * d.sigma);
    const T dp = mu - d.mu0;
    T ss = Real(0), r = Real(0);
    for (int n = 0; n < d.N; ++n) {
      const T e = d.y[n] - mu;
      r += e;
      ss += e * e;
    }
    g[0] = -dp * inv_tau2 + r * inv_s2;
    return Real(-0.5) * (dp * dp * inv_tau2 + ss * inv_s2);
  }

  template <class V, class O>
  LS_HD void write_out(const Data&, V q, O out) const {
    out[0] = q[0];
  }

  /// mu = mu0 + tau0 z, z = normal(rng, iteration, kInit, 0).
  template <class V>
  LS_HD void prior_draw(const Data& d, const Rng& rng, std::uint64_t iteration, V theta) const {
    theta[0] = d.mu0 + d.tau0 * static_cast<Real>(normal(rng, iteration, Stream::kInit, 0));
  }

  /// log N(mu | mu0, tau0), normalized.
  template <class V>
  LS_HD auto log_prior(const Data& d, V theta) const -> typename V::value_type {
    using T = typename V::value_type;
    const T z = (theta[0] - d.mu0) / d.tau0;
    return Real(-0.5) * z * z - m::log(d.tau0) - Real(0.91893853320467274178);  // log sqrt(2 pi)
  }

  LS_HD int n_simulated(const Data& d) const { return d.N; }
  template <class V, class O>
  LS_HD void simulate(const Data& d, V theta, const Rng& rng, std::uint64_t iteration, O out) const {
    const Real mu = theta[0];
    for (int n = 0; n < d.N; ++n)
      out[n] = mu + d.sigma * static_cast<Real>(normal(rng, iteration, Stream::kSimulate, static_cast<std::uint32_t>(n)));
  }

  /// ABC's summary statistic (kernels/sbi/adjustment_statistics.hpp: `--statistics model`'s
  /// distance and `--adjust linear`'s regression): the sample mean, sufficient for mu (the
  /// likelihood depends on y only through it), so ABC on it approaches the exact posterior where
  /// the N raw values' distance cannot (its noise in the N - 1 other directions swamps the mean's).
  LS_HD int n_adjustment_statistics(const Data&) const { return 1; }
  LS_HD void adjustment_statistics(const Data& d, const Real* x, double* out) const {
    double sum = 0;
    for (int n = 0; n < d.N; ++n) sum += static_cast<double>(x[n]);
    out[0] = sum / d.N;
  }

  /// Posterior predictive (`--predict`): y_rep_n = mu + sigma z_n, z_n = normal(rng, iteration,
  /// kGenerated, n).
  LS_HD int n_generated(const Data& d) const { return d.N; }
  template <class V, class O>
  LS_HD void generated_quantities(const Data& d, V q, const Rng& rng, std::uint64_t iteration, O out) const {
    const Real mu = q[0];
    for (int n = 0; n < d.N; ++n)
      out[n] = mu + d.sigma * static_cast<Real>(normal(rng, iteration, Stream::kGenerated, static_cast<std::uint32_t>(n)));
  }

  /// Another observed data set of N values (device memory): `lockstep sbc`.
  LS_HD static void set_observed(Data& d, const Real* y) { d.y = y; }

  static ModelInfo info() {
    ModelInfo i;
    i.name = "normal_mean";
    i.summary = "Normal mean, known sd: y_n ~ N(mu, sigma), mu ~ N(mu0, tau0); exact conjugate posterior (SBI validation)";
    i.options = {{"mu0", "0", "prior mean of mu"}, {"tau0", "1", "prior sd of mu (positive)"}};
    i.data_fields = {{"N", "number of observations (positive integer)"},
                     {"y", "observations, length N"},
                     {"sigma", "known sd of every observation (positive; in a CSV file, a column repeating it)"}};
    i.parameters = "mu";
    return i;
  }

  static Loaded<NormalMean> load(ModelArgs& args) {
    const DataSource& src = args.data();
    const long N = src.positive_int("N");
    const std::vector<double> y = src.reals_of_size("y", N);
    // One sigma; a CSV file (one column per field) repeats it on every row.
    const std::vector<double> sigmas = src.get_reals("sigma");
    if (sigmas.empty()) src.fail("sigma", "expected one value, found none");
    const bool repeated = std::all_of(sigmas.begin(), sigmas.end(), [&](double v) { return v == sigmas[0]; });
    if (!repeated || (sigmas.size() != 1 && static_cast<long>(sigmas.size()) != N))
      src.fail("sigma", "expected one value (or, in a CSV column, the same value on all " + std::to_string(N) +
                            " rows), found " + std::to_string(sigmas.size()) + " values" + (repeated ? "" : " that differ"));
    const double sigma = sigmas[0];
    if (!(sigma > 0)) src.fail("sigma", "value 1 is " + DataSource::format_number(sigma) + ", must be positive");
    const double mu0 = args.option_real("mu0", 0.0);
    const double tau0 = args.option_real("tau0", 1.0);
    if (!(tau0 > 0)) throw InputError("--set tau0: must be positive, found " + DataSource::format_number(tau0));
    Loaded<NormalMean> out;
    out.data.N = static_cast<int>(N);
    out.data.y = args.upload(y);
    out.data.sigma = static_cast<Real>(sigma);
    out.data.mu0 = static_cast<Real>(mu0);
    out.data.tau0 = static_cast<Real>(tau0);
    out.names = {"mu"};
    out.generated_names = indexed_names("y_rep", static_cast<int>(N));
    out.observed_name = "y";
    out.observed = y;
    out.sbi_observed = y;
    return out;
  }
};

/// The exact posterior mean and sd of mu (see the file comment).
inline void normal_mean_posterior(const std::vector<double>& y, double sigma, double mu0, double tau0, double& mean,
                                  double& sd) {
  double sum = 0;
  for (double v : y) sum += v;
  const double precision = 1 / (tau0 * tau0) + static_cast<double>(y.size()) / (sigma * sigma);
  mean = (mu0 / (tau0 * tau0) + sum / (sigma * sigma)) / precision;
  sd = 1 / std::sqrt(precision);
}

}  // namespace models
}  // namespace lockstep
