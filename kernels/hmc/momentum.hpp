#pragma once
// Momentum refresh p ~ N(0, M) with M = diag(inv_metric)^-1, drawn per chain from the
// chain's own Philox stream: p_i = z_i / sqrt(inv_metric_i), z from normal pairs.
#include <cmath>
#include <cstdint>

#include "kernels/core/batch.hpp"
#include "kernels/core/philox.hpp"

namespace lockstep {
namespace hmc {

/// Draw the momentum of one chain (scalar view) for counter (iteration, purpose, offset+..).
template <class V>
LS_HD LS_INLINE void draw_momentum(const Rng& rng, std::uint64_t iteration, Stream purpose,
                                   std::uint32_t offset, int dim, V p, V inv_metric) {
  for (int i = 0; i < dim; i += 2) {
    double z0, z1;
    normal_pair(rng.bits(iteration, purpose, offset + static_cast<std::uint32_t>(i / 2)), z0, z1);
    p[i] = static_cast<Real>(z0 / m::sqrt(static_cast<double>(inv_metric[i])));
    if (i + 1 < dim) p[i + 1] = static_cast<Real>(z1 / m::sqrt(static_cast<double>(inv_metric[i + 1])));
  }
}

/// The same for each chain of a block of W chains whose random streams are keyed first_key,
/// first_key + 1, ... (ChainArrays::rng_key of the block's first chain), computed W chains at
/// a time (Philox, uniforms, log, sqrt and sincos in loops over the block that vectorize);
/// the numbers equal draw_momentum's for each chain.
template <int W>
LS_HD LS_INLINE void draw_momentum_block(std::uint64_t seed, std::uint32_t first_key, std::uint64_t iteration,
                                         int dim, BlockView<W> p, BlockView<W> inv_metric) {
  for (int i = 0; i < dim; i += 2) {
    std::uint32_t b[4][W];
    philox_block<W>(Rng::counter(seed, iteration, Stream::kMomentum, static_cast<std::uint32_t>(i / 2)),
                    first_key, static_cast<std::uint32_t>(seed), b);
    Batch<W> z0, z1;
    for (int w = 0; w < W; ++w) {
      const double u1 = uniform_open01(b[0][w], b[1][w]);
      const double u2 = uniform_open01(b[2][w], b[3][w]);
      const double r = vm::sqrt(-2.0 * vm::log(u1));  // per lane: vm:: vectorizes
      double sn, cs;
      m::sincos_2pi(u2, sn, cs);
      z0[w] = static_cast<Real>(r * cs);
      z1[w] = static_cast<Real>(r * sn);
    }
    p[i] = z0 / m::sqrt(inv_metric[i]);
    if (i + 1 < dim) p[i + 1] = z1 / m::sqrt(inv_metric[i + 1]);
  }
}

}  // namespace hmc
}  // namespace lockstep
