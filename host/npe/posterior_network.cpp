// Training and drawing from the NPE posterior network (host/npe/posterior_network.hpp).
#include "host/npe/posterior_network.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/philox.hpp"

namespace lockstep {
namespace npe {
namespace {
constexpr Stream kDrawStream = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 3);
}  // namespace

PosteriorNetwork train_posterior_network(std::vector<double> theta, std::vector<double> x, std::int64_t n, int d,
                                         int n_x, MdnShape shape, const TrainOptions& options, TrainResult& result,
                                         const std::function<void(const EpochLoss&)>& on_epoch) {
  PosteriorNetwork net;
  shape.n_x = n_x;
  shape.n_theta = d;
  net.shape = shape;
  net.x_scale = Standardizer::fit(x.data(), n, n_x);
  net.theta_scale = Standardizer::fit(theta.data(), n, d);
  net.x_scale.apply(x.data(), n);
  net.theta_scale.apply(theta.data(), n);
  net.params = init_params(shape, options.seed);
  result = train_mdn(shape, net.params, x.data(), theta.data(), n, options, net.theta_scale.log_jacobian(), on_epoch);
  return net;
}

void continue_training(PosteriorNetwork& net, std::vector<double> theta, std::vector<double> x, std::int64_t n,
                       const TrainOptions& options, TrainResult& result,
                       const std::function<void(const EpochLoss&)>& on_epoch) {
  net.x_scale.apply(x.data(), n);
  net.theta_scale.apply(theta.data(), n);
  result = train_mdn(net.shape, net.params, x.data(), theta.data(), n, options, net.theta_scale.log_jacobian(), on_epoch);
}

PosteriorAt posterior_at(const PosteriorNetwork& net, const std::vector<double>& x_obs) {
  std::vector<double> xz = x_obs;
  net.x_scale.apply(xz.data(), 1);
  PosteriorAt p;
  p.mixture = mixture_at(net.shape, net.params.data(), xz.data());
  p.theta_scale = net.theta_scale;
  p.log_jacobian = net.theta_scale.log_jacobian();
  return p;
}

double PosteriorAt::log_density(const double* theta) const {
  const int d = mixture.d;
  double zs[64];
  std::vector<double> zv;
  double* z = zs;
  if (d > 64) {
    zv.resize(static_cast<std::size_t>(d));
    z = zv.data();
  }
  for (int i = 0; i < d; ++i) z[i] = (theta[i] - theta_scale.mean[i]) / theta_scale.sd[i];
  return mixture_log_density(mixture, z) - log_jacobian;
}

int PosteriorAt::component_of(const double* theta) const {
  const int d = mixture.d;
  std::vector<double> z(static_cast<std::size_t>(d)), l(static_cast<std::size_t>(mixture.k));
  for (int i = 0; i < d; ++i) z[i] = (theta[i] - theta_scale.mean[i]) / theta_scale.sd[i];
  mixture_component_log_densities(mixture, z.data(), l.data());
  return static_cast<int>(std::max_element(l.begin(), l.end()) - l.begin());
}

void draw_posterior(const PosteriorNetwork& net, const std::vector<double>& x_obs, int draws, std::uint64_t seed,
                    std::vector<double>& theta, std::vector<double>& log_q) {
  std::vector<double> xz = x_obs;
  net.x_scale.apply(xz.data(), 1);
  const Mixture m = mixture_at(net.shape, net.params.data(), xz.data());
  const int d = net.shape.n_theta;
  const double log_jac = net.theta_scale.log_jacobian();
  theta.resize(static_cast<std::size_t>(draws) * d);
  log_q.resize(static_cast<std::size_t>(draws));
#pragma omp parallel for schedule(static)
  for (int k = 0; k < draws; ++k) {
    const Rng rng{seed, static_cast<std::uint32_t>(k)};
    std::vector<double> eps(d), z(d);
    for (int i = 0; i < d; ++i) eps[i] = normal(rng, 0, kDrawStream, static_cast<std::uint32_t>(i));
    mixture_draw(m, uniform(rng, 1, kDrawStream, 0), eps.data(), z.data());
    log_q[k] = mixture_log_density(m, z.data()) - log_jac;
    for (int i = 0; i < d; ++i)
      theta[static_cast<std::size_t>(k) * d + i] = net.theta_scale.mean[i] + net.theta_scale.sd[i] * z[i];
  }
}

void posterior_moments(const PosteriorNetwork& net, const std::vector<double>& x_obs, std::vector<double>& mean,
                       std::vector<double>& sd) {
  std::vector<double> xz = x_obs;
  net.x_scale.apply(xz.data(), 1);
  const Mixture m = mixture_at(net.shape, net.params.data(), xz.data());
  std::vector<double> mz, cz;
  mixture_moments(m, mz, cz);
  const int d = net.shape.n_theta;
  mean.resize(d);
  sd.resize(d);
  for (int i = 0; i < d; ++i) {
    mean[i] = net.theta_scale.mean[i] + net.theta_scale.sd[i] * mz[i];
    sd[i] = net.theta_scale.sd[i] * std::sqrt(cz[static_cast<std::size_t>(i) * d + i]);
  }
}

}  // namespace npe
}  // namespace lockstep
