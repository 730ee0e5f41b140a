#include "host/cli/initial_values.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

#include "host/io/json_data.hpp"
#include "kernels/core/philox.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace cli {

bool apply_init_radius(const std::string& init, RunSettings& settings) {
  const std::string radius_text = init.rfind("unif", 0) == 0 ? init.substr(4) : init;
  try {
    std::size_t used = 0;
    const double r = std::stod(radius_text, &used);
    if (used == radius_text.size()) {
      if (!(r > 0) || !std::isfinite(r)) throw InputError("--init: the radius must be positive, found " + radius_text);
      settings.init_radius = r;
      return true;
    }
  } catch (const std::invalid_argument&) {
  } catch (const std::out_of_range&) {
  }
  return false;
}

void apply_init(const std::string& init, const AnyModel& model, RunSettings& settings) {
  if (apply_init_radius(init, settings)) return;
  apply_init_values(*load_json_data(init), model, settings);
}

void apply_init_values(const DataSource& values_source, const AnyModel& model, RunSettings& settings) {
  const DataSource* values = &values_source;
  // A value by its full name ("b_floor", "b_height:male", "r_county[3,Intercept]", "theta[2]"),
  // or, for an indexed name, from an array under its base name ("theta": [...], "r_county":
  // [[...], ...]) at the name's position among the names with that base (row-major, as the
  // outputs are ordered). Not both for one name (which would win is a guess), and an array no
  // deeper than the name's indices (a 2 x 4 array is not the 8 values of a vector).
  std::vector<double> outputs;
  std::map<std::string, int> position, count;
  std::set<std::string> known;
  auto base_of = [](const std::string& name) {
    const auto bracket = name.find('[');
    return bracket == std::string::npos ? name : name.substr(0, bracket);
  };
  for (const std::string& name : model.names()) {
    ++count[base_of(name)];
    known.insert(name);
    known.insert(base_of(name));
  }
  for (const std::string& name : model.names()) {
    const auto bracket = name.find('[');
    const std::string base = base_of(name);
    const int index = position[base]++;
    const bool indexed = bracket != std::string::npos && bracket != 0;
    if (indexed && values->has(name) && values->has(base))
      values->fail(name, "given both by this name and in the array '" + base + "'");
    if (values->has(name) || !indexed) {
      outputs.push_back(values->reals_of_size(name, 1)[0]);
      continue;
    }
    if (!values->has(base)) values->fail(name, "missing (give it by this name, or an array '" + base + "')");
    const std::size_t indices = 1 + static_cast<std::size_t>(std::count(name.begin() + bracket, name.end(), ','));
    const std::vector<long> dims = values->shape(base);
    if (dims.size() > indices) {
      std::string text;
      for (long d : dims) text += (text.empty() ? "" : " x ") + std::to_string(d);
      values->fail(base, "a " + text + " array, deeper than the " + std::to_string(indices) + " index(es) of '" +
                             name + "'");
    }
    // The whole array, not a prefix: 9 values for 8 parameters is a mistake, not a spare.
    const std::vector<double> v = values->array_of_size(base, count[base]);
    outputs.push_back(v[index]);
  }
  // Other fields (a previous run's lp__ or generated quantities, a misspelt name) are read by
  // no one: said once each, not refused (CmdStan ignores them too).
  for (const std::string& field : values->field_names())
    if (!known.count(field))
      std::cerr << "lockstep: note: " << values->origin() << ": '" << field << "' is not a parameter of the model; "
                   "ignored\n";
  try {
    settings.init_unconstrained = {model.unconstrain(outputs)};
  } catch (const InputError& e) {
    throw InputError(values->origin() + ": " + e.what());
  }
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
