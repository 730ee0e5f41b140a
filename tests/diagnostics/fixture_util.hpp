#pragma once
// Helpers shared by the diagnostics tests: fixture loading and tolerant comparison.
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/diagnostics/convergence.hpp"

namespace lockstep::diagnostics::testing {

inline nlohmann::json load_fixture(const std::string& name) {
  const std::string path = std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/diagnostics/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  return nlohmann::json::parse(in);
}

/// JSON number, or NaN for null (the fixtures write NaN as null).
inline double num(const nlohmann::json& v) {
  return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>();
}

/// Draws of one fixture case, [chain][draw], and a Chains view of them.
struct CaseDraws {
  std::vector<std::vector<double>> draws;
  Chains chains() const {
    Chains x;
    x.n_draws = draws.empty() ? 0 : static_cast<int>(draws[0].size());
    for (const auto& d : draws) x.chain.push_back(d.data());
    return x;
  }
};

inline CaseDraws case_draws(const nlohmann::json& c) {
  CaseDraws d;
  for (const auto& chain : c.at("draws")) d.draws.push_back(chain.get<std::vector<double>>());
  return d;
}

/// Relative gap |a − b|/|b| (absolute when b = 0); 0 when both NaN, +inf when one is.
inline double gap(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return 0.0;
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::infinity();
  if (a == b) return 0.0;
  return std::fabs(a - b) / (b != 0.0 ? std::fabs(b) : 1.0);
}

}  // namespace lockstep::diagnostics::testing
