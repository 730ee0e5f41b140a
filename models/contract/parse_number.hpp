#pragma once
// Whole-string number parsing for options and flags: "12" is an integer, "12x", "" and "1e999"
// are not. The callers turn a false into an InputError naming the option or flag.
#include <cmath>
#include <cstdlib>
#include <exception>
#include <string>

namespace lockstep {

/// true and v when all of `text` is a decimal integer that fits a long.
inline bool parse_integer(const std::string& text, long& v) {
  std::size_t used = 0;
  try {
    v = std::stol(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used != 0 && used == text.size();
}

/// true and v when all of `text` is a finite number.
inline bool parse_real(const std::string& text, double& v) {
  std::size_t used = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used != 0 && used == text.size() && std::isfinite(v);
}

}  // namespace lockstep
