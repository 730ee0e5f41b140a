#pragma once
// Bayesian logistic regression with two predictors: a model defined OUTSIDE lockstep's source
// tree, against the installed headers only (examples/custom_model/README.md).
//
//   y_n ~ Bernoulli(inv_logit(eta_n)),   eta_n = alpha + beta_1 x1_n + beta_2 x2_n,   n = 1..N,
//   alpha ~ N(0, s),  beta_1 ~ N(0, s),  beta_2 ~ N(0, s),   s = prior_sd (option, default 2.5).
//
// Parameters q = (alpha, beta_1, beta_2) are unconstrained: no transform, no Jacobian, and the
// outputs are q itself (kParametersUnconstrained).
//
// ---- log density (up to a constant) ---------------------------------------------------------
// With p_n = inv_logit(eta_n),
//   log Bernoulli(y | p) = y log p + (1 - y) log(1 - p)
//                        = y (log p - log(1 - p)) + log(1 - p)
//                        = y eta - log(1 + e^eta)            [log p - log(1-p) = eta,
//                                                             log(1 - p) = -log(1 + e^eta)]
// so
//   log p(q | y) = sum_n [ y_n eta_n - log1p_exp(eta_n) ] - (alpha^2 + beta_1^2 + beta_2^2) / (2 s^2).
// m::log1p_exp(eta) = log(1 + e^eta) is computed without overflow for large |eta| (it returns
// eta for large eta, e^eta for very negative eta), so the density stays finite wherever the
// linear predictor goes.
//
// ---- gradient (hand-derived) ----------------------------------------------------------------
//   d/d eta [ y eta - log(1 + e^eta) ] = y - e^eta / (1 + e^eta) = y - inv_logit(eta),
// and d eta_n / d(alpha, beta_1, beta_2) = (1, x1_n, x2_n), hence with r_n = y_n - inv_logit(eta_n)
//   d/d alpha  = sum_n r_n        - alpha  / s^2,
//   d/d beta_1 = sum_n r_n x1_n   - beta_1 / s^2,
//   d/d beta_2 = sum_n r_n x2_n   - beta_2 / s^2.
// `custom_lockstep check logistic_regression --data ...` compares this with finite differences.
//
// ---- data ------------------------------------------------------------------------------------
// A CSV file with columns x1, x2, y (one row per observation; the row count is N), or a JSON
// file with N, x1, x2, y. Every y must be 0 or 1; anything else is an InputError naming the
// file, the field and the value.
//
// ---- how the code is written -----------------------------------------------------------------
// log_density_and_grad is instantiated for V = Strided<Real>, Dense<Real> (T = Real: one chain)
// and BlockView<W> (T = Batch<W>: W chains at once, SIMD on the CPU backend). So the math is
// written once over T = typename V::value_type, with Real constants, the data as Real, and the
// m:: functions (m::log1p_exp, m::inv_logit), which exist for both Real and Batch<W>. No
// branches on T values. Data holds raw pointers returned by ModelArgs::upload() (device memory
// under CUDA): the Data struct and the model are copied into kernels and must be trivially
// copyable.
//
// The model also provides the ensemble contract (log_density_constrained, prior_draw), so that
// `custom_lockstep ensemble logistic_regression ...` works too; for this model the constrained
// and unconstrained parameters coincide.
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_args.hpp"
#include "models/contract/model_info.hpp"

struct LogisticRegressionData {
  int N;
  const lockstep::Real* x1;  // [N]
  const lockstep::Real* x2;  // [N]
  const lockstep::Real* y;   // [N], each 0 or 1
  lockstep::Real inv_prior_var;  // 1 / s^2
  lockstep::Real prior_sd;       // s (for prior_draw)
};

struct LogisticRegression {
  using Data = LogisticRegressionData;
  using Real = lockstep::Real;
  static constexpr int kDim = 3;  // alpha, beta_1, beta_2
  static constexpr bool kParametersUnconstrained = true;  // q = (alpha, beta_1, beta_2)

  LS_HD int dim(const Data&) const { return kDim; }
  LS_HD int n_out(const Data&) const { return kDim; }

  /// log p(q | y) up to a constant, and its gradient into g[0..2].
  template <class V, class G>
  LS_HD auto log_density_and_grad(const Data& d, V q, G g) const -> typename V::value_type {
    return log_posterior<true>(d, q, &g);
  }

