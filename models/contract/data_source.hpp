#pragma once
// DataSource: named fields of a model's data set, read with validation. Every error is an
// InputError whose message starts with the origin (file name) and names the field.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "models/contract/input_error.hpp"

namespace lockstep {

class DataSource {
 public:
  virtual ~DataSource() = default;
  /// Where the data came from, e.g. "data/eight_schools.json"; starts every message.
  virtual std::string origin() const = 0;
  virtual bool has(const std::string& field) const = 0;
  /// A scalar integer field.
  virtual long get_int(const std::string& field) const = 0;
  /// A numeric array field (a scalar is read as length 1). Non-finite values are refused.
  virtual std::vector<double> get_reals(const std::string& field) const = 0;
  /// An integer array field.
  virtual std::vector<long> get_ints(const std::string& field) const = 0;

  // Validating helpers built on the accessors above.
  std::vector<double> reals_of_size(const std::string& field, long n) const {
    std::vector<double> v = get_reals(field);
    if (static_cast<long>(v.size()) != n)
      fail(field, "expected " + std::to_string(n) + " values, found " + std::to_string(v.size()));
    return v;
  }
  std::vector<double> positive_reals_of_size(const std::string& field, long n) const {
    std::vector<double> v = reals_of_size(field, n);
    for (std::size_t i = 0; i < v.size(); ++i)
      if (!(v[i] > 0))
        fail(field, "value " + std::to_string(i + 1) + " is " + format_number(v[i]) +
                        ", must be positive");
    return v;
  }
  long positive_int(const std::string& field) const {
    long n = get_int(field);
    if (n <= 0) fail(field, "must be a positive integer, found " + std::to_string(n));
    return n;
  }
  /// Shortest round-trip text of a number, for messages ("0", "-1e-09", "2.5").
  static std::string format_number(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    for (int digits = 1; digits <= 17; ++digits) {
      char shorter[32];
      std::snprintf(shorter, sizeof shorter, "%.*g", digits, x);
      if (std::strtod(shorter, nullptr) == x) return shorter;
    }
    return buf;
  }
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw InputError(origin() + ": field '" + field + "': " + what);
  }
};

}  // namespace lockstep
