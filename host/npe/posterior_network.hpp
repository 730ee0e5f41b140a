#pragma once
// The trained posterior estimator q(theta | x) of NPE: a mixture density network
// (host/npe/mdn.hpp) with the z-scoring of its inputs and outputs, trained on simulated pairs
// (host/npe/trainer.hpp), and draws from it at an observed data set.
//
// theta here is the model's UNCONSTRAINED parameter vector (the model's own transform, as the
// samplers use: for the peak model the logit of the prior box), so the estimator has support
// on all of R^d and no mass leaks outside the prior's support; the draws are mapped back by the
// model's write_out. Nothing is rejected (rejection rate 0).
#include <cstdint>
#include <functional>
#include <vector>

#include "host/npe/mdn.hpp"
#include "host/npe/trainer.hpp"

namespace lockstep {
namespace npe {

struct PosteriorNetwork {
  MdnShape shape;
  std::vector<double> params;
  Standardizer x_scale;      // z-scoring of x (training set)
  Standardizer theta_scale;  // z-scoring of theta (training set)
};

/// Standardizes n pairs theta [n][d], x [n][n_x] by the means and sds of all n pairs (as sbi
/// z-scores with the statistics of the data handed to its density estimator; the validation
/// tenth is a random subset of them), initializes the network (seed) and trains it. `shape` gives the architecture; its
/// n_x and n_theta are set here.
PosteriorNetwork train_posterior_network(std::vector<double> theta, std::vector<double> x, std::int64_t n, int d,
                                         int n_x, MdnShape shape, const TrainOptions& options, TrainResult& result,
                                         const std::function<void(const EpochLoss&)>& on_epoch = nullptr);

/// Trains `net` further on n pairs (a later round of sequential NPE, as sbi goes on training
/// its density estimator): its z-scoring stays the one fitted in the first round, and the
/// network starts from its current weights (fresh Adam moments and early stopping).
void continue_training(PosteriorNetwork& net, std::vector<double> theta, std::vector<double> x, std::int64_t n,
                       const TrainOptions& options, TrainResult& result,
                       const std::function<void(const EpochLoss&)>& on_epoch = nullptr);

/// q(. | x_obs) at one observed data set, evaluated many times (the network run once).
struct PosteriorAt {
  Mixture mixture;           // on the z-scored scale
  Standardizer theta_scale;
  double log_jacobian = 0;   // of the z-scoring
  /// log q(theta | x_obs) on theta's scale (as draw_posterior's log_q).
  double log_density(const double* theta) const;
  /// The mixture component of largest pi_k N_k(theta) (the one theta most likely came from).
  int component_of(const double* theta) const;
};
PosteriorAt posterior_at(const PosteriorNetwork& net, const std::vector<double>& x_obs);

/// D draws of theta from q(theta | x_obs) ([D][d] row-major) and log q of each (on theta's
/// scale, the z-scoring's Jacobian included). Draw k uses Philox Rng{seed, k} only (stream
/// kUser + 3: uniform 0 picks the component, normals 0..d-1 the point), so it does not depend
/// on D or on the thread count.
void draw_posterior(const PosteriorNetwork& net, const std::vector<double>& x_obs, int draws, std::uint64_t seed,
                    std::vector<double>& theta, std::vector<double>& log_q);

/// The mixture's mean and sd per coordinate at x_obs, on theta's scale.
void posterior_moments(const PosteriorNetwork& net, const std::vector<double>& x_obs, std::vector<double>& mean,
                       std::vector<double>& sd);

}  // namespace npe
}  // namespace lockstep
