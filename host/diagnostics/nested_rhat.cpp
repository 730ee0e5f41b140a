#include "host/diagnostics/nested_rhat.hpp"

#include <cmath>
#include <limits>

namespace lockstep::diagnostics {

double nested_rhat(const Chains& x, const std::vector<int>& superchain) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  const int C = x.n_chains(), N = x.n_draws;
  if (C < 2 || N < 1 || static_cast<int>(superchain.size()) != C) return kNaN;
  int K = 0;
  for (int id : superchain) {
    if (id < 0) return kNaN;
    if (id + 1 > K) K = id + 1;
  }
  if (K < 2) return kNaN;
  std::vector<int> members(K, 0);
  for (int id : superchain) ++members[id];
  const int M = members[0];
  for (int k = 1; k < K; ++k)
    if (members[k] != M) return kNaN;
  if (M < 1) return kNaN;

  // Chain means and within-chain variances (two passes per chain for accuracy). Equal values
  // are kept exact: a chain that never moved has its value as mean and variance 0, a
  // superchain of equal chain means that mean (a rounded sum / N would leave ~1e-32 of
  // variance, and stuck chains an R-hat of 1e15 instead of inf).
  std::vector<double> chain_mean(C), chain_var(C, 0.0);
  for (int c = 0; c < C; ++c) {
    const double* d = x.chain[c];
    double s = 0;
    bool constant = true;
    for (int n = 0; n < N; ++n) {
      if (!std::isfinite(d[n])) return kNaN;
      s += d[n];
      constant = constant && d[n] == d[0];
    }
    const double mean = constant ? d[0] : s / N;
    chain_mean[c] = mean;
    if (N > 1 && !constant) {
      double ss = 0;
      for (int n = 0; n < N; ++n) ss += (d[n] - mean) * (d[n] - mean);
      chain_var[c] = ss / (N - 1);
    }
  }
  // Superchain means, then B̃_k and W̃_k.
  std::vector<double> super_mean(K, 0.0), b_tilde(K, 0.0), w_tilde(K, 0.0);
  std::vector<int> first_chain(K, -1);
  std::vector<char> equal_means(K, 1);
  for (int c = 0; c < C; ++c) {
    const int k = superchain[c];
    super_mean[k] += chain_mean[c];
    if (first_chain[k] < 0) first_chain[k] = c;
    equal_means[k] = equal_means[k] && chain_mean[c] == chain_mean[first_chain[k]];
  }
  for (int k = 0; k < K; ++k) super_mean[k] = equal_means[k] ? chain_mean[first_chain[k]] : super_mean[k] / M;
  for (int c = 0; c < C; ++c) {
    const int k = superchain[c];
    const double dev = chain_mean[c] - super_mean[k];
    if (M > 1) b_tilde[k] += dev * dev;
    w_tilde[k] += chain_var[c];
  }
  double overall = 0;
  for (int k = 0; k < K; ++k) overall += super_mean[k];
  overall /= K;
  double b_nu = 0, w_nu = 0;
  for (int k = 0; k < K; ++k) {
    const double dev = super_mean[k] - overall;
    b_nu += dev * dev;
    w_nu += (M > 1 ? b_tilde[k] / (M - 1) : 0.0) + w_tilde[k] / M;
  }
  b_nu /= (K - 1);
  w_nu /= K;
  // No variation within any superchain: inf when the superchains sit at different values (as
  // R-hat for chains that never moved from different values), NA when all draws are equal.
  // (One draw of one chain per superchain has no within-superchain variance to speak of: NA.)
  if (!(w_nu > 0)) return b_nu > 0 && (M > 1 || N > 1) ? std::numeric_limits<double>::infinity() : kNaN;
  return std::sqrt(1.0 + b_nu / w_nu);
}

std::vector<int> consecutive_superchains(int n_chains, int n_superchains) {
  if (n_superchains < 1 || n_chains < 1 || n_chains % n_superchains != 0) return {};
  const int per = n_chains / n_superchains;
  std::vector<int> out(n_chains);
  for (int c = 0; c < n_chains; ++c) out[c] = c / per;
  return out;
}

}  // namespace lockstep::diagnostics