  /// Outputs: the parameters themselves, (alpha, beta[1], beta[2]).
  template <class V, class O>
  LS_HD void write_out(const Data&, V q, O out) const {
    for (int i = 0; i < kDim; ++i) out[i] = q[i];
  }

  /// The ensemble contract: the density of the constrained parameters (here the same ones).
  template <class V>
  LS_HD auto log_density_constrained(const Data& d, V theta) const -> typename V::value_type {
    return log_posterior<false>(d, theta, static_cast<V*>(nullptr));
  }

  /// The ensemble contract: one prior draw per walker, alpha, beta_k = s z_k with z_k the
  /// standard normals k of (iteration, Stream::kInit).
  template <class V>
  LS_HD void prior_draw(const Data& d, const lockstep::Rng& rng, std::uint64_t iteration, V theta) const {
    for (int i = 0; i < kDim; ++i)
      theta[i] = static_cast<Real>(d.prior_sd * lockstep::normal(rng, iteration, lockstep::Stream::kInit,
                                                                 static_cast<std::uint32_t>(i)));
  }

  static lockstep::ModelInfo info() {
    lockstep::ModelInfo i;
    i.name = "logistic_regression";
    i.summary = "Logistic regression: y ~ Bernoulli(inv_logit(alpha + beta1 x1 + beta2 x2)) (examples/custom_model)";
    i.options = {{"prior_sd", "2.5", "prior scale s: alpha, beta_k ~ N(0, s) (positive)"}};
    i.data_fields = {{"N", "number of observations (positive integer; a CSV file gives it as its row count)"},
                     {"x1", "first predictor, one value per observation"},
                     {"x2", "second predictor, one value per observation"},
                     {"y", "outcome, 0 or 1, one value per observation"}};
    i.parameters = "alpha, beta[1], beta[2]";
    return i;
  }

  static lockstep::Loaded<LogisticRegression> load(lockstep::ModelArgs& args) {
    const double s = args.option_real("prior_sd", 2.5);
    if (!(s > 0)) throw lockstep::InputError("--set prior_sd: must be positive");
    const lockstep::DataSource& src = args.data();
    const long N = src.positive_int("N");  // a CSV file's row count (host/io/csv_data.hpp)
    const std::vector<double> x1 = src.reals_of_size("x1", N);
    const std::vector<double> x2 = src.reals_of_size("x2", N);
    const std::vector<double> y = src.reals_of_size("y", N);
    for (std::size_t n = 0; n < y.size(); ++n)
      if (y[n] != 0.0 && y[n] != 1.0)
        src.fail("y", "value " + std::to_string(n + 1) + " is " + lockstep::DataSource::format_number(y[n]) +
                          ", must be 0 or 1");
    lockstep::Loaded<LogisticRegression> out;
    out.data.N = static_cast<int>(N);
    out.data.x1 = args.upload(x1);
    out.data.x2 = args.upload(x2);
    out.data.y = args.upload(y);
    out.data.inv_prior_var = static_cast<Real>(1.0 / (s * s));
    out.data.prior_sd = static_cast<Real>(s);
    out.names = {"alpha", "beta[1]", "beta[2]"};
    return out;
  }

 private:
  /// The log posterior (formulas at the top); with kGrad also the gradient into (*g)[0..2].
  template <bool kGrad, class V, class G>
  static LS_HD auto log_posterior(const Data& d, V q, G* g) -> typename V::value_type {
    using T = typename V::value_type;
    const T alpha = q[0], b1 = q[1], b2 = q[2];
    T lp = Real(-0.5) * d.inv_prior_var * (alpha * alpha + b1 * b1 + b2 * b2);
    T r_sum = Real(0), r_x1 = Real(0), r_x2 = Real(0);
    for (int n = 0; n < d.N; ++n) {
      const T eta = alpha + b1 * d.x1[n] + b2 * d.x2[n];
      lp += d.y[n] * eta - lockstep::m::log1p_exp(eta);  // y eta - log(1 + e^eta)
      if constexpr (kGrad) {
        const T r = d.y[n] - lockstep::m::inv_logit(eta);  // y - inv_logit(eta)
        r_sum += r;
        r_x1 += r * d.x1[n];
        r_x2 += r * d.x2[n];
      }
    }
    if constexpr (kGrad) {
      (*g)[0] = r_sum - alpha * d.inv_prior_var;
      (*g)[1] = r_x1 - b1 * d.inv_prior_var;
      (*g)[2] = r_x2 - b2 * d.inv_prior_var;
    }
    return lp;
  }
};
