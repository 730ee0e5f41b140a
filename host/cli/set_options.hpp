#pragma once
// The --set parser: model options as key=value pairs (a file of its own so that the fuzz
// build, fuzz/fuzz_targets.hpp, can compile it without the commands).
#include <map>
#include <string>
#include <vector>

namespace lockstep {
namespace cli {

/// "key=value" pairs into a map. InputError naming --set for a malformed pair (no '=', an
/// empty key or value) or a key given twice (the second would silently win).
std::map<std::string, std::string> parse_set_options(const std::vector<std::string>& set);

}  // namespace cli
}  // namespace lockstep
