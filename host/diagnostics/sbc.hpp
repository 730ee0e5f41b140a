#pragma once
// Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari & Gelman 2018, "Validating
// Bayesian inference algorithms with simulation-based calibration", arXiv:1804.06788): the
// rank of a parameter's true (prior-drawn) value among L posterior draws of the data simulated
// from it is uniform on 0..L when the inference is right; a chi-square test on a histogram of
// the ranks over many replicates checks that.
#include <cstddef>
#include <vector>

namespace lockstep {
namespace diagnostics {

/// The rank of `truth` among the draws: #{draws < truth}, in 0..draws.size() (ties, which a
/// continuous posterior has with probability 0, count half: the rank is rounded down).
int sbc_rank(double truth, const std::vector<double>& draws);

/// Indices of the L thinned draws of one chain of D draws when L_c = per_chain of them are
/// kept: evenly spaced, the last draw always included: (i + 1) D / L_c - 1, i = 0..L_c-1
/// (Talts et al., section 5.1: thin to remove autocorrelation).
std::vector<int> sbc_thinned_indices(int draws, int per_chain);

/// The chi-square uniformity test of ranks in 0..max_rank over `bins` bins (rank k falls in bin
/// floor(k bins / (max_rank + 1)); a bin's expected count is n times its share of the
/// max_rank + 1 rank values, so bins need not be equal): the statistic sum (O - E)^2 / E and
/// its upper-tail p-value with bins - 1 degrees of freedom.
struct ChiSquare {
  double statistic = 0;
  int dof = 0;
  double p_value = 1;
  std::vector<long> counts;  // per bin
};
ChiSquare sbc_chi_square(const std::vector<int>& ranks, int max_rank, int bins);

/// The bins the command uses: 20, fewer when there are fewer rank values or when a bin would
/// expect fewer than 5 ranks (Cochran's rule); at least 1.
int sbc_bins(int max_rank, std::size_t replicates);

/// Q(a, x) = Gamma(a, x) / Gamma(a), the regularized upper incomplete gamma function, a > 0,
/// x >= 0: the series of P = 1 - Q for x < a + 1, else Legendre's continued fraction for Q
/// (evaluated by the modified Lentz method); chi-square's upper tail is Q(k/2, x/2).
double gamma_q(double a, double x);

}  // namespace diagnostics
}  // namespace lockstep
