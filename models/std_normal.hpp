#pragma once
// Standard normal in `dim` dimensions: the simplest target, for calibrating samplers.
//
//   x_i ~ N(0, 1),  i = 1..dim;   log p(x) = -x.x / 2 (+ const),  grad = -x.
//
// Unconstrained parameters q = x (no transform, no Jacobian). Option `dim` (default 10,
// at least 1). The model reads no data; a data file, if given, is ignored.
// Outputs: x[1..dim].
#include <string>
#include <vector>

#include "models/contract/model_args.hpp"
#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {
namespace models {

struct StdNormalData {
  int dim;
};

struct StdNormal {
  using Data = StdNormalData;
  static constexpr bool kParametersUnconstrained = true;  // no transform: q = x

  LS_HD int dim(const Data& d) const { return d.dim; }
  LS_HD int n_out(const Data& d) const { return d.dim; }

  template <class V, class G>
  LS_HD auto log_density_and_grad(const Data& d, V q, G g) const -> typename V::value_type {
    using T = typename V::value_type;
    T ss = Real(0);
    for (int i = 0; i < d.dim; ++i) {
      const T x = q[i];
      ss += x * x;
      g[i] = -x;
    }
    return Real(-0.5) * ss;
  }

  /// Outputs x[1..dim] (the parameters themselves).
  template <class V, class O>
  LS_HD void write_out(const Data& d, V q, O out) const {
    for (int i = 0; i < d.dim; ++i) out[i] = q[i];
  }

  static ModelInfo info() {
    ModelInfo i;
    i.name = "std_normal";
    i.summary = "Standard normal: x_i ~ N(0, 1), i = 1..dim (no data)";
    i.options = {{"dim", "10", "dimension (at least 1)"}};
    i.parameters = "x[1..dim]";
    return i;
  }

  static Loaded<StdNormal> load(ModelArgs& args) {
    const long dim = args.option_int("dim", 10, 1, ModelArgs::kMaxDim);
    Loaded<StdNormal> out;
    out.data.dim = static_cast<int>(dim);
    out.names = indexed_names("x", static_cast<int>(dim));
    return out;
  }
};

}  // namespace models
}  // namespace lockstep
