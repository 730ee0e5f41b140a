// SMC-ABC's perturbation kernel: its covariance and Cholesky factor (smc_abc_population.hpp).
// Out of line so that Eigen is parsed here once, not in every source that includes the
// algorithm list.
#include "host/algorithms/smc_abc/smc_abc_population.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "models/contract/input_error.hpp"

namespace lockstep {
namespace smc_abc {

std::vector<double> perturbation_cholesky(const std::vector<double>& theta, const std::vector<double>& w, int dim,
                                          double scale) {
  const std::size_t n = w.size();
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(dim);
  for (std::size_t i = 0; i < n; ++i)
    for (int a = 0; a < dim; ++a) mean[a] += w[i] * theta[i * dim + a];
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(dim, dim);
  Eigen::VectorXd r(dim);
  for (std::size_t i = 0; i < n; ++i) {
    for (int a = 0; a < dim; ++a) r[a] = theta[i * dim + a] - mean[a];
    cov.noalias() += w[i] * r * r.transpose();
  }
  cov *= scale;
  if (!cov.allFinite())  // parameters so spread (a prior of scale 1e160) that their squares overflow
    throw InputError("smc-abc: the population's covariance is not finite (its parameters' spread squared overflows "
                     "a double); rescale the prior or the model's parameters");
  const double top = cov.diagonal().maxCoeff() > 0 ? cov.diagonal().maxCoeff() : 1.0;
  for (double ridge = 0; ridge <= top; ridge = ridge == 0 ? 1e-12 * top : ridge * 100) {
    Eigen::LLT<Eigen::MatrixXd> llt(cov + ridge * Eigen::MatrixXd::Identity(dim, dim));
    if (llt.info() == Eigen::Success) {
      const Eigen::MatrixXd L = llt.matrixL();
      std::vector<double> out(static_cast<std::size_t>(dim) * dim, 0.0);
      for (int a = 0; a < dim; ++a)
        for (int b = 0; b <= a; ++b) out[static_cast<std::size_t>(a) * dim + b] = L(a, b);
      return out;
    }
  }
  throw std::runtime_error("smc-abc: the population's covariance has no Cholesky factor");
}

}  // namespace smc_abc
}  // namespace lockstep
