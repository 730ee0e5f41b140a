#pragma once
// The model's parameter transform on the host side, for algorithms that work on the
// unconstrained scale but keep their particles constrained (NPE's training set, ABC's
// regression adjustment): theta -> u through Model::unconstrain (the transform NUTS uses;
// the identity for models without one), and u -> theta through write_out in lanes (the
// model's data may live on the device).
#include <cmath>
#include <vector>

#include "host/backend/lanes.hpp"
#include "kernels/core/model_traits.hpp"
#include "kernels/core/strided.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_contract.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

/// Lane k: the outputs of unconstrained draw k ([n][dim] -> [n][n_out]).
template <class Model>
struct WriteOutMany {
  Model model;
  typename Model::Data data;
  const Real* q = nullptr;
  Real* out = nullptr;
  int dim = 0, n_out = 0;
  LS_HD void operator()(int k) const {
    const Dense<Real> x{const_cast<Real*>(q) + static_cast<std::int64_t>(k) * dim};
    const Dense<Real> y{out + static_cast<std::int64_t>(k) * n_out};
    model.write_out(data, x, y);
  }
};

/// The unconstrained point of a prior draw; false when the model's transform refuses it. `t`:
/// the caller's scratch for theta as a vector (the transform's argument), reused across calls
/// (the truncated rounds call this per candidate, hundreds of millions of times at 1e6).
template <class Model>
bool unconstrain_row(const Loaded<Model>& m, const double* theta, int d, std::vector<double>& u,
                     std::vector<double>& t) {
  t.assign(theta, theta + d);
  if constexpr (traits::has_unconstrain<Model>::value) {
    try {
      u = Model::unconstrain(m, t);
    } catch (const InputError&) {
      return false;
    }
  } else {
    u = t;
  }
  if (static_cast<int>(u.size()) != d) return false;
  for (double v : u)
    if (!std::isfinite(v)) return false;
  return true;
}

/// Rows [n][d] of unconstrained values back to theta ([n][n_out]) in lanes; the first d
/// outputs of each row are its parameters.
template <class Model>
std::vector<double> constrain_rows(const Loaded<Model>& m, const std::vector<double>& u, int n) {
  const int d = m.model.dim(m.data), n_out = m.model.n_out(m.data);
  const backend::DeviceVector<Real> q(u.begin(), u.end());
  backend::DeviceVector<Real> out(static_cast<std::size_t>(n) * n_out);
  backend::launch_lanes(n, WriteOutMany<Model>{m.model, m.data, backend::raw(q), backend::raw(out), d, n_out},
                        static_cast<std::ptrdiff_t>(n) * n_out);
  const std::vector<Real> h = backend::to_host(out);
  std::vector<double> theta(static_cast<std::size_t>(n) * d);
  for (int i = 0; i < n; ++i)
    for (int a = 0; a < d; ++a) theta[static_cast<std::size_t>(i) * d + a] = h[static_cast<std::size_t>(i) * n_out + a];
  return theta;
}

}  // namespace lockstep
