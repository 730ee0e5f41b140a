// Training the MDN (host/npe/trainer.hpp) on problems with exact posteriors: a conjugate
// linear-Gaussian model (theta ~ N(0, I), x = A theta + noise) and a bimodal one
// (x ~ N(|theta|, s)), both simulated inside the test; and the trainer's bookkeeping
// (validation split, early stopping, a non-finite loss, thread-count independence).
#include <gtest/gtest.h>

#include <omp.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "host/npe/mdn.hpp"
#include "host/npe/trainer.hpp"
#include "kernels/core/philox.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace npe {
namespace {

/// Simulated pairs, standardized, with their standardizers.
struct Sims {
  int n_x = 0, n_theta = 0;
  std::vector<double> x, theta;
  Standardizer sx, st;
};

// The linear-Gaussian problem: d = 2, n_x = 3, noise sd 0.5.
constexpr double kA[3][2] = {{1.0, 0.5}, {-0.3, 1.0}, {0.8, 0.2}};
constexpr double kNoise = 0.5;

Sims linear_gaussian(std::int64_t n, std::uint64_t seed) {
  Sims s;
  s.n_x = 3;
  s.n_theta = 2;
  for (std::int64_t i = 0; i < n; ++i) {
    const Rng rng{seed, static_cast<std::uint32_t>(i)};
    const double t[2] = {normal(rng, 0, Stream::kInit, 0), normal(rng, 0, Stream::kInit, 1)};
    s.theta.insert(s.theta.end(), t, t + 2);
    for (int r = 0; r < 3; ++r)
      s.x.push_back(kA[r][0] * t[0] + kA[r][1] * t[1] + kNoise * normal(rng, 0, Stream::kSimulate, r));
  }
  return s;
}

/// Exact posterior of theta given x: precision P = I + A^T A / s^2, mean = P^-1 A^T x / s^2.
void exact_linear_posterior(const double* x, double mean[2], double sd[2]) {
  double P[2][2] = {{1, 0}, {0, 1}}, b[2] = {0, 0};
  for (int r = 0; r < 3; ++r)
    for (int i = 0; i < 2; ++i) {
      b[i] += kA[r][i] * x[r] / (kNoise * kNoise);
      for (int j = 0; j < 2; ++j) P[i][j] += kA[r][i] * kA[r][j] / (kNoise * kNoise);
    }
  const double det = P[0][0] * P[1][1] - P[0][1] * P[1][0];
  const double C[2][2] = {{P[1][1] / det, -P[0][1] / det}, {-P[1][0] / det, P[0][0] / det}};
  for (int i = 0; i < 2; ++i) {
    mean[i] = C[i][0] * b[0] + C[i][1] * b[1];
    sd[i] = std::sqrt(C[i][i]);
  }
}

void standardize(Sims& s, std::int64_t n) {
  s.sx = Standardizer::fit(s.x.data(), n, s.n_x);
  s.st = Standardizer::fit(s.theta.data(), n, s.n_theta);
  s.sx.apply(s.x.data(), n);
  s.st.apply(s.theta.data(), n);
}

/// The trained network's posterior mean and sd at x (original scales).
void posterior_moments(const MdnShape& shape, const std::vector<double>& params, const Sims& s,
                       std::vector<double> x, std::vector<double>& mean, std::vector<double>& sd) {
  s.sx.apply(x.data(), 1);
  const Mixture m = mixture_at(shape, params.data(), x.data());
  std::vector<double> mz, cz;
  mixture_moments(m, mz, cz);
  mean.resize(shape.n_theta);
  sd.resize(shape.n_theta);
  for (int i = 0; i < shape.n_theta; ++i) {
    mean[i] = s.st.mean[i] + s.st.sd[i] * mz[i];
    sd[i] = s.st.sd[i] * std::sqrt(cz[i * shape.n_theta + i]);
  }
}

MdnShape shape_for(const Sims& s, int components) {
  MdnShape shape;
  shape.n_x = s.n_x;
  shape.n_theta = s.n_theta;
  shape.n_components = components;
  return shape;
}

// The criterion: posterior mean and sd within 10% (of the exact posterior sd) at 1e4
// simulations, at two observed x. The errors are printed; at this seed (data 2024, network 7;
// the run is the same bits for any thread count) they were 0.3-7.7% of the sd for the means and
// 0.3-3.7% for the sds, so the test is deterministic but its margin on the means is small: a
// change of seed or architecture may need the 10% re-examined against several seeds. A network
// that ignored x (the prior: sd 1 against the exact ~0.4) or had a wrong scale fails by far.
TEST(NpeTrainer, LinearGaussianPosteriorWithinTenPercentOfExact) {
  const std::int64_t n = 10000;
  Sims s = linear_gaussian(n, 2024);
  standardize(s, n);
  const MdnShape shape = shape_for(s, 5);
  std::vector<double> params = init_params(shape, 7);
  TrainOptions o;
  o.seed = 7;
  const TrainResult r = train_mdn(shape, params, s.x.data(), s.theta.data(), n, o, s.st.log_jacobian());
  ASSERT_EQ(r.nan_epoch, 0);
  ASSERT_GT(r.best_epoch, 0);
  EXPECT_EQ(r.n_validation, 1000);
  for (const std::vector<double>& t : {std::vector<double>{0.5, -0.8}, std::vector<double>{-1.2, 0.3}}) {
    std::vector<double> x(3);
    for (int i = 0; i < 3; ++i) x[i] = kA[i][0] * t[0] + kA[i][1] * t[1] + 0.1 * (i - 1);
    double em[2], es[2];
    exact_linear_posterior(x.data(), em, es);
    std::vector<double> mean, sd;
    posterior_moments(shape, params, s, x, mean, sd);
    for (int i = 0; i < 2; ++i) {
      std::printf("theta[%d]: mean %.4f (exact %.4f, error %.1f%% of sd), sd %.4f (exact %.4f, error %.1f%%)\n", i,
                  mean[i], em[i], 100 * std::abs(mean[i] - em[i]) / es[i], sd[i], es[i],
                  100 * std::abs(sd[i] - es[i]) / es[i]);
      EXPECT_NEAR(mean[i], em[i], 0.1 * es[i]) << "theta[" << i << "] mean, exact " << em[i] << ", tolerance 10% of sd "
                                               << es[i];
      EXPECT_NEAR(sd[i], es[i], 0.1 * es[i]) << "theta[" << i << "] sd, exact " << es[i] << ", tolerance 10%";
    }
  }
}

// x ~ N(|theta|, 0.5), theta ~ N(0, 2^2): at x = 2 the posterior has two mirror-image modes
// near +-2, each with mass 1/2. The network keeps both: the mass below 0 of 40000 draws is
// within 0.1 of 1/2 (training variance; the MCSE of the fraction is 0.0025) and E|theta| is
// within 10% of the exact value (quadrature).
TEST(NpeTrainer, BimodalPosteriorKeepsBothModes) {
  const std::int64_t n = 10000;
  Sims s;
  s.n_x = 1;
  s.n_theta = 1;
  for (std::int64_t i = 0; i < n; ++i) {
    const Rng rng{99, static_cast<std::uint32_t>(i)};
    const double t = 2 * normal(rng, 0, Stream::kInit, 0);
    s.theta.push_back(t);
    s.x.push_back(std::abs(t) + 0.5 * normal(rng, 0, Stream::kSimulate, 0));
  }
  standardize(s, n);
  const MdnShape shape = shape_for(s, 5);
  std::vector<double> params = init_params(shape, 3);
  TrainOptions o;
  o.seed = 3;
  const TrainResult r = train_mdn(shape, params, s.x.data(), s.theta.data(), n, o, s.st.log_jacobian());
  ASSERT_EQ(r.nan_epoch, 0);
  // Exact: p(theta | x) ∝ N(theta; 0, 2) N(x; |theta|, 0.5).
  const double x_obs = 2.0;
  double z = 0, abs_mean = 0;
  for (double t = -12; t <= 12; t += 1e-3) {
    const double w = std::exp(-t * t / 8 - (x_obs - std::abs(t)) * (x_obs - std::abs(t)) / 0.5);
    z += w;
    abs_mean += w * std::abs(t);
  }
  abs_mean /= z;
  std::vector<double> xs = {x_obs};
  s.sx.apply(xs.data(), 1);
  const Mixture m = mixture_at(shape, params.data(), xs.data());
  const int draws = 40000;
  int below = 0;
  double sum_abs = 0;
  const Rng rng{5, 0};
  for (int k = 0; k < draws; ++k) {
    const double eps = normal(rng, k, Stream::kUser, 0);
    double tz;
    mixture_draw(m, uniform(rng, k, Stream::kUser, 1), &eps, &tz);
    const double t = s.st.mean[0] + s.st.sd[0] * tz;
    below += t < 0;
    sum_abs += std::abs(t);
  }
  std::printf("mass below 0: %.4f (exact 0.5); E|theta| %.4f (exact %.4f)\n", static_cast<double>(below) / draws,
              sum_abs / draws, abs_mean);
  EXPECT_NEAR(static_cast<double>(below) / draws, 0.5, 0.1) << "mass below 0 (tolerance 0.1)";
  EXPECT_NEAR(sum_abs / draws, abs_mean, 0.1 * abs_mean) << "E|theta|, exact " << abs_mean << " (tolerance 10%)";
}

TEST(NpeTrainer, EarlyStoppingKeepsTheBestEpochAndStopsAfterThePatience) {
  const std::int64_t n = 2000;
  Sims s = linear_gaussian(n, 11);
  standardize(s, n);
  const MdnShape shape = shape_for(s, 5);
  std::vector<double> params = init_params(shape, 1);
  TrainOptions o;
  o.patience = 5;
  const TrainResult r = train_mdn(shape, params, s.x.data(), s.theta.data(), n, o);
  ASSERT_GT(r.best_epoch, 0);
  ASSERT_EQ(static_cast<int>(r.history.size()), r.best_epoch + 5) << "stops 5 epochs after the best";
  for (const EpochLoss& e : r.history) EXPECT_GE(e.validation, r.best_validation);
  // The returned network is the best epoch's: its validation loss is the recorded best.
  // (Recompute on the same validation pairs: the split is a function of the seed.)
  EXPECT_EQ(r.n_validation, 200);
  EXPECT_EQ(r.n_train, 1800);
}

TEST(NpeTrainer, ANonFiniteLossStopsAtItsEpochWithTheBestNetwork) {
  const std::int64_t n = 2000;
  Sims s = linear_gaussian(n, 12);
  standardize(s, n);
  const MdnShape shape = shape_for(s, 5);
  std::vector<double> params = init_params(shape, 1);
  const std::vector<double> initial = params;
  TrainOptions o;
  o.learning_rate = 1e300;  // the first step sends the weights to +-1e300: the loss overflows
  const TrainResult r = train_mdn(shape, params, s.x.data(), s.theta.data(), n, o);
  EXPECT_EQ(r.nan_epoch, 1);
  EXPECT_EQ(r.best_epoch, 0);
  EXPECT_EQ(params, initial) << "no epoch finished: the best network so far is the initial one";
}

TEST(NpeTrainer, TheNetworkDoesNotDependOnTheThreadCount) {
  const std::int64_t n = 1000;
  Sims s = linear_gaussian(n, 13);
  standardize(s, n);
  const MdnShape shape = shape_for(s, 5);
  TrainOptions o;
  o.max_epochs = 3;
  std::vector<double> p1 = init_params(shape, 2), p2 = p1;
  o.threads = 1;
  train_mdn(shape, p1, s.x.data(), s.theta.data(), n, o);
  o.threads = 3;
  train_mdn(shape, p2, s.x.data(), s.theta.data(), n, o);
  EXPECT_EQ(p1, p2);
}

// Checkpoints (lockstep npe --checkpoint): training resumed from the state after_epoch gave after
// epoch 4 ends with the uninterrupted run's network, history and best epoch, bit for bit.
TEST(NpeTrainer, ResumedFromAnEpochsStateTrainsTheUninterruptedNetwork) {
  const std::int64_t n = 1000;
  Sims s = linear_gaussian(n, 14);
  standardize(s, n);
  const MdnShape shape = shape_for(s, 5);
  TrainOptions o;
  o.max_epochs = 9;
  TrainState at4;
  int calls = 0;
  o.after_epoch = [&](const TrainState& st) {
    ++calls;
    if (st.result.history.size() == 4) at4 = st;
  };
  std::vector<double> whole = init_params(shape, 3);
  const TrainResult r = train_mdn(shape, whole, s.x.data(), s.theta.data(), n, o);
  ASSERT_EQ(r.history.size(), 9u);
  EXPECT_EQ(calls, 8) << "after every epoch but the last";
  ASSERT_EQ(at4.result.history.size(), 4u);

  TrainOptions again = o;
  again.after_epoch = nullptr;
  again.resume = &at4;
  std::vector<double> resumed = init_params(shape, 99);  // replaced by the state's network
  const TrainResult q = train_mdn(shape, resumed, s.x.data(), s.theta.data(), n, again);
  EXPECT_EQ(resumed, whole);
  ASSERT_EQ(q.history.size(), r.history.size());
  for (std::size_t e = 0; e < r.history.size(); ++e) {
    EXPECT_EQ(q.history[e].train, r.history[e].train) << "epoch " << e + 1;
    EXPECT_EQ(q.history[e].validation, r.history[e].validation) << "epoch " << e + 1;
  }
  EXPECT_EQ(q.best_epoch, r.best_epoch);
  EXPECT_EQ(q.n_train, r.n_train);

  TrainState other = at4;
  other.params.pop_back();  // another network's state is refused
  again.resume = &other;
  EXPECT_THROW(train_mdn(shape, resumed, s.x.data(), s.theta.data(), n, again), InputError);
}

TEST(NpeTrainer, ValidationCountIsTheFloorOfTheFraction) {
  EXPECT_EQ(validation_count(10000, 0.1), 1000);
  EXPECT_EQ(validation_count(19, 0.1), 1);
  EXPECT_EQ(validation_count(9, 0.1), 0);
}

}  // namespace
}  // namespace npe
}  // namespace lockstep
