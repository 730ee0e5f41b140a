#include "host/cli/algorithms.hpp"

#include <cmath>
#include <stdexcept>

#include "host/io/input_error.hpp"
#include "kernels/core/philox.hpp"

namespace lockstep {
namespace cli {
namespace {

/// Algorithm options of each config type; the catch-all keeps a sampler's defaults.
template <class Config>
void configure(Config&, const SamplerSettings&) {}

void configure(HmcConfig& c, const SamplerSettings& s) {
  c.target_accept = s.target_accept;
  c.steps = s.steps;
  c.pool_adaptation = s.pool_adaptation;
}

void configure(NutsConfig& c, const SamplerSettings& s) {
  c.target_accept = s.target_accept;
  c.max_depth = s.max_depth;
  c.metric = s.metric;
  c.pool_adaptation = s.pool_adaptation;
}

void configure(CheesConfig& c, const SamplerSettings& s) { c.target_accept = s.target_accept; }

template <class Config, void (AnyModel::*Sample)(const Config&, DrawSet&, RunInfo&, Progress*) const>
void run_with(const AnyModel& model, const SamplerSettings& s, DrawSet& draws, RunInfo& info, Progress* progress) {
  Config c;
  c.chains = s.chains;
  c.warmup = s.warmup;
  c.draws = s.draws;
  c.thin = s.thin;
  c.seed = s.seed;
  c.save_warmup = s.save_warmup;
  c.init_radius = s.init_radius;
  c.init_unconstrained = s.init_unconstrained;
  c.threads = s.threads;
  configure(c, s);
  (model.*Sample)(c, draws, info, progress);
}

}  // namespace

const std::vector<Algorithm>& algorithms() {
  static const std::vector<Algorithm> table = {
      {"hmc", &run_with<HmcConfig, &AnyModel::sample_hmc>},
      {"nuts", &run_with<NutsConfig, &AnyModel::sample_nuts>},
      {"chees", &run_with<CheesConfig, &AnyModel::sample_chees>},
  };
  return table;
}

double default_target_accept(const std::string& algorithm) {
  return algorithm == "chees" ? CheesConfig{}.target_accept : HmcConfig{}.target_accept;
}

std::string algorithm_names() {
  std::string s;
  for (const Algorithm& a : algorithms()) s += (s.empty() ? "" : ", ") + std::string(a.name);
  return s;
}

const Algorithm& find_algorithm(const std::string& name, const std::string& flag) {
  for (const Algorithm& a : algorithms())
    if (name == a.name) return a;
  throw InputError(flag + ": '" + name + "' is not one of: " + algorithm_names());
}

std::vector<std::vector<double>> superchain_inits(const AnyModel& model, int chains, int superchains,
                                                  double radius, std::uint64_t seed) {
  if (superchains < 1 || chains % superchains != 0)
    throw std::invalid_argument("superchain_inits: superchains must divide chains");
  constexpr int kAttempts = 100;
  const auto purpose = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 1);
  const int dim = model.dim(), per = chains / superchains;
  std::vector<std::vector<double>> points(superchains, std::vector<double>(dim));
  std::vector<double> grad(dim);
  for (int k = 0; k < superchains; ++k) {
    const Rng rng{seed, static_cast<std::uint32_t>(k)};
    bool ok = false;
    for (int a = 0; a < kAttempts && !ok; ++a) {
      for (int i = 0; i < dim; ++i)
        points[k][i] = radius * (2 * uniform(rng, static_cast<std::uint64_t>(a), purpose, static_cast<std::uint32_t>(i)) - 1);
      const double lp = model.log_density_and_grad(points[k], grad);
      ok = std::isfinite(lp);
      for (int i = 0; i < dim && ok; ++i) ok = std::isfinite(grad[i]);
    }
    if (!ok)
      throw std::runtime_error("no finite log density at " + std::to_string(kAttempts) +
                               " random initial points of superchain " + std::to_string(k + 1) +
                               "; try a smaller --init radius");
  }
  std::vector<std::vector<double>> out(chains);
  for (int c = 0; c < chains; ++c) out[c] = points[c / per];
  return out;
}

}  // namespace cli
}  // namespace lockstep
