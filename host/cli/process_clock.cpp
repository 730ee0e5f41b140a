#include "host/cli/process_clock.hpp"

#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <utility>

namespace lockstep {
namespace cli {
namespace {
// Dynamic initialization: runs before main() (process_clock.hpp).
const std::chrono::steady_clock::time_point g_process_start = std::chrono::steady_clock::now();
}  // namespace

double seconds_since_start() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - g_process_start).count();
}

std::string format_end_to_end(double total, const std::vector<std::pair<const char*, double>>& phases) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "End to end: %.3f s (", total);
  std::string s = buf;
  bool first = true;
  for (const auto& p : phases) {
    std::snprintf(buf, sizeof buf, "%s%s %.3f s", first ? "" : ", ", p.first, p.second);
    s += buf;
    first = false;
  }
  return phases.size() == 0 ? s.substr(0, s.size() - 2) : s + ")";
}

}  // namespace cli
}  // namespace lockstep
