// ChEES-HMC's cross-chain statistics (host/algorithms/chees/chees_adaptation.hpp), reduced on
// the backend (kernels/chees/chees_statistics.hpp + host/backend/device_tree_sum.hpp). The
// _lanes suffix: nvcc compiles it under the CUDA backend (it launches the reductions).
#include <cmath>
#include <vector>


#include "host/algorithms/chees/chees_adaptation.hpp"
#include "kernels/chees/chees_statistics.hpp"

namespace lockstep {
namespace adapt {

CheesStatistics chees_statistics(ChainSums& sums, const chees::ProposalArrays& rec, double* weights,
                                 int dim, int n_chains, int stride, double jittered_length) {
  CheesStatistics out;
  const unsigned long long before = sums.bytes_to_host();
  backend::launch_lanes(n_chains, chees::ProposalWeights{rec, dim, stride, weights},
                        static_cast<std::ptrdiff_t>(n_chains) * dim);
  const std::vector<double> first =
      sums(static_cast<std::size_t>(n_chains), chees::FirstMoments::count(dim), chees::FirstMoments{rec, weights, dim, stride});
  const double n = static_cast<double>(sums.total_chains(static_cast<std::size_t>(n_chains))), n_ok = first[0], inv = first[1], w_sum = first[2];
  if (n_ok > 0) {
    const double h = n_ok / inv;
    out.harmonic_accept = std::isfinite(h) ? h : 0.0;
  }
  std::vector<double> means(static_cast<std::size_t>(3) * dim);
  for (int i = 0; i < dim; ++i) {
    means[i] = first[3 + i] / n;
    means[dim + i] = w_sum > 0 ? first[3 + dim + i] / w_sum : 0.0;
    means[2 * dim + i] = first[3 + 2 * dim + i] / n;
  }
  backend::DeviceVector<double> means_d(means.begin(), means.end());
  out.bytes_to_device = means.size() * sizeof(double);
  const std::vector<double> second =
      sums(static_cast<std::size_t>(n_chains), chees::SecondMoments::count(dim),
           chees::SecondMoments{rec, weights, backend::raw(means_d), dim, stride, kCheesMinAccept});
  out.gradient = w_sum > 0 ? jittered_length * second[0] / w_sum : 0.0;
  out.inverse_metric.resize(dim);
  for (int i = 0; i < dim; ++i) {
    const double var = n > 1 ? second[1 + i] / (n - 1) : 1.0;
    out.inverse_metric[i] = (n / (n + 5.0)) * var + 1e-3 * (5.0 / (n + 5.0));  // Stan's var_adaptation
  }
  out.bytes_to_host = sums.bytes_to_host() - before;
  return out;
}

CheesStatistics chees_statistics_of_host_arrays(int dim, int n_chains, int stride, const Real* q_start,
                                                const Real* q_end, const Real* q_prop, const Real* v_prop,
                                                const Real* accept, const Real* divergent, double jittered_length) {
  const std::size_t v = static_cast<std::size_t>(dim) * stride;
  backend::DeviceVector<Real> qs(q_start, q_start + v), qe(q_end, q_end + v), qp(q_prop, q_prop + v),
      vp(v_prop, v_prop + v), a(accept, accept + n_chains), d(divergent, divergent + n_chains);
  backend::DeviceVector<double> w(n_chains > 0 ? n_chains : 1);
  const chees::ProposalArrays rec{backend::raw(qs), backend::raw(qe), backend::raw(qp),
                                  backend::raw(vp), backend::raw(a),  backend::raw(d)};
  ChainSums sums;
  return chees_statistics(sums, rec, backend::raw(w), dim, n_chains, stride, jittered_length);
}

double harmonic_mean_accept(const Real* accept, const Real* divergent, int n_chains) {
  const std::vector<Real> zero(n_chains > 0 ? n_chains : 1, Real(0));
  return chees_statistics_of_host_arrays(0, n_chains, n_chains, zero.data(), zero.data(), zero.data(), zero.data(),
                                         accept, divergent, 1.0)
      .harmonic_accept;
}

double chees_gradient(int dim, int n_chains, int stride, const Real* q0, const Real* q_prop, const Real* v_prop,
                      const Real* accept, const Real* divergent, double jittered_length) {
  return chees_statistics_of_host_arrays(dim, n_chains, stride, q0, q0, q_prop, v_prop, accept, divergent,
                                         jittered_length)
      .gradient;
}

std::vector<double> cross_chain_variance(int dim, int n_chains, int stride, const Real* q) {
  const std::vector<Real> ones(n_chains > 0 ? n_chains : 1, Real(1)), zeros(n_chains > 0 ? n_chains : 1, Real(0));
  return chees_statistics_of_host_arrays(dim, n_chains, stride, q, q, q, q, ones.data(), zeros.data(), 1.0)
      .inverse_metric;
}

}  // namespace adapt
}  // namespace lockstep
