#pragma once
// Neal's funnel (Neal 2003, "Slice sampling", Annals of Statistics 31(3), section 8):
//
//   v ~ N(0, 3),   x_i ~ N(0, exp(v/2)),   i = 1..dim-1.
//
// The scale of x varies by orders of magnitude with v: the neck (v << 0) needs tiny steps,
// the mouth (v >> 0) large ones, so a single step size cannot fit both — the textbook test
// of divergence detection. Unconstrained parameters q = (v, x_1..x_{dim-1}) (no transform):
//
//   log p = -v^2/18 - (dim-1) v/2 - exp(-v) S/2,   S = sum_i x_i^2   (+ const)
//   d/dv  = -v/9 - (dim-1)/2 + exp(-v) S/2,        d/dx_i = -exp(-v) x_i.
//
// Option `dim` (total dimension, default 10, at least 2). No data.
// Outputs: v, x[1..dim-1].
#include <string>
#include <vector>

#include "models/contract/model_args.hpp"
#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {
namespace models {

struct FunnelData {
  int dim;  // total dimension: v and dim - 1 x's
};

struct Funnel {
  using Data = FunnelData;
  static constexpr bool kParametersUnconstrained = true;  // no transform: q = x

  LS_HD int dim(const Data& d) const { return d.dim; }
  LS_HD int n_out(const Data& d) const { return d.dim; }

  template <class V, class G>
  LS_HD auto log_density_and_grad(const Data& d, V q, G g) const -> typename V::value_type {
    using T = typename V::value_type;
    const T v = q[0];
    const T inv_var = m::exp(-v);  // 1 / Var(x_i | v)
    T ss = Real(0);
    for (int i = 1; i < d.dim; ++i) {
      const T x = q[i];
      ss += x * x;
      g[i] = -inv_var * x;
    }
    const Real n = static_cast<Real>(d.dim - 1);
    const T half_ss_scaled = Real(0.5) * inv_var * ss;
    g[0] = -v * Real(1.0 / 9.0) - Real(0.5) * n + half_ss_scaled;
    return -v * v * Real(1.0 / 18.0) - Real(0.5) * n * v - half_ss_scaled;
  }

  /// Outputs (v, x_1..x_{dim-1}): the parameters themselves.
  template <class V, class O>
  LS_HD void write_out(const Data& d, V q, O out) const {
    for (int i = 0; i < d.dim; ++i) out[i] = q[i];
  }

  static ModelInfo info() {
    ModelInfo i;
    i.name = "funnel";
    i.summary = "Neal's funnel: v ~ N(0,3), x_i ~ N(0, exp(v/2)), i = 1..dim-1 (no data)";
    i.options = {{"dim", "10", "total dimension, v and dim-1 x's (at least 2)"}};
    i.parameters = "v, x[1..dim-1]";
    return i;
  }

  static Loaded<Funnel> load(ModelArgs& args) {
    const long dim = args.option_int("dim", 10, 2, ModelArgs::kMaxDim);
    Loaded<Funnel> out;
    out.data.dim = static_cast<int>(dim);
    out.names = {"v"};
    for (const auto& n : indexed_names("x", static_cast<int>(dim) - 1)) out.names.push_back(n);
    return out;
  }
};

}  // namespace models
}  // namespace lockstep
