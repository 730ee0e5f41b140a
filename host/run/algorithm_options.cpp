#include "host/run/algorithm_options.hpp"

#include <cmath>
#include <stdexcept>

#include "models/contract/data_source.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/parse_number.hpp"

namespace lockstep {

int AlgorithmOptions::get_int(const std::string& flag, int fallback, int min_value, int max_value) const {
  auto it = given_.find(flag);
  if (it == given_.end()) return fallback;
  long v = 0;
  if (!parse_integer(it->second, v)) throw InputError(flag + ": '" + it->second + "' is not an integer");
  if (v < min_value || v > max_value)
    throw InputError(flag + ": must be between " + std::to_string(min_value) + " and " + std::to_string(max_value) +
                     ", found " + it->second);
  return static_cast<int>(v);
}

double AlgorithmOptions::get_real(const std::string& flag, double fallback) const {
  auto it = given_.find(flag);
  if (it == given_.end()) return fallback;
  double v = 0;
  if (!parse_real(it->second, v)) throw InputError(flag + ": '" + it->second + "' is not a finite number");
  return v;
}

double AlgorithmOptions::get_real_open(const std::string& flag, double fallback, double lo, double hi) const {
  const double v = get_real(flag, fallback);
  if (given(flag) && !(v > lo && v < hi))
    throw InputError(flag + ": must be strictly between " + DataSource::format_number(lo) + " and " +
                     DataSource::format_number(hi) + ", found " + given_.at(flag));
  return v;
}

double AlgorithmOptions::get_positive(const std::string& flag, double fallback) const {
  const double v = get_real(flag, fallback);
  if (given(flag) && !(v > 0)) throw InputError(flag + ": must be positive, found " + given_.at(flag));
  return v;
}

std::string AlgorithmOptions::get_choice(const std::string& flag, const std::string& fallback,
                                         const std::vector<std::string>& allowed) const {
  auto it = given_.find(flag);
  if (it == given_.end()) return fallback;
  std::string list;
  for (const std::string& a : allowed) {
    if (a == it->second) return a;
    list += (list.empty() ? "" : ", ") + a;
  }
  throw InputError(flag + ": '" + it->second + "' is not one of: " + list);
}

std::string AlgorithmOptions::get_text(const std::string& flag, const std::string& fallback) const {
  auto it = given_.find(flag);
  return it == given_.end() ? fallback : it->second;
}

}  // namespace lockstep
