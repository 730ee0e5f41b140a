// The Gaussian model's loader arithmetic (gaussian.hpp): Sigma's checks and its inverse, with
// Eigen. Out of line so that Eigen is parsed here once, not in every source that includes the
// model.
#include "models/gaussian.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Core>

namespace lockstep {
namespace models {
namespace gaussian_detail {
namespace {

/// True when the leading k x k block of S (symmetric) is positive definite with every pivot
/// d_j > kPivotTol S_jj (Eigen's LLT: d_j = L_jj^2).
bool leading_block_positive_definite(const Eigen::MatrixXd& S, int k) {
  const Eigen::LLT<Eigen::MatrixXd> llt(S.topLeftCorner(k, k));
  if (llt.info() != Eigen::Success) return false;
  const Eigen::MatrixXd L = llt.matrixL();
  for (int j = 0; j < k; ++j)
    if (!(L(j, j) * L(j, j) > kPivotTol * S(j, j))) return false;
  return true;
}

}  // namespace

std::vector<double> precision_from_covariance(const DataSource& src, const std::string& field, std::vector<double> S,
                                              int n) {
  Eigen::MatrixXd A(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) A(i, j) = S[static_cast<std::size_t>(i) * n + j];
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      const double a = A(i, j), b = A(j, i);
      const double scale = std::fmax(std::fmax(std::fabs(a), std::fabs(b)), std::sqrt(std::fabs(A(i, i) * A(j, j))));
      if (std::fabs(a - b) > kSymmetryTol * scale)
        src.fail(field, "not symmetric: " + field + "[" + std::to_string(i + 1) + "," + std::to_string(j + 1) +
                            "] = " + shortest(a) + " but " + field + "[" + std::to_string(j + 1) + "," +
                            std::to_string(i + 1) + "] = " + shortest(b));
      A(i, j) = A(j, i) = 0.5 * (a + b);
    }
  if (!leading_block_positive_definite(A, n)) {
    int lo = 0, hi = n;  // block lo is positive definite (or empty), block hi is not
    while (hi - lo > 1) {
      const int mid = (lo + hi) / 2;
      (leading_block_positive_definite(A, mid) ? lo : hi) = mid;
    }
    src.fail(field, "not positive definite (leading minor of order " + std::to_string(hi) + " is not positive)");
  }
  const Eigen::MatrixXd inv = A.llt().solve(Eigen::MatrixXd::Identity(n, n));
  std::vector<double> P(static_cast<std::size_t>(n) * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) P[static_cast<std::size_t>(i) * n + j] = 0.5 * (inv(i, j) + inv(j, i));
  return P;
}

}  // namespace gaussian_detail
}  // namespace models
}  // namespace lockstep
