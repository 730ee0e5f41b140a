#pragma once
// The worked example of docs/model_contract.md (the test checks that the document shows this
// file verbatim): a normal sample with unknown mean and scale.
//
//   y_n ~ N(mu, sigma),  n = 1..N;   mu ~ N(0, 10);   sigma ~ half-normal(0, 5).
//
// Unconstrained parameters q = (mu, u = log sigma). With S = sum_n (y_n - mu)^2 and the
// log-Jacobian log |d sigma / d u| = u:
//
//   log p(q) = -mu^2 / 200 - sigma^2 / 50 + u - N u - S / (2 sigma^2)        (+ const)
//   d/d mu   = -mu / 100 + sum_n (y_n - mu) / sigma^2
//   d/d u    = -sigma^2 / 25 + 1 - N + S / sigma^2
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

namespace example {

using lockstep::Real;

struct NormalScale {
  struct Data {
    int N;
    const Real* y;  // [N], uploaded by load()
  };

  LS_HD int dim(const Data&) const { return 2; }
  LS_HD int n_out(const Data&) const { return 2; }

  template <class V, class G>
  LS_HD auto log_density_and_grad(const Data& d, V q, G g) const -> typename V::value_type {
    using T = typename V::value_type;  // Real, or Batch<W> for a SIMD block of chains
    const T mu = q[0], u = q[1];
    const T sigma = lockstep::m::exp(u);
    const T inv_var = lockstep::m::exp(Real(-2) * u);
    T s = Real(0), r = Real(0);
    for (int n = 0; n < d.N; ++n) {
      const T e = d.y[n] - mu;
      r += e;
      s += e * e;
    }
    g[0] = -mu * Real(0.01) + r * inv_var;
    g[1] = -sigma * sigma * Real(0.04) + Real(1 - d.N) + s * inv_var;
    return -mu * mu * Real(0.005) - sigma * sigma * Real(0.02) + Real(1 - d.N) * u - Real(0.5) * s * inv_var;
  }

  /// Outputs (mu, sigma).
  template <class V, class O>
  LS_HD void write_out(const Data&, V q, O out) const {
    out[0] = q[0];
    out[1] = lockstep::m::exp(q[1]);
  }

  /// Posterior predictive: y_rep_n = mu + sigma z_n, z_n from the kGenerated stream.
  LS_HD int n_generated(const Data& d) const { return d.N; }
  template <class V, class O>
  LS_HD void generated_quantities(const Data& d, V q, const lockstep::Rng& rng, std::uint64_t iteration,
                                  O out) const {
    const Real mu = q[0], sigma = lockstep::m::exp(q[1]);
    for (int n = 0; n < d.N; ++n)
      out[n] = mu + sigma * static_cast<Real>(lockstep::normal(rng, iteration, lockstep::Stream::kGenerated,
                                                               static_cast<std::uint32_t>(n)));
  }

  /// (mu, sigma) -> (mu, log sigma); host only.
  static std::vector<double> unconstrain(const lockstep::Loaded<NormalScale>&, const std::vector<double>& out) {
    if (!(out.at(1) > 0))
      throw lockstep::InputError("sigma: initial value must be positive, found " + std::to_string(out.at(1)));
    return {out.at(0), std::log(out.at(1))};
  }

  static lockstep::ModelInfo info() {
    lockstep::ModelInfo i;
    i.name = "normal_scale";
    i.summary = "y ~ N(mu, sigma); mu ~ N(0, 10), sigma ~ half-normal(0, 5)";
    i.data_fields = {{"N", "number of observations"}, {"y", "observations, length N"}};
    i.parameters = "mu, sigma";
    return i;
  }

  static lockstep::Loaded<NormalScale> load(lockstep::ModelArgs& args) {
    const lockstep::DataSource& src = args.data();
    const long N = src.positive_int("N");
    lockstep::Loaded<NormalScale> out;
    const std::vector<double> y = src.reals_of_size("y", N);
    out.data.N = static_cast<int>(N);
    out.data.y = args.upload(y);
    out.names = {"mu", "sigma"};
    out.generated_names = lockstep::indexed_names("y_rep", static_cast<int>(N));
    out.observed_name = "y";  // what y_rep replicates: `sample --predict` needs both
    out.observed = y;
    return out;
  }
};

}  // namespace example
