#pragma once
// Radon written by hand (the comparison for the glmm's general density, bench/glmm_radon.cpp):
//   log_radon_n ~ normal(a + b floor_n + sd z_{county_n}, sigma),  z ~ normal(0, 1),
//   a, b ~ normal(0, 10), sd, sigma ~ half-normal(0, 1),
// unconstrained q = (a, b, log sd, log sigma, z[J]) — the glmm's order for
// "log_radon ~ 1 + floor + (1 | county)", so that the two give the same log density.
#include <cmath>
#include <string>
#include <vector>

#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_args.hpp"
#include "models/contract/model_info.hpp"

namespace bench_models {

using lockstep::Real;

struct RadonHandwritten {
  struct Data {
    int N, J;
    const Real* y;
    const Real* floor;
    const int* county;  // 0-based
  };
  LS_HD int dim(const Data& d) const { return 4 + d.J; }
  LS_HD int n_out(const Data& d) const { return 4 + d.J; }

  template <class V, class G>
  LS_HD auto log_density_and_grad(const Data& d, V q, G g) const -> typename V::value_type {
    using T = typename V::value_type;
    namespace m = lockstep::m;
    const T a = q[0], b = q[1], u = q[2], v = q[3];
    const T sd = m::exp(u), sigma = m::exp(v), iv = m::exp(Real(-2) * v);
    for (int j = 0; j < d.J; ++j) g[4 + j] = T(Real(0));
    T ga = Real(0), gb = Real(0), sse = Real(0);
    for (int n = 0; n < d.N; ++n) {
      const int c = d.county[n];
      const T res = d.y[n] - (a + b * d.floor[n] + sd * q[4 + c]);
      sse += res * res;
      const T e = res * iv;
      ga += e;
      gb += e * d.floor[n];
      g[4 + c] += e;
    }
    T zz = Real(0), zg = Real(0);
    for (int j = 0; j < d.J; ++j) {
      const T z = q[4 + j], gr = g[4 + j];
      zz += z * z;
      zg += z * gr;
      g[4 + j] = sd * gr - z;
    }
    g[0] = ga - a * Real(0.01);
    g[1] = gb - b * Real(0.01);
    g[2] = sd * zg - sd * sd + Real(1);
    g[3] = sse * iv - Real(d.N) - sigma * sigma + Real(1);
    return Real(-0.5) * (sse * iv + zz + Real(0.01) * (a * a + b * b) + sd * sd + sigma * sigma) - Real(d.N) * v + u + v;
  }

  template <class V, class O>
  LS_HD void write_out(const Data& d, V q, O out) const {
    namespace m = lockstep::m;
    out[0] = q[0];
    out[1] = q[1];
    out[2] = m::exp(q[2]);
    out[3] = m::exp(q[3]);
    for (int j = 0; j < d.J; ++j) out[4 + j] = out[2] * q[4 + j];
  }

  static std::vector<double> unconstrain(const lockstep::Loaded<RadonHandwritten>& m, const std::vector<double>& o) {
    std::vector<double> q = {o.at(0), o.at(1), std::log(o.at(2)), std::log(o.at(3))};
    for (int j = 0; j < m.data.J; ++j) q.push_back(o.at(4 + j) / o.at(2));
    return q;
  }

  static lockstep::ModelInfo info() {
    lockstep::ModelInfo i;
    i.name = "radon_handwritten";
    i.summary = "radon, varying intercepts, written by hand (benchmark comparison for glmm)";
    return i;
  }

  static lockstep::Loaded<RadonHandwritten> load(lockstep::ModelArgs& args) {
    const lockstep::DataSource& src = args.data();
    const long N = src.positive_int("N"), J = src.positive_int("J");
    lockstep::Loaded<RadonHandwritten> out;
    out.data.N = static_cast<int>(N);
    out.data.J = static_cast<int>(J);
    out.data.y = args.upload(src.reals_of_size("log_radon", N));
    out.data.floor = args.upload(src.reals_of_size("floor_measure", N));
    std::vector<long> c = src.get_ints("county_idx");
    for (long& x : c) x -= 1;
    out.data.county = args.upload_ints(c);
    out.names = {"b_Intercept", "b_floor", "sd_county__Intercept", "sigma"};
    for (int j = 1; j <= J; ++j) out.names.push_back("r_county[" + std::to_string(j) + ",Intercept]");
    return out;
  }
};

}  // namespace bench_models
