#pragma once
// The per-chain terms of ChEES-HMC's cross-chain statistics (host/algorithms/chees/
// chees_adaptation.hpp has the mathematics), as functors that the backend sums with a
// fixed-shape tree (host/backend/device_tree_sum.hpp) where the chains live:
//
//   ProposalWeights  lane c: w_c = a_c if the transition did not diverge and the proposal and
//                    its velocity are finite, else 0
//   FirstMoments     quantity k of chain c, k = 0: 1 if not divergent; 1: 1/a_c if not
//                    divergent; 2: w_c; 3 + i: q_c,i; 3 + dim + i: w_c q'_c,i (w_c > 0);
//                    3 + 2 dim + i: the chain's new state q_end,c,i
//   SecondMoments    k = 0: w_c g_c with g_c = (|q'_c - mean(q')|^2 - |q_c - mean(q)|^2)
//                    (q'_c - mean(q')) . v'_c for w_c >= kMinAccept (0 if not finite);
//                    1 + i: (q_end,c,i - mean(q_end)_i)^2
#include <cmath>
#include <cstddef>

#include "kernels/chees/chees_segment.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/index.hpp"
#include "kernels/core/scalar_math.hpp"

namespace lockstep {
namespace chees {

struct ProposalWeights {
  ProposalArrays rec;
  int dim = 0;
  std::ptrdiff_t stride = 0;
  double* w = nullptr;  // [n_chains]
  LS_HD void operator()(int c) const {
    bool ok = rec.divergent[c] == 0;
    for (int i = 0; i < dim && ok; ++i) {
      const std::ptrdiff_t k = soa_index(i, c, stride);
      ok = m::is_finite(static_cast<double>(rec.q_prop[k])) && m::is_finite(static_cast<double>(rec.v_prop[k]));
    }
    w[c] = ok ? static_cast<double>(rec.accept[c]) : 0.0;
  }
};

struct FirstMoments {
  ProposalArrays rec;
  const double* w = nullptr;
  int dim = 0;
  std::ptrdiff_t stride = 0;
  static int count(int dim) { return 3 + 3 * dim; }
  LS_HD double operator()(std::size_t c, int k) const {
    const bool divergent = rec.divergent[c] != 0;
    if (k == 0) return divergent ? 0.0 : 1.0;
    if (k == 1) return divergent ? 0.0 : 1.0 / static_cast<double>(rec.accept[c]);
    if (k == 2) return w[c];
    const int block = (k - 3) / dim, i = (k - 3) % dim;
    const std::ptrdiff_t at = soa_index(i, c, stride);
    if (block == 0) return rec.q_start[at];
    if (block == 1) return w[c] > 0 ? w[c] * rec.q_prop[at] : 0.0;
    return rec.q_end[at];
  }
};

struct SecondMoments {
  ProposalArrays rec;
  const double* w = nullptr;
  const double* means = nullptr;  // [3][dim]: mean(q), mean(q') (acceptance-weighted), mean(q_end)
  int dim = 0;
  std::ptrdiff_t stride = 0;
  double min_accept = 0;
  static int count(int dim) { return 1 + dim; }
  LS_HD double operator()(std::size_t c, int k) const {
    if (k > 0) {
      const int i = k - 1;
      const double d = rec.q_end[soa_index(i, c, stride)] - means[2 * dim + i];
      return d * d;
    }
    if (!(w[c] >= min_accept)) return 0.0;
    double sq1 = 0, sq0 = 0, dot = 0;
    for (int i = 0; i < dim; ++i) {
      const std::ptrdiff_t at = soa_index(i, c, stride);
      const double d1 = rec.q_prop[at] - means[dim + i], d0 = rec.q_start[at] - means[i];
      sq1 += d1 * d1;
      sq0 += d0 * d0;
      dot += d1 * rec.v_prop[at];
    }
    const double g = (sq1 - sq0) * dot;
    return m::is_finite(g) ? w[c] * g : 0.0;
  }
};

}  // namespace chees
}  // namespace lockstep
