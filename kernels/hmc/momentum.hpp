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
    p[i] = static_cast<Real>(z0 / ::sqrt(static_cast<double>(inv_metric[i])));
    if (i + 1 < dim) p[i + 1] = static_cast<Real>(z1 / ::sqrt(static_cast<double>(inv_metric[i + 1])));
  }
}

/// The same for each chain of a block of W chains starting at chain c0.
template <int W>
LS_HD LS_INLINE void draw_momentum_block(std::uint64_t seed, int c0, std::uint64_t iteration,
                                         int dim, BlockView<W> p, BlockView<W> inv_metric) {
  for (int w = 0; w < W; ++w) {
    const Rng rng{seed, static_cast<std::uint32_t>(c0 + w)};
    for (int i = 0; i < dim; i += 2) {
      double z0, z1;
      normal_pair(rng.bits(iteration, Stream::kMomentum, static_cast<std::uint32_t>(i / 2)), z0, z1);
      p[i][w] = static_cast<Real>(z0 / ::sqrt(static_cast<double>(inv_metric[i][w])));
      if (i + 1 < dim)
        p[i + 1][w] = static_cast<Real>(z1 / ::sqrt(static_cast<double>(inv_metric[i + 1][w])));
    }
  }
}

}  // namespace hmc
}  // namespace lockstep
