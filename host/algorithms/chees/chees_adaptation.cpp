// Cross-chain reductions of ChEES-HMC (definitions; see host/algorithms/chees/chees_adaptation.hpp).
// Out of line on purpose: host-only, and kept apart from callers' constant propagation.
#include "host/algorithms/chees/chees_adaptation.hpp"

#include <cmath>
#include <vector>

#include "host/backend/tree_sum.hpp"
#include "kernels/core/index.hpp"

namespace lockstep {
namespace adapt {

/// Harmonic mean of the acceptance probabilities of the non-divergent chains among the first
/// n_chains: n_ok / sum 1/a_c (0 if a chain has a_c = 0 or none is non-divergent).
double harmonic_mean_accept(const Real* accept, const Real* divergent, int n_chains) {
  const double n_ok = backend::tree_sum<double>(n_chains, [&](std::size_t c) { return divergent[c] != 0 ? 0.0 : 1.0; });
  const double inv = backend::tree_sum<double>(n_chains, [&](std::size_t c) {
    return divergent[c] != 0 ? 0.0 : 1.0 / static_cast<double>(accept[c]);
  });
  if (!(n_ok > 0)) return 0;
  const double h = n_ok / inv;
  return std::isfinite(h) ? h : 0.0;
}

/// The ChEES gradient with respect to log T (see the file comment) for the first n_chains
/// chains; vectors are [dim][stride]. `jittered_length` is h T of the iteration. Returns 0
/// when no chain has weight.
double chees_gradient(int dim, int n_chains, int stride, const Real* q0, const Real* q_prop, const Real* v_prop,
                      const Real* accept, const Real* divergent, double jittered_length) {
  std::vector<double> w(n_chains);
  for (int c = 0; c < n_chains; ++c) {
    bool ok = divergent[c] == 0;
    for (int i = 0; i < dim && ok; ++i) {
      const Index k = soa_index(i, c, stride);
      ok = std::isfinite(static_cast<double>(q_prop[k])) && std::isfinite(static_cast<double>(v_prop[k]));
    }
    w[c] = ok ? static_cast<double>(accept[c]) : 0.0;
  }
  const double w_sum = backend::tree_sum(w.data(), w.size());
  if (!(w_sum > 0)) return 0;
  std::vector<double> mean0(dim), mean1(dim);
  for (int i = 0; i < dim; ++i) {
    const Real* a = q0 + soa_index(i, 0, stride);
    const Real* b = q_prop + soa_index(i, 0, stride);
    mean0[i] = backend::tree_sum<double>(n_chains, [&](std::size_t c) { return a[c]; }) / n_chains;
    mean1[i] = backend::tree_sum<double>(n_chains, [&](std::size_t c) { return w[c] > 0 ? w[c] * b[c] : 0.0; }) / w_sum;
  }
  const double num = backend::tree_sum<double>(n_chains, [&](std::size_t c) {
    if (!(w[c] >= kCheesMinAccept)) return 0.0;
    double sq1 = 0, sq0 = 0, dot = 0;
    for (int i = 0; i < dim; ++i) {
      const Index k = soa_index(i, c, stride);
      const double d1 = q_prop[k] - mean1[i], d0 = q0[k] - mean0[i];
      sq1 += d1 * d1;
      sq0 += d0 * d0;
      dot += d1 * v_prop[k];
    }
    const double g = (sq1 - sq0) * dot;
    return std::isfinite(g) ? w[c] * g : 0.0;
  });
  return jittered_length * num / w_sum;
}

/// Regularized cross-chain variance of each coordinate of q ([dim][stride], first n_chains
/// chains), two-pass, for the diagonal inverse metric.
std::vector<double> cross_chain_variance(int dim, int n_chains, int stride, const Real* q) {
  std::vector<double> out(dim);
  const double n = n_chains;
  for (int i = 0; i < dim; ++i) {
    const Real* x = q + soa_index(i, 0, stride);
    const double mean = backend::tree_sum<double>(n_chains, [&](std::size_t c) { return x[c]; }) / n;
    const double ss = backend::tree_sum<double>(n_chains, [&](std::size_t c) { return (x[c] - mean) * (x[c] - mean); });
    const double var = n > 1 ? ss / (n - 1) : 1.0;
    out[i] = (n / (n + 5.0)) * var + 1e-3 * (5.0 / (n + 5.0));  // Stan's var_adaptation
  }
  return out;
}

}  // namespace adapt
}  // namespace lockstep
