#pragma once
// Helpers of the NUTS tests: one chain's state and scratch in host memory, scripted uniforms,
// and a "replay" model whose leapfrog trajectory is written by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kernels/core/config.hpp"
#include "kernels/core/strided.hpp"
#include "kernels/hmc/chain_arrays.hpp"
#include "kernels/hmc/metric.hpp"
#include "kernels/nuts/nuts_arrays.hpp"
#include "kernels/nuts/nuts_transition.hpp"

namespace lockstep {
namespace testing {

/// One chain (n_pad = 1) with all the scratch a NUTS transition needs, in host vectors.
struct HostLane {
  int dim;
  int n_slots;
  std::vector<Real> q, g, minv;
  Real logp = 0;
  std::vector<std::vector<Real>> vecs;  // the 14 dim-vectors of NutsArrays
  std::vector<std::vector<Real>> ckpt;  // the 5 checkpoint families
  hmc::ChainArrays s;
  nuts::NutsArrays a;

  HostLane(int dim_, int max_depth)
      : dim(dim_), n_slots(max_depth > 1 ? max_depth - 1 : 1), q(dim_, 0), g(dim_, 0), minv(dim_, 1),
        vecs(14, std::vector<Real>(dim_, 0)), ckpt(5, std::vector<Real>(static_cast<std::size_t>(dim_) * n_slots, 0)) {
    s.dim = dim;
    s.n_pad = 1;
    s.q = q.data();
    s.grad = g.data();
    s.inv_metric = minv.data();
    s.logp = &logp;
    a.dim = dim;
    a.n_pad = 1;
    a.n_slots = n_slots;
    Real** v[14] = {&a.q_f, &a.p_f, &a.g_f, &a.ps_f, &a.q_b, &a.p_b, &a.g_b, &a.ps_b,
                    &a.q_prop, &a.g_prop, &a.rho, &a.rho_sub, &a.p_near, &a.ps_near};
    for (int k = 0; k < 14; ++k) *v[k] = vecs[k].data();
    Real** c[5] = {&a.left_p, &a.left_ps, &a.left_prefix, &a.right_ps, &a.right_prefix};
    for (int k = 0; k < 5; ++k) *c[k] = ckpt[k].data();
  }
  HostLane(const HostLane&) = delete;
  HostLane& operator=(const HostLane&) = delete;
  nuts::NutsLane lane() const { return a.lane(s, 0); }
  hmc::DiagMetric<Strided<Real>> metric() { return hmc::DiagMetric<Strided<Real>>{Strided<Real>{minv.data(), 1}, dim}; }
  /// Element i of checkpoint family f (0 left_p, 1 left_ps, 2 left_prefix, 3 right_ps,
  /// 4 right_prefix), slot j.
  Real checkpoint(int f, int j, int i) const { return ckpt[f][static_cast<std::size_t>(j) * dim + i]; }
};

/// Uniforms by (kind, ordinal) from a table (default `fallback`); directions from a list
/// (true = forward). Records every request, in order.
struct ScriptedUniforms {
  std::vector<bool> forward;
  std::map<std::pair<int, int>, double> table;
  double fallback = 0.5;
  mutable std::vector<std::pair<int, int>> requests;

