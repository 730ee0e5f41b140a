#pragma once
// Training a mixture density network (host/npe/mdn.hpp) by maximum likelihood on simulated
// pairs (theta_n, x_n), as sbi's NPE does (Papamakarios & Murray 2016; Greenberg,
// Nonnenmacher & Macke 2019, with the prior as proposal, where the loss is plain -log q):
//
//   - z-scoring: x and theta standardized with the training set's means and sds
//     (Standardizer; a constant column keeps sd 1);
//   - a validation split: a Philox permutation of the pairs, the last floor(f n) of it held
//     out (sbi: validation_fraction = 0.1);
//   - Adam (Kingma & Ba 2015, algorithm 1; b1 = 0.9, b2 = 0.999, eps = 1e-8, learning rate
//     5e-4 as sbi) on mini-batches (200, sbi's training_batch_size) of a fresh permutation every
//     epoch, the batch gradient's global norm clipped at 5 (sbi's clip_max_norm);
//   - early stopping: after every epoch the mean validation loss; stop when it has not improved
//     for `patience` epochs (sbi: stop_after_epochs = 20) and keep the best network;
//   - a non-finite loss stops training at that epoch with the best network so far.
//
// Threads: a batch is cut into fixed chunks of kChunk pairs whatever the number of threads;
// each chunk's gradient is summed alone and the chunks added in order, so the network is the
// same bits for any thread count.
#include <cstdint>
#include <functional>
#include <vector>

#include "host/npe/mdn.hpp"

namespace lockstep {
namespace npe {

/// Per-column mean and sd of an [n][dim] row-major table; apply() maps in place to z-scores.
struct Standardizer {
  std::vector<double> mean, sd;
  static Standardizer fit(const double* v, std::int64_t n, int dim);
  void apply(double* v, std::int64_t n) const;
  /// sum_j log sd_j: log q(theta) = log q(z) - this, for theta standardized by it.
  double log_jacobian() const;
};

struct TrainState;

struct TrainOptions {
  int batch_size = 200;
  double learning_rate = 5e-4;
  int max_epochs = 1000000;
  int patience = 20;
  double validation_fraction = 0.1;
  double clip_norm = 5.0;
  std::uint64_t seed = 1;
  int threads = 0;  // 0: OpenMP's default
  /// Checkpoints (lockstep npe --checkpoint): training continues from `resume` (a state that
  /// after_epoch was given) instead of from the initial network; `after_epoch` is called after
  /// every epoch that training goes on from, and may throw to stop it (Ctrl-C).
  const TrainState* resume = nullptr;
  std::function<void(const TrainState&)> after_epoch;
};

struct EpochLoss {
  int epoch = 0;          // 1-based
  double train = 0;       // mean -log q over the epoch's mini-batches (during the epoch)
  double validation = 0;  // mean -log q on the validation pairs after the epoch
  double seconds = 0;     // since training started
};

struct TrainResult {
  std::vector<EpochLoss> history;
  int best_epoch = 0;     // 0: no finite validation loss yet
  double best_validation = 0;
  int nan_epoch = 0;      // > 0: a non-finite loss stopped training in this epoch
  std::int64_t n_train = 0, n_validation = 0;
  double seconds = 0;
};

/// Where training stands after an epoch: all that the next epoch reads (the shuffles are keyed
/// by the epoch), so that training resumed from it is the bits of an uninterrupted run.
struct TrainState {
  std::vector<double> params, m, v, best;  // network, Adam's moments, best network so far
  double b1t = 1, b2t = 1;                 // Adam's b1^t, b2^t
  int since_best = 0;                      // epochs without improvement
  TrainResult result;                      // the epochs so far (history.size() = epochs done)
};

/// The number of validation pairs for n pairs: floor(fraction n).
std::int64_t validation_count(std::int64_t n, double fraction);

/// Trains `params` (initialized, e.g. by init_params) on n standardized pairs x [n][n_x],
/// theta [n][n_theta]; on return they are the best network's. `loss_offset` is added to every
/// reported loss (e.g. the standardizer's log-Jacobian, to report -log q on the original
/// scale). `on_epoch`, when given, is called after every epoch.
TrainResult train_mdn(const MdnShape& shape, std::vector<double>& params, const double* x, const double* theta,
                      std::int64_t n, const TrainOptions& options, double loss_offset = 0,
                      const std::function<void(const EpochLoss&)>& on_epoch = nullptr);

/// Mean -log q over n pairs (standardized), chunked and threaded as the training.
double mean_loss(const MdnShape& shape, const std::vector<double>& params, const double* x, const double* theta,
                 std::int64_t n, int threads = 0);

}  // namespace npe
}  // namespace lockstep
