#pragma once
// 64-bit index arithmetic of the structure-of-arrays storage. A run's arrays hold chains x
// dimension elements (x checkpoint slots, x draws x quantities for the draws), which passes
// 2^31 well within a GPU's or a server's memory (2^31 floats are 8 GiB: e.g. 65536 chains x
// 32768 parameters, or 4096 chains x 1000 draws x 600 quantities). Every offset into such an
// array is computed by these helpers, whose arguments are converted to std::ptrdiff_t BEFORE
// they are multiplied: an `int i * int n_pad` would overflow (undefined behaviour) first.
// tests/core/index_test.cpp checks them beyond 2^31 and 2^32.
#include <cstddef>

#include "kernels/core/config.hpp"

namespace lockstep {

/// An offset into device or host arrays.
using Index = std::ptrdiff_t;

/// Element i of chain c in a parameter-major [rows][n_pad] array: i * n_pad + c.
LS_HD LS_INLINE Index soa_index(Index i, Index c, Index n_pad) { return i * n_pad + c; }

/// Element i of slot j of chain c in a [slots][dim][n_pad] array (NUTS's checkpoint slots, a
/// per-chain dense matrix [dim][dim][n_pad]): (j * dim + i) * n_pad + c.
LS_HD LS_INLINE Index slot_index(Index j, Index i, Index c, Index dim, Index n_pad) { return (j * dim + i) * n_pad + c; }

/// Draw d of chain c of quantity q in a quantity-major [n_q][n_chains][n_draws] array (DrawSet,
/// hmc::DrawTarget, ensemble::EnsembleDrawTarget): (q * n_chains + c) * n_draws + d.
LS_HD LS_INLINE Index draw_offset(Index q, Index c, Index d, Index n_chains, Index n_draws) {
  return (q * n_chains + c) * n_draws + d;
}

}  // namespace lockstep
