#pragma once
// How the glmm writes a number for a person (level labels, prior arguments): "10", "0.5",
// "-2.25", "1e-09" — plain decimals where they round-trip, else the shortest %g.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace lockstep {
namespace models {
namespace glmm {

inline std::string number_text(double x) {
  char buf[64];
  if (x == 0) return "0";
  if (std::fabs(x) >= 1e-4 && std::fabs(x) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.15f", x);
    std::string s = buf;
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    if (std::strtod(s.c_str(), nullptr) == x) return s;
  }
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

}  // namespace glmm
}  // namespace models
}  // namespace lockstep
