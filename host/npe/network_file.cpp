// Saving and loading NPE networks (host/npe/network_file.hpp).
#include "host/npe/network_file.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "host/io/atomic_file.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace npe {
namespace {

using nlohmann::json;
constexpr const char* kFormat = "lockstep-npe-network";

json scale_json(const Standardizer& s) { return {{"mean", s.mean}, {"sd", s.sd}}; }

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

/// Equal up to the rounding of a float build's simulations (relative 1e-5).
bool close(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) {
      if (std::isfinite(a[i]) != std::isfinite(b[i])) return false;
      continue;
    }
    if (std::abs(a[i] - b[i]) > 1e-5 * std::max(1.0, std::max(std::abs(a[i]), std::abs(b[i])))) return false;
  }
  return true;
}

/// Non-finite fingerprint values as JSON null (JSON has no NaN).
json numbers(const std::vector<double>& v) {
  json a = json::array();
  for (double x : v) a.push_back(std::isfinite(x) ? json(x) : json(nullptr));
  return a;
}
std::vector<double> numbers_from(const json& a) {
  std::vector<double> v;
  for (const json& x : a) v.push_back(x.is_null() ? std::nan("") : x.get<double>());
  return v;
}

}  // namespace

void save_network(const std::string& path, const NetworkHeader& h, const PosteriorNetwork& net) {
  json j;
  j["format"] = kFormat;
  j["version"] = kNetworkFileVersion;
  j["model"] = h.model;
  j["options"] = h.options;
  j["parameters"] = h.parameters;
  j["n_theta"] = h.n_theta;
  j["n_x"] = h.n_x;
  j["fingerprint"] = {{"theta", numbers(h.fingerprint_theta)}, {"x", numbers(h.fingerprint_x)}};
  j["shape"] = {{"n_x", net.shape.n_x},
                {"n_theta", net.shape.n_theta},
                {"hidden", net.shape.n_hidden},
                {"layers", net.shape.n_layers},
                {"components", net.shape.n_components}};
  j["x_scale"] = scale_json(net.x_scale);
  j["theta_scale"] = scale_json(net.theta_scale);
  j["training"] = {{"sims", h.sims}, {"best_epoch", h.best_epoch}, {"seconds", h.train_seconds}};
  j["params"] = net.params;
  io::AtomicFile f(path);
  f.write(j.dump() + "\n");  // nlohmann writes doubles round-trip exact (17 digits where needed)
  f.commit();
}

PosteriorNetwork load_network(const std::string& path, const std::string& flag, const NetworkHeader& e,
                              NetworkHeader* header_out) {
  const std::string where = flag + " " + path + ": ";
  std::ifstream in(path);
  if (!in) throw InputError(where + "cannot read the file");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception&) {
    throw InputError(where + "not a lockstep NPE network file (not JSON)");
  }
  PosteriorNetwork net;
  NetworkHeader h;
  try {
    if (!j.is_object() || j.value("format", std::string()) != kFormat)
      throw InputError(where + "not a lockstep NPE network file (no \"format\": \"" + kFormat + "\")");
    const int version = j.at("version").get<int>();
    if (version != kNetworkFileVersion)
      throw InputError(where + "network file version " + std::to_string(version) + "; this lockstep reads version " +
                       std::to_string(kNetworkFileVersion));
    h.model = j.at("model").get<std::string>();
    h.options = j.at("options").get<std::string>();
    h.parameters = j.at("parameters").get<std::vector<std::string>>();
    h.n_theta = j.at("n_theta").get<int>();
    h.n_x = j.at("n_x").get<int>();
    h.fingerprint_theta = numbers_from(j.at("fingerprint").at("theta"));
    h.fingerprint_x = numbers_from(j.at("fingerprint").at("x"));
    h.sims = j.at("training").value("sims", 0LL);
    h.best_epoch = j.at("training").value("best_epoch", 0);
    h.train_seconds = j.at("training").value("seconds", 0.0);
    const json& s = j.at("shape");
    net.shape.n_x = s.at("n_x").get<int>();
    net.shape.n_theta = s.at("n_theta").get<int>();
    net.shape.n_hidden = s.at("hidden").get<int>();
    net.shape.n_layers = s.at("layers").get<int>();
    net.shape.n_components = s.at("components").get<int>();
    net.x_scale.mean = j.at("x_scale").at("mean").get<std::vector<double>>();
    net.x_scale.sd = j.at("x_scale").at("sd").get<std::vector<double>>();
    net.theta_scale.mean = j.at("theta_scale").at("mean").get<std::vector<double>>();
    net.theta_scale.sd = j.at("theta_scale").at("sd").get<std::vector<double>>();
    net.params = j.at("params").get<std::vector<double>>();
  } catch (const json::exception& ex) {
    throw InputError(where + "malformed network file (" + std::string(ex.what()) + ")");
  }
  const MdnShape& s = net.shape;
  if (s.n_x < 1 || s.n_theta < 1 || s.n_hidden < 1 || s.n_layers < 1 || s.n_components < 1 || s.n_x != h.n_x ||
      s.n_theta != h.n_theta || net.params.size() != static_cast<std::size_t>(s.n_params()) ||
      net.x_scale.mean.size() != static_cast<std::size_t>(s.n_x) || net.x_scale.sd.size() != net.x_scale.mean.size() ||
      net.theta_scale.mean.size() != static_cast<std::size_t>(s.n_theta) ||
      net.theta_scale.sd.size() != net.theta_scale.mean.size())
    throw InputError(where + "malformed network file (sizes of shape, scales and weights disagree)");
  // A scale divides (x - mean) / sd: every sd positive and finite, every mean and weight finite.
  const auto bad = [](const std::vector<double>& v, bool positive) {
    for (double x : v)
      if (!std::isfinite(x) || (positive && !(x > 0))) return true;
    return false;
  };
  if (bad(net.x_scale.sd, true) || bad(net.theta_scale.sd, true))
    throw InputError(where + "malformed network file (a scale's sd is not a positive finite number)");
  if (bad(net.x_scale.mean, false) || bad(net.theta_scale.mean, false) || bad(net.params, false))
    throw InputError(where + "malformed network file (a scale's mean or a weight is not finite)");
  if (h.model != e.model)
    throw InputError(where + "a network for model '" + h.model + "', not '" + e.model + "'");
  if (h.options != e.options)
    throw InputError(where + "trained with model options '" + h.options + "', this run has '" + e.options +
                     "' (another prior?)");
  if (h.parameters != e.parameters || h.n_x != e.n_x)
    throw InputError(where + "trained for parameters (" + join(h.parameters) + ") and " + std::to_string(h.n_x) +
                     " simulated values; this run has (" + join(e.parameters) + ") and " + std::to_string(e.n_x));
  if (!close(h.fingerprint_theta, e.fingerprint_theta))
    throw InputError(where + "trained with another prior (the prior draws at the fingerprint seed differ)");
  if (!close(h.fingerprint_x, e.fingerprint_x))
    throw InputError(where + "trained on another simulator (its simulations differ: other data such as x or y_err?)");
  if (header_out) *header_out = h;
  return net;
}

}  // namespace npe
}  // namespace lockstep
