// Adam on mini-batches with a validation split and early stopping (host/npe/trainer.hpp).
#include "host/npe/trainer.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "kernels/core/philox.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace npe {
namespace {

constexpr int kChunk = 50;  // pairs per gradient chunk (fixed: the sums never depend on threads)
// Philox streams of the trainer (kUser + n: the model contract's streams stay apart).
constexpr Stream kSplitStream = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 1);
constexpr Stream kShuffleStream = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 2);

/// Fisher-Yates shuffle of idx with the uniforms of (seed, iteration, stream).
void shuffle(std::vector<std::int64_t>& idx, std::uint64_t seed, std::uint64_t iteration, Stream stream) {
  const Rng rng{seed, 0};
  const std::int64_t n = static_cast<std::int64_t>(idx.size());
  for (std::int64_t i = n - 1; i > 0; --i) {
    // 2^32 numbers per iteration word: a shuffle of more than 2^32 pairs uses the next ones.
    const std::uint64_t k = static_cast<std::uint64_t>(n - 1 - i);
    const double u = uniform(rng, iteration * 4 + (k >> 32), stream, static_cast<std::uint32_t>(k));
    const std::int64_t j = std::min<std::int64_t>(i, static_cast<std::int64_t>(u * static_cast<double>(i + 1)));
    std::swap(idx[i], idx[j]);
  }
}

int thread_count(int threads) { return threads > 0 ? threads : omp_get_max_threads(); }

/// Sum of the losses of `n` contiguous pairs and (grad not null) of their gradients, cut in
/// chunks of kChunk pairs; `chunk_grads` holds one gradient per chunk.
double chunked_loss(const MdnShape& s, const double* params, const double* x, const double* theta, std::int64_t n,
                    double* grad, std::vector<std::vector<double>>& chunk_grads, int threads) {
  const std::int64_t chunks = (n + kChunk - 1) / kChunk;
  const std::size_t np = static_cast<std::size_t>(s.n_params());
  if (grad && static_cast<std::int64_t>(chunk_grads.size()) < chunks) chunk_grads.resize(chunks);
  std::vector<double> losses(static_cast<std::size_t>(chunks), 0.0);
#pragma omp parallel for schedule(static) num_threads(thread_count(threads))
  for (std::int64_t c = 0; c < chunks; ++c) {
    const std::int64_t b0 = c * kChunk, nb = std::min<std::int64_t>(kChunk, n - b0);
    double* g = nullptr;
    if (grad) {
      chunk_grads[c].assign(np, 0.0);
      g = chunk_grads[c].data();
    }
    losses[c] = mdn_loss(s, params, x + b0 * s.n_x, theta + b0 * s.n_theta, static_cast<int>(nb), g);
  }
  double total = 0;
  for (std::int64_t c = 0; c < chunks; ++c) total += losses[c];
  if (grad) {
    // omp simd: the build turns off g++'s run-time alias checks (CMakeLists.txt), which left
    // this loop over two pointers scalar; each grad[i] still sums the chunks in their order.
    std::fill(grad, grad + np, 0.0);
    for (std::int64_t c = 0; c < chunks; ++c) {
      const double* src = chunk_grads[c].data();
#pragma omp simd
      for (std::size_t i = 0; i < np; ++i) grad[i] += src[i];
    }
  }
  return total;
}

}  // namespace

Standardizer Standardizer::fit(const double* v, std::int64_t n, int dim) {
  Standardizer s;
  s.mean.assign(dim, 0.0);
  s.sd.assign(dim, 1.0);
  for (int j = 0; j < dim; ++j) {
    double m = 0;
    for (std::int64_t i = 0; i < n; ++i) m += v[i * dim + j];
    m /= std::max<std::int64_t>(n, 1);
    double ss = 0;
    for (std::int64_t i = 0; i < n; ++i) ss += (v[i * dim + j] - m) * (v[i * dim + j] - m);
    const double sd = n > 1 ? std::sqrt(ss / (n - 1)) : 0.0;
    s.mean[j] = m;
    s.sd[j] = sd > 0 && std::isfinite(sd) ? sd : 1.0;  // a constant column stays as it is, centred
  }
  return s;
}

void Standardizer::apply(double* v, std::int64_t n) const {
  const int dim = static_cast<int>(mean.size());
  for (std::int64_t i = 0; i < n; ++i)
    for (int j = 0; j < dim; ++j) v[i * dim + j] = (v[i * dim + j] - mean[j]) / sd[j];
}

double Standardizer::log_jacobian() const {
  double s = 0;
  for (double v : sd) s += std::log(v);
  return s;
}

std::int64_t validation_count(std::int64_t n, double fraction) {
  return static_cast<std::int64_t>(std::floor(fraction * static_cast<double>(n)));
}

double mean_loss(const MdnShape& shape, const std::vector<double>& params, const double* x, const double* theta,
                 std::int64_t n, int threads) {
  const EigenSerial serial;
  std::vector<std::vector<double>> none;
  return chunked_loss(shape, params.data(), x, theta, n, nullptr, none, threads) / static_cast<double>(n);
}

