#pragma once
// Initial values of a run, from the command line: --init (a radius or a JSON file of
// parameter values) and the per-superchain starting points of nested R-hat's design.
#include <cstdint>
#include <string>
#include <vector>

#include "host/registry/any_model.hpp"
#include "host/run/run_settings.hpp"

namespace lockstep {
namespace cli {

/// --init: "unifR" (uniform(-R, R) on the unconstrained scale; Stan's default R = 2), a bare
/// number R, or a JSON file of parameter values on the constrained scale (used by all
/// chains). Sets settings.init_radius or settings.init_unconstrained. InputError naming --init.
void apply_init(const std::string& init, const AnyModel& model, RunSettings& settings);

/// apply_init's two halves: a radius ("unif2", "0.5"; false when `init` is not one), and
/// values by name from a data source (the JSON file) onto the model's outputs, then to the
/// unconstrained scale. A name is matched in full ("theta[2]", "r_county[3,Intercept]") or
/// from an array under its base name ("theta": [...], "r_county": [[...], ...]) whose size must
/// be the number of outputs with that base.
bool apply_init_radius(const std::string& init, RunSettings& settings);
void apply_init_values(const DataSource& values, const AnyModel& model, RunSettings& settings);

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
