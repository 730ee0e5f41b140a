#include "host/diagnostics/sbc.hpp"

#include <math.h>  // lgamma_r (thread-safe)

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace lockstep {
namespace diagnostics {

int sbc_rank(double truth, const std::vector<double>& draws) {
  int below = 0;
  for (double d : draws) below += d < truth;
  return below;
}

std::vector<int> sbc_thinned_indices(int draws, int per_chain) {
  if (per_chain < 1 || per_chain > draws) throw std::invalid_argument("sbc_thinned_indices: 1 <= per_chain <= draws");
  std::vector<int> idx(static_cast<std::size_t>(per_chain));
  for (int i = 0; i < per_chain; ++i)
    idx[i] = static_cast<int>((static_cast<long long>(i) + 1) * draws / per_chain) - 1;
  return idx;
}

int sbc_bins(int max_rank, std::size_t replicates) {
  const long by_count = static_cast<long>(replicates / 5);
  return static_cast<int>(std::max(1L, std::min({20L, static_cast<long>(max_rank) + 1, by_count})));
}

double gamma_q(double a, double x) {
  if (!(a > 0) || !(x >= 0)) return NAN;
  if (x == 0) return 1;
  int sign;
  const double log_prefix = a * std::log(x) - x - lgamma_r(a, &sign);  // x^a e^-x / Gamma(a)
  if (x < a + 1) {
    // P(a, x) = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ... (a + n)).
    double term = 1 / a, sum = term;
    for (int n = 1; n < 1000; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::fabs(term) < 1e-17 * std::fabs(sum)) break;
    }
    return 1 - std::exp(log_prefix) * sum;
  }
  // Q(a, x) = x^a e^-x / Gamma(a) * 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / (x + 5 - a - ...))),
  // the continued fraction b_0 + a_1 / (b_1 + a_2 / (b_2 + ...)) with b_n = x + 2n + 1 - a,
  // a_n = -n (n - a), by the modified Lentz method.
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, f = d;
  for (int n = 1; n < 1000; ++n) {
    const double an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = c * d;
    f *= delta;
    if (std::fabs(delta - 1) < 1e-16) break;
  }
  return std::exp(log_prefix) * f;
}

ChiSquare sbc_chi_square(const std::vector<int>& ranks, int max_rank, int bins) {
  if (bins < 1 || bins > max_rank + 1) throw std::invalid_argument("sbc_chi_square: 1 <= bins <= max_rank + 1");
  ChiSquare r;
  r.counts.assign(static_cast<std::size_t>(bins), 0);
  const long values = static_cast<long>(max_rank) + 1;
  auto bin_of = [&](long k) { return static_cast<std::size_t>(k * bins / values); };
  std::vector<long> width(static_cast<std::size_t>(bins), 0);
  for (long k = 0; k < values; ++k) ++width[bin_of(k)];
  for (int k : ranks) {
    if (k < 0 || k > max_rank) throw std::invalid_argument("sbc_chi_square: rank outside 0..max_rank");
    ++r.counts[bin_of(k)];
  }
  r.dof = bins - 1;
  if (ranks.empty() || bins < 2) return r;
  for (int b = 0; b < bins; ++b) {
    const double expected = static_cast<double>(ranks.size()) * width[b] / values;
    r.statistic += (r.counts[b] - expected) * (r.counts[b] - expected) / expected;
  }
  r.p_value = gamma_q(0.5 * r.dof, 0.5 * r.statistic);
  return r;
}

}  // namespace diagnostics
}  // namespace lockstep
