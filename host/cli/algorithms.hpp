#pragma once
// The samplers the `sample` and `study` commands can run, by name, and the per-superchain
// initial points of nested R-hat's design.
//
// Adding an algorithm is one line in the table of algorithms.cpp:
//   {"chees", &run_with<CheesConfig, &AnyModel::sample_chees>},
// run_with<> copies the settings every sampler config shares (chains, warmup, draws, thin,
// seed, save_warmup, init_radius, init_unconstrained, threads) and then calls configure() for
// that config type; an overload configure(CheesConfig&, const SamplerSettings&) may set the
// algorithm's own options (the catch-all template leaves them at their defaults).
#include <cstdint>
#include <string>
#include <vector>

#include "host/run/any_model.hpp"

namespace lockstep {
namespace cli {

/// Everything the command line can ask of an MCMC sampler.
struct SamplerSettings {
  int chains = 4;
  int warmup = 1000;
  int draws = 1000;
  int thin = 1;
  std::uint64_t seed = 1;
  bool save_warmup = false;
  double init_radius = 2.0;
  std::vector<std::vector<double>> init_unconstrained;  // empty, one for all, or one per chain
  int threads = 0;
  // Algorithm options; each sampler reads those it has.
  double target_accept = 0.8;
  int steps = 10;
  int max_depth = 10;
  std::string metric = "diag";
  bool pool_adaptation = false;
};

using SamplerRun = void (*)(const AnyModel& model, const SamplerSettings& s, DrawSet& draws, RunInfo& info,
                            Progress* progress);

struct Algorithm {
  const char* name;
  SamplerRun run;
};

/// Every algorithm `--algorithm` accepts, in display order.
const std::vector<Algorithm>& algorithms();

/// The algorithm called `name`; InputError naming `flag` and listing the choices otherwise.
const Algorithm& find_algorithm(const std::string& name, const std::string& flag = "--algorithm");

/// The step-size adaptation target an algorithm uses when --target-accept is not given:
/// Stan's 0.8, or 0.651 for ChEES (Hoffman, Radul & Sountsov 2021, sec. 3).
double default_target_accept(const std::string& algorithm);

/// "hmc, nuts, ..." for messages.
std::string algorithm_names();

/// Initial values for nested R-hat's design (Margossian et al. 2024, section 3): one point
/// per superchain, every coordinate uniform(−radius, radius) on the unconstrained scale, drawn
/// from Philox stream (seed, superchain k), purpose Stream::kUser + 1, counter (attempt, i);
/// a point whose log density or gradient is not finite is redrawn (up to 100 attempts, then
/// std::runtime_error). Chain c gets the point of superchain c / (chains / superchains).
/// Requires superchains ≥ 1 dividing chains.
std::vector<std::vector<double>> superchain_inits(const AnyModel& model, int chains, int superchains,
                                                  double radius, std::uint64_t seed);

}  // namespace cli
}  // namespace lockstep