TrainResult train_mdn(const MdnShape& s, std::vector<double>& params, const double* x, const double* theta,
                      std::int64_t n, const TrainOptions& o, double loss_offset,
                      const std::function<void(const EpochLoss&)>& on_epoch) {
  const auto t0 = std::chrono::steady_clock::now();
  const EigenSerial serial;
  TrainState st;  // everything an epoch reads and writes: what a checkpoint keeps
  TrainResult& r = st.result;
  r.n_validation = validation_count(n, o.validation_fraction);
  r.n_train = n - r.n_validation;
  const int nx = s.n_x, nt = s.n_theta;
  // The split: a permutation; training pairs first, then the validation pairs, copied
  // contiguously (validation) or gathered per batch (training).
  std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  shuffle(perm, o.seed, 0, kSplitStream);
  std::vector<double> vx(static_cast<std::size_t>(r.n_validation) * nx), vt(static_cast<std::size_t>(r.n_validation) * nt);
  for (std::int64_t i = 0; i < r.n_validation; ++i) {
    const std::int64_t src = perm[r.n_train + i];
    std::copy(x + src * nx, x + (src + 1) * nx, vx.begin() + i * nx);
    std::copy(theta + src * nt, theta + (src + 1) * nt, vt.begin() + i * nt);
  }
  std::vector<std::int64_t> train(perm.begin(), perm.begin() + r.n_train);

  const std::size_t np = params.size();
  if (const TrainState* from = o.resume) {
    if (from->params.size() != np || from->m.size() != np || from->v.size() != np || from->best.size() != np)
      throw InputError("npe: the checkpoint's network has " + std::to_string(from->params.size()) +
                       " parameters, this run's " + std::to_string(np) + " (another --hidden, --layers or --components?)");
    const std::int64_t n_validation = r.n_validation, n_train = r.n_train;
    st = *from;  // r is st.result: the epochs so far and the best of them
    r.n_validation = n_validation;
    r.n_train = n_train;
  } else {
    st.params = params;
    st.m.assign(np, 0.0);
    st.v.assign(np, 0.0);
    st.best = params;
    r.best_validation = std::numeric_limits<double>::infinity();
  }
  std::vector<double>& net = st.params;
  std::vector<double> grad(np, 0.0);
  std::vector<std::vector<double>> chunk_grads;
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const int B = o.batch_size;
  std::vector<double> bx(static_cast<std::size_t>(B) * nx), bt(static_cast<std::size_t>(B) * nt);
  const int first_epoch = static_cast<int>(r.history.size()) + 1;
  const double seconds_before = r.history.empty() ? 0 : r.history.back().seconds;  // of a resumed state
  for (int epoch = first_epoch; epoch <= o.max_epochs; ++epoch) {
    std::vector<std::int64_t> order = train;
    shuffle(order, o.seed, static_cast<std::uint64_t>(epoch), kShuffleStream);
    double train_sum = 0;
    bool finite = true;
    for (std::int64_t b0 = 0; b0 < r.n_train && finite; b0 += B) {
      const std::int64_t nb = std::min<std::int64_t>(B, r.n_train - b0);
      for (std::int64_t i = 0; i < nb; ++i) {
        const std::int64_t src = order[b0 + i];
        std::copy(x + src * nx, x + (src + 1) * nx, bx.begin() + i * nx);
        std::copy(theta + src * nt, theta + (src + 1) * nt, bt.begin() + i * nt);
      }
      const double loss = chunked_loss(s, net.data(), bx.data(), bt.data(), nb, grad.data(), chunk_grads, o.threads);
      // Vectorized (omp simd: the reduction in 8 partial sums, the same for any thread count;
      // the Adam loop below has no dependence between parameters). Scalar, these two loops
      // were 13% of the training time.
      double norm2 = 0;
      double* gp = grad.data();
#pragma omp simd reduction(+ : norm2)
      for (std::size_t i = 0; i < np; ++i) {
        gp[i] /= static_cast<double>(nb);  // gradient of the batch's MEAN loss
        norm2 += gp[i] * gp[i];
      }
      if (!std::isfinite(loss) || !std::isfinite(norm2)) {
        finite = false;
        break;
      }
      train_sum += loss;
      const double norm = std::sqrt(norm2);
      const double scale = norm > o.clip_norm ? o.clip_norm / norm : 1.0;
      const double b1t = st.b1t *= b1, b2t = st.b2t *= b2;
      const double lr = o.learning_rate;
      double *pp = net.data(), *mp = st.m.data(), *vp = st.v.data();
#pragma omp simd
      for (std::size_t i = 0; i < np; ++i) {
        const double g = gp[i] * scale;
        mp[i] = b1 * mp[i] + (1 - b1) * g;
        vp[i] = b2 * vp[i] + (1 - b2) * g * g;
        pp[i] -= lr * (mp[i] / (1 - b1t)) / (std::sqrt(vp[i] / (1 - b2t)) + eps);  // descent
      }
    }
    EpochLoss e;
    e.epoch = epoch;
    e.train = finite ? train_sum / static_cast<double>(r.n_train) + loss_offset
                     : std::numeric_limits<double>::quiet_NaN();
    e.validation = finite ? mean_loss(s, net, vx.data(), vt.data(), r.n_validation, o.threads) + loss_offset
                          : std::numeric_limits<double>::quiet_NaN();
    e.seconds = seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.history.push_back(e);
    if (on_epoch) on_epoch(e);
    if (!std::isfinite(e.validation) || !std::isfinite(e.train)) {
      r.nan_epoch = epoch;
      break;
    }
    if (e.validation < r.best_validation) {
      r.best_validation = e.validation;
      r.best_epoch = epoch;
      st.best = net;
      st.since_best = 0;
    } else if (++st.since_best >= o.patience) {
      break;
    }
    if (o.after_epoch && epoch < o.max_epochs) o.after_epoch(st);
  }
  params = st.best;
  r.seconds = seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace npe
}  // namespace lockstep