  double operator()(nuts::TreeDraw kind, int ordinal) const {
    requests.emplace_back(static_cast<int>(kind), ordinal);
    if (kind == nuts::TreeDraw::kDirection) {
      if (ordinal >= static_cast<int>(forward.size())) ADD_FAILURE() << "no scripted direction " << ordinal;
      return ordinal < static_cast<int>(forward.size()) && forward[ordinal] ? 0.75 : 0.25;
    }
    auto it = table.find({static_cast<int>(kind), ordinal});
    return it == table.end() ? fallback : it->second;
  }
  int count(nuts::TreeDraw kind) const {
    int n = 0;
    for (const auto& r : requests) n += r.first == static_cast<int>(kind);
    return n;
  }
};

/// A model whose trajectory is written by hand. Coordinate 0 is a clock: with inverse
/// metric 2^20, momentum 2^-20 and zero force it moves by exactly eps = +-1 per leapfrog step,
/// so q[0] = k after k steps forward (or -k backward). Coordinates 1, 2 are kicked by forces
/// looked up by k, chosen so that the momentum after reaching k is exactly P[k] (Replay::make);
/// log density lp[k]. Coordinate 0 adds 2^-21 to every kinetic energy and k 2^-20 > 0 to
/// every p#.rho — far below the hand-built dot products (all |.| >= 0.2).
struct ReplayModel {
  struct Data {
    const double* g1;
    const double* g2;
    const double* lp;
    int k0;  // index of k = 0 in the tables
    int n;
  };
  int dim(const Data&) const { return 3; }
  int n_out(const Data&) const { return 1; }
  template <class V, class G>
  Real log_density_and_grad(const Data& d, V q, G g) const {
    const long k = std::lround(static_cast<double>(q[0])) + d.k0;
    g[0] = 0;
    if (k < 0 || k >= d.n) {
      g[1] = g[2] = 0;
      return static_cast<Real>(NAN);
    }
    g[1] = static_cast<Real>(d.g1[k]);
    g[2] = static_cast<Real>(d.g2[k]);
    return static_cast<Real>(d.lp[k]);
  }
};

constexpr double kClockInvMetric = 1048576.0;      // 2^20
constexpr double kClockMomentum = 1.0 / 1048576.0;  // 2^-20

/// Tables for ReplayModel from momenta P[k] = (P1, P2), k = kmin .. kmax (kmin <= 0 <= kmax),
/// and weights m[k] > 0: forces with g[0] = 0 and g[k] + g[k+1] = 2 (P[k+1] - P[k]) (exact
/// for quarter-integer momenta), log density lp[k] = |P[k]|^2 / 2 + log m[k], so that
/// exp(H0 - H(k)) = m[k] / m[0].
struct Replay {
  int kmin = 0;
  std::vector<double> g1, g2, lp;
  ReplayModel::Data data;

  Replay(int kmin_, const std::vector<std::pair<double, double>>& P, const std::vector<double>& m) : kmin(kmin_) {
    const int n = static_cast<int>(P.size());
    const int k0 = -kmin;
    g1.assign(n, 0);
    g2.assign(n, 0);
    lp.assign(n, 0);
    for (int j = k0 + 1; j < n; ++j) {
      g1[j] = 2 * (P[j].first - P[j - 1].first) - g1[j - 1];
      g2[j] = 2 * (P[j].second - P[j - 1].second) - g2[j - 1];
    }
    for (int j = k0 - 1; j >= 0; --j) {
      g1[j] = 2 * (P[j + 1].first - P[j].first) - g1[j + 1];
      g2[j] = 2 * (P[j + 1].second - P[j].second) - g2[j + 1];
    }
    for (int j = 0; j < n; ++j) lp[j] = 0.5 * (P[j].first * P[j].first + P[j].second * P[j].second) + std::log(m[j]);
    data = ReplayModel::Data{g1.data(), g2.data(), lp.data(), k0, n};
  }

  /// Puts the chain at k = 0 with momentum (2^-20, P[0]) and the clock's inverse metric.
  void start(HostLane& L, std::pair<double, double> p0) const {
    for (int i = 0; i < 3; ++i) L.q[i] = 0;
    L.g[0] = 0;
    L.g[1] = static_cast<Real>(g1[-kmin]);
    L.g[2] = static_cast<Real>(g2[-kmin]);
    L.logp = static_cast<Real>(lp[-kmin]);
    L.minv[0] = static_cast<Real>(kClockInvMetric);
    L.minv[1] = L.minv[2] = 1;
    const nuts::NutsLane l = L.lane();
    l.p_f[0] = static_cast<Real>(kClockMomentum);
    l.p_f[1] = static_cast<Real>(p0.first);
    l.p_f[2] = static_cast<Real>(p0.second);
  }
};

}  // namespace testing
}  // namespace lockstep
