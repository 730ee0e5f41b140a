#pragma once
// An in-memory DataSource for tests.
#include <map>
#include <string>
#include <vector>

#include "models/contract/data_source.hpp"

namespace lockstep {
namespace testing {

class MemoryDataSource : public DataSource {
 public:
  std::map<std::string, std::vector<double>> fields;
  std::string origin() const override { return "memory"; }
  bool has(const std::string& f) const override { return fields.count(f) > 0; }
  long get_int(const std::string& f) const override { return static_cast<long>(at(f).at(0)); }
  std::vector<double> get_reals(const std::string& f) const override { return at(f); }
  std::vector<long> get_ints(const std::string& f) const override {
    std::vector<long> out;
    for (double v : at(f)) out.push_back(static_cast<long>(v));
    return out;
  }

 private:
  const std::vector<double>& at(const std::string& f) const {
    auto it = fields.find(f);
    if (it == fields.end()) fail(f, "missing");
    return it->second;
  }
};

inline MemoryDataSource eight_schools_data() {
  MemoryDataSource d;
  d.fields["J"] = {8};
  d.fields["y"] = {28, 8, -3, 7, -1, 1, 18, 12};
  d.fields["sigma"] = {15, 10, 16, 11, 9, 11, 10, 18};
  return d;
}

}  // namespace testing
}  // namespace lockstep
