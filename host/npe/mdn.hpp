#pragma once
// A mixture density network (Bishop 1994, "Mixture density networks", Aston University
// NCRG/94/004): a conditional density q(theta | x) whose mixture of K full-covariance Gaussians
// has weights, means and Cholesky factors given by a small fully connected network of x.
//
// Why an MDN rather than a flow: Papamakarios & Murray 2016 ("Fast epsilon-free inference of
// simulation models with Bayesian conditional density estimation", NeurIPS) estimate the
// posterior of SNPE-A with exactly this network, and Lueckmann et al. 2021 (sbibm) find NPE
// with an MDN close to flow-based NPE on low-dimensional posteriors such as the peak model's
// five parameters. Its loss and gradient are closed-form per component, so the backward pass
// is written out by hand below (and checked against finite differences in tests/npe/), with
// batched matrix products through Eigen — no autodiff framework.
//
// Network (L hidden tanh layers of H units):
//   h_0 = x,   h_l = tanh(W_l h_{l-1} + b_l)  (l = 1..L),   o = W_{L+1} h_L + b_{L+1}.
// Output o (P = K (1 + d + d (d + 1) / 2) values), per component k:
//   alpha_k                   logits:  pi = softmax(alpha)
//   mu_k[0..d)                means
//   a_k[0..d)                 U_k[i][i] = exp(a_k[i])   (a positive diagonal)
//   c_k[(i, j), i < j]        U_k[i][j] = c_k[(i, j)]   (row-major upper triangle)
// U_k is the upper Cholesky factor of component k's PRECISION: Sigma_k^-1 = U_k^T U_k, so
//   log N(theta; mu_k, Sigma_k) = -d/2 log(2 pi) + sum_i a_k[i] - |z_k|^2 / 2,
//   z_k = U_k (theta - mu_k)
// (the parameterization of Papamakarios & Murray 2016's MDN; sampling solves U_k e = eps).
//
// Loss of one pair (theta, x): L = -log q(theta | x) = -logsumexp_k(l_k) with
//   l_k = log pi_k + log N_k.  With r_k = exp(l_k + L) (responsibilities), delta = theta - mu_k:
//   dL/dalpha_k   = pi_k - r_k
//   dL/dmu_k      = -r_k U_k^T z_k
//   dL/dU_k[i][j] = r_k z_k[i] delta[j]                 (i < j)
//   dL/da_k[i]    = -r_k (1 - z_k[i] delta[i] U_k[i][i])
// and back through the layers (g_o = dL/do):
//   dL/dW_l = g_l h_{l-1}^T,  dL/db_l = g_l,  g_{l-1} = (W_l^T g_l) .* (1 - h_{l-1}^2).
#include <cstdint>
#include <vector>

namespace lockstep {
namespace npe {

/// The network's sizes.
struct MdnShape {
  int n_x = 0;         // inputs (the simulated data's length)
  int n_theta = 0;     // d: the parameters' dimension
  int n_hidden = 50;   // H: units per hidden layer
  int n_layers = 2;    // L: hidden layers
  int n_components = 10;  // K
  int n_outputs() const;  // P
  int n_params() const;   // all weights and biases
  bool operator==(const MdnShape& o) const {
    return n_x == o.n_x && n_theta == o.n_theta && n_hidden == o.n_hidden && n_layers == o.n_layers &&
           n_components == o.n_components;
  }
};

/// Eigen's own threading off while alive (Eigen::setNbThreads(1), the previous value restored
/// after). The trainer parallelizes over fixed chunks of a batch itself; left on, Eigen would
/// split a product over threads when called from a one-thread team (the products' rounding
/// then depending on the thread count) and pay a nested thread start for tiny matrices.
/// EIGEN_DONT_PARALLELIZE in mdn.cpp alone is not enough: other files of the library
/// instantiate the same Eigen products with threading on, and the linker keeps one copy.
class EigenSerial {
 public:
  EigenSerial();
  ~EigenSerial();
  EigenSerial(const EigenSerial&) = delete;
  EigenSerial& operator=(const EigenSerial&) = delete;

 private:
  int saved_;
};

/// Glorot-uniform weights (Glorot & Bengio 2010), zero biases; the output layer's weights are
/// scaled by 0.1 and the component means' biases drawn N(0, 1), so that components start apart
/// (they do not collapse onto one another) with unit precision. Philox keyed by (seed, 0).
std::vector<double> init_params(const MdnShape& shape, std::uint64_t seed);

/// Sum over a batch of -log q(theta_b | x_b) (standardized scales) and, when grad is not null,
/// its gradient added into grad[0..n_params). x: [B][n_x], theta: [B][n_theta], row-major.
/// Single-threaded (callers split batches themselves).
double mdn_loss(const MdnShape& shape, const double* params, const double* x, const double* theta, int batch,
                double* grad);

/// The mixture at one input x.
struct Mixture {
  int k = 0, d = 0;
  std::vector<double> log_weight;  // [K] log pi_k
  std::vector<double> mean;        // [K][d]
  std::vector<double> chol;        // [K][d][d] U_k, upper triangular (precision factor)
  std::vector<double> log_det;     // [K] sum_i log U_k[i][i]
};
Mixture mixture_at(const MdnShape& shape, const double* params, const double* x);

/// log q(theta | x) of the mixture.
double mixture_log_density(const Mixture& m, const double* theta);

/// l[k] = log pi_k + log N(theta; mu_k, Sigma_k) for k < K (mixture_log_density is their
/// log-sum-exp).
void mixture_component_log_densities(const Mixture& m, const double* theta, double* l);

/// The mixture's mean [d] and covariance [d][d] (row-major):
///   mean = sum_k pi_k mu_k,  cov = sum_k pi_k (Sigma_k + mu_k mu_k^T) - mean mean^T,
///   Sigma_k = U_k^-1 U_k^-T.
void mixture_moments(const Mixture& m, std::vector<double>& mean, std::vector<double>& cov);

/// One draw: the component from the uniform u, then theta = mu_k + U_k^-1 eps (eps: d standard
/// normals).
void mixture_draw(const Mixture& m, double u, const double* eps, double* theta);

}  // namespace npe
}  // namespace lockstep
