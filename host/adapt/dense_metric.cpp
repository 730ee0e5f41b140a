// The dense metric's Cholesky factor (dense_metric.hpp), out of line so that Eigen is parsed
// here once, not in every source that includes a sampler.
#include "host/adapt/dense_metric.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Core>

namespace lockstep {
namespace adapt {

bool cholesky_lower(const std::vector<double>& a, int dim, std::vector<double>& L) {
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  for (double x : a)
    if (!std::isfinite(x)) return false;
  const Eigen::LLT<RowMajor> llt(Eigen::Map<const RowMajor>(a.data(), dim, dim));
  if (llt.info() != Eigen::Success) return false;
  L.assign(static_cast<std::size_t>(dim) * dim, 0.0);
  Eigen::Map<RowMajor>(L.data(), dim, dim) = llt.matrixL();
  for (int i = 0; i < dim; ++i)
    if (!(L[static_cast<std::size_t>(i) * (dim + 1)] > 0)) return false;
  return true;
}

}  // namespace adapt
}  // namespace lockstep
