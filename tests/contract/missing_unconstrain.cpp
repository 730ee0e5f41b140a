// Compiled by two ctest cases (CMakeLists.txt, ModelContract.*): a model with a constrained
// parameter (sigma = exp(q)) and no unconstrain() must NOT compile — the registry's
// check_model_contract stops it with the contract's message; with -DGIVE_UNCONSTRAIN the same
// model compiles (so the failure is that member and nothing else).
#include <cmath>
#include <vector>

#include "kernels/core/config.hpp"
#include "models/contract/model_contract.hpp"

namespace {

struct LogNormalScale {
  struct Data {
    int unused;
  };
  LS_HD int dim(const Data&) const { return 1; }
  LS_HD int n_out(const Data&) const { return 1; }
  template <class V, class G>
  LS_HD auto log_density_and_grad(const Data&, V q, G g) const -> typename V::value_type {
    g[0] = -q[0];
    return -0.5 * q[0] * q[0];
  }
  template <class V, class O>
  LS_HD void write_out(const Data&, V q, O out) const {
    out[0] = std::exp(q[0]);  // sigma: constrained to be positive
  }
#ifdef GIVE_UNCONSTRAIN
  static std::vector<double> unconstrain(const lockstep::Loaded<LogNormalScale>&, const std::vector<double>& out) {
    return {std::log(out.at(0))};
  }
#endif
  static lockstep::ModelInfo info() { return {}; }
  static lockstep::Loaded<LogNormalScale> load(lockstep::ModelArgs&) { return {}; }
};

static_assert(lockstep::check_model_contract<LogNormalScale>(), "");

}  // namespace

int main() { return 0; }
