#include "host/cli/set_options.hpp"

#include "models/contract/input_error.hpp"

namespace lockstep {
namespace cli {

std::map<std::string, std::string> parse_set_options(const std::vector<std::string>& set) {
  std::map<std::string, std::string> out;
  for (const std::string& kv : set) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size())
      throw InputError("--set " + kv + ": expected key=value");
    const std::string key = kv.substr(0, eq);
    if (!out.emplace(key, kv.substr(eq + 1)).second)
      throw InputError("--set " + key + ": given twice (" + out[key] + " and " + kv.substr(eq + 1) + ")");
  }
  return out;
}

}  // namespace cli
}  // namespace lockstep
