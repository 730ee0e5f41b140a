#pragma once
// Test-only targets with the ensemble contract (models/peak.hpp): exact answers known.
//   GammaTarget:   x ~ Gamma(shape k, rate 1) on x > 0 (1-d); E[x^2] = k (k + 1).
//   GaussianTarget: x ~ N(mu, Sigma) with P = Sigma^-1 (data from models/gaussian.hpp's loader).
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/contract/model_args.hpp"
#include "kernels/core/batch.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/box.hpp"
#include "models/gaussian.hpp"
#include "models/contract/model_info.hpp"
#include "tests/hmc/memory_data_source.hpp"
#include "host/registry/model_entry.hpp"

namespace lockstep {
namespace testing {

/// x ~ Gamma(2, 1): log p(x) = log x - x on x > 0, -inf elsewhere (a select).
struct GammaTarget {
  struct Data {
    int unused;
  };
  LS_HD int dim(const Data&) const { return 1; }
  LS_HD int n_out(const Data&) const { return 1; }

  LS_HD static Real one(Real x) { return x > Real(0) ? m::log(x) - x : neg_inf(); }
  template <int W>
  LS_HD static Batch<W> one(const Batch<W>& x) {
    Batch<W> r;
    for (int w = 0; w < W; ++w) r.v[w] = one(x.v[w]);
    return r;
  }
  template <class V>
  LS_HD auto log_density_constrained(const Data&, V theta) const -> typename V::value_type {
    return one(theta[0]);
  }
  /// An exact Gamma(2, 1) draw: the sum of two standard exponentials.
  template <class V>
  LS_HD void prior_draw(const Data&, const Rng& rng, std::uint64_t iteration, V theta) const {
    theta[0] = static_cast<Real>(exponential(rng, iteration, Stream::kInit, 0) +
                                 exponential(rng, iteration, Stream::kInit, 1));
  }
  static ModelInfo info() {
    ModelInfo i;
    i.name = "test_gamma2";
    return i;
  }
};

inline Loaded<GammaTarget> load_gamma() {
  Loaded<GammaTarget> m;
  m.data.unused = 0;
  m.names = {"x"};
  return m;
}

/// N(mu, Sigma) on the constrained scale = the whole space; prior draws N(0, 2^2 I) (only a
/// starting spread).
struct GaussianTarget {
  using Data = models::GaussianData;
  LS_HD int dim(const Data& d) const { return d.N; }
  LS_HD int n_out(const Data& d) const { return d.N; }

  template <class V>
  LS_HD auto log_density_constrained(const Data& d, V x) const -> typename V::value_type {
    using T = typename V::value_type;
    T q = Real(0);
    for (int i = 0; i < d.N; ++i) {
      const Real* row = d.P + static_cast<std::ptrdiff_t>(i) * d.N;
      T s = Real(0);
      for (int j = 0; j < d.N; ++j) s += row[j] * (x[j] - d.mu[j]);
      q += (x[i] - d.mu[i]) * s;
    }
    return Real(-0.5) * q;
  }
  template <class V>
  LS_HD void prior_draw(const Data& d, const Rng& rng, std::uint64_t iteration, V x) const {
    for (int i = 0; i < d.N; ++i)
      x[i] = static_cast<Real>(2.0 * normal(rng, iteration, Stream::kInit, static_cast<std::uint32_t>(i)));
  }
  static ModelInfo info() {
    ModelInfo i;
    i.name = "test_gaussian";
    return i;
  }
};

/// The correlated 5-d Gaussian of the ensemble tests.
inline const std::vector<double>& gaussian5_mu() {
  static const std::vector<double> mu = {1.0, -2.0, 0.5, 3.0, 0.0};
  return mu;
}
inline const std::vector<double>& gaussian5_sigma() {
  // sd (1, 2, 0.5, 1.5, 3), correlations up to 0.8 (a symmetric positive definite matrix)
  static const std::vector<double> s = [] {
    const double sd[5] = {1.0, 2.0, 0.5, 1.5, 3.0};
    const double r[5][5] = {{1.0, 0.8, -0.3, 0.2, 0.0},
                            {0.8, 1.0, -0.2, 0.4, 0.1},
                            {-0.3, -0.2, 1.0, 0.0, 0.5},
                            {0.2, 0.4, 0.0, 1.0, -0.6},
                            {0.0, 0.1, 0.5, -0.6, 1.0}};
    std::vector<double> out(25);
    for (int i = 0; i < 5; ++i)
      for (int j = 0; j < 5; ++j) out[i * 5 + j] = r[i][j] * sd[i] * sd[j];
    return out;
  }();
  return s;
}

inline Loaded<GaussianTarget> load_gaussian5() {
  MemoryDataSource src;
  src.fields["N"] = {5};
  src.fields["mu"] = gaussian5_mu();
  src.fields["Sigma"] = gaussian5_sigma();
  ModelArgs args("gaussian", {}, &src);
  const Loaded<models::Gaussian> g = load_typed<models::Gaussian>(args);
  Loaded<GaussianTarget> m;
  m.data = g.data;
  m.store = args.store();
  m.names = g.names;
  return m;
}

}  // namespace testing
}  // namespace lockstep
