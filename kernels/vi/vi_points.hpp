#pragma once
// One lane = one Monte Carlo point of a Gaussian variational approximation (ADVI, Kucukelbir,
// Tran, Ranganath, Gelman & Blei 2017, "Automatic Differentiation Variational Inference", JMLR
// 18(14), section 2.5): the standard normal eta ~ N(0, I_d) is drawn from the fit's Philox
// stream, mapped to the unconstrained space by the reparameterization
//
//   zeta = mu + L eta           (full-rank: L lower triangular, d x d, row-major)
//   zeta = mu + sd .* eta       (mean-field: L = diag(sd))
//
// and the model's log density and gradient are evaluated at zeta. Lane k is point s = k mod
// n_per_fit of fit f = k / n_per_fit: S gradient samples (or E ELBO samples, or D output draws)
// of K fits side by side. The host assembles the ELBO and its gradient from (eta, lp, grad)
// (host/algorithms/vi/vi_family.hpp).
//
// Random numbers: eta_i of point s at `iteration` is normal(Rng{seed, f}, iteration, stream,
// s * dim + i): a pure function of (seed, fit, iteration, stream, point), whatever the number
// of fits or the backend.
#include <cstdint>

#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/strided.hpp"

namespace lockstep {
namespace vi {

template <class Model>
struct ViPoints {
  Model model;
  typename Model::Data data;
  const Real* mu = nullptr;      // [K][dim]
  const Real* factor = nullptr;  // [K][dim] (sd, mean-field) or [K][dim][dim] (L, full-rank)
  bool full_rank = false;
  int dim = 0;
  int n_per_fit = 1;             // points per fit
  int first_point = 0;           // lane k is point first_point + k mod n_per_fit of its fit
  std::uint64_t seed = 0;
  std::uint64_t iteration = 0;
  Stream stream = Stream::kVariational;
  Real* eta = nullptr;   // [K * n_per_fit][dim]
  Real* zeta = nullptr;  // [K * n_per_fit][dim]
  Real* grad = nullptr;  // [K * n_per_fit][dim]
  Real* lp = nullptr;    // [K * n_per_fit]
  Real* out = nullptr;   // [K * n_per_fit][n_out] the model's outputs (write_out); null: none
  int n_out = 0;

  /// Point k's eta (from its stream) and zeta = mu + L eta, into eta and zeta at row k.
  LS_HD void draw_point(int k) const {
    const int f = k / n_per_fit, s = first_point + k - f * n_per_fit;
    const Rng rng{seed, static_cast<std::uint32_t>(f)};
    const long at = static_cast<long>(k) * dim;
    const Real* m = mu + static_cast<long>(f) * dim;
    normals<kInLaneWidth>(rng, iteration, stream, static_cast<std::uint32_t>(s) * dim, dim, eta + at);
    if (full_rank) {
      const Real* L = factor + static_cast<long>(f) * dim * dim;
      for (int i = 0; i < dim; ++i) {
        Real z = m[i];
        for (int j = 0; j <= i; ++j) z += L[static_cast<long>(i) * dim + j] * eta[at + j];
        zeta[at + i] = z;
      }
    } else {
      const Real* sd = factor + static_cast<long>(f) * dim;
      LS_IVDEP
      for (int i = 0; i < dim; ++i) zeta[at + i] = m[i] + sd[i] * eta[at + i];
    }
  }

  LS_HD void operator()(int k) const {
    draw_point(k);
    const long at = static_cast<long>(k) * dim;
    const Dense<Real> q{zeta + at}, g{grad + at};
    lp[k] = model.log_density_and_grad(data, q, g);
    if (out) model.write_out(data, q, Dense<Real>{out + static_cast<long>(k) * n_out});
  }
};

/// The same points W at a time (CPU shape): lane b draws points bW .. bW + W - 1 as ViPoints
/// does, gathers their zeta into a [dim][W] block of `scratch` and evaluates the model's
/// density and gradient once for the block (its Batch<W> form, the one the HMC samplers' SIMD
/// blocks run), then scatters lp and grad back to the points' rows. The last block's missing
/// points repeat its last real point and are not written. Values equal ViPoints' up to the last
/// bits (the Batch<W> form takes exp and log from vm::); for each point a pure function of its
/// stream, whatever the number of points or threads. The gradient is computed with the density
/// in any case, and written back to the points' rows only with keep_grad (the ELBO estimates
/// and the output draws do not read it).
template <class Model, int W>
struct ViPointBlocks {
  ViPoints<Model> p;
  int n_points = 0;
  Real* scratch = nullptr;  // [n_blocks][2][dim][W]: zeta and grad of each block
  bool keep_grad = true;

  LS_HD void operator()(int b) const {
    const int dim = p.dim;
    Real* zs = scratch + static_cast<long>(b) * 2 * dim * W;
    Real* gs = zs + static_cast<long>(dim) * W;
    for (int w = 0; w < W; ++w) {
      const int k = b * W + w;
      if (k < n_points) p.draw_point(k);
      const Real* z = p.zeta + static_cast<long>(k < n_points ? k : n_points - 1) * dim;
      for (int i = 0; i < dim; ++i) zs[static_cast<long>(i) * W + w] = z[i];
    }
    const Batch<W> lp = p.model.log_density_and_grad(p.data, BlockView<W>{zs, W}, BlockView<W>{gs, W});
    for (int w = 0; w < W; ++w) {
      const int k = b * W + w;
      if (k >= n_points) break;
      const long at = static_cast<long>(k) * dim;
      p.lp[k] = lp[w];
      if (keep_grad)
        for (int i = 0; i < dim; ++i) p.grad[at + i] = gs[static_cast<long>(i) * W + w];
      if (p.out) p.model.write_out(p.data, Dense<Real>{p.zeta + at}, Dense<Real>{p.out + static_cast<long>(k) * p.n_out});
    }
  }
};

}  // namespace vi
}  // namespace lockstep
