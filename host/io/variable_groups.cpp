// Outputs grouped into variables (host/io/variable_groups.hpp).
#include "host/io/variable_groups.hpp"

#include <algorithm>
#include <stdexcept>

namespace lockstep {
namespace io {
namespace {

/// Splits "L[2,3]" into "L" and {"2", "3"} (spaces around an index dropped); false if the name
/// has no well-formed index list.
bool split_indexed(const std::string& name, std::string* base, std::vector<std::string>* idx) {
  const std::size_t open = name.find('[');
  if (open == std::string::npos || open == 0 || name.back() != ']') return false;
  idx->clear();
  std::string cur;
  for (std::size_t i = open + 1; i < name.size(); ++i) {
    const char ch = name[i];
    if (ch == ',' || ch == ']') {
      while (!cur.empty() && cur.back() == ' ') cur.pop_back();
      if (cur.empty()) return false;
      idx->push_back(cur);
      cur.clear();
      if (ch == ']' && i + 1 != name.size()) return false;
    } else if (ch == '[') {
      return false;
    } else if (!(ch == ' ' && cur.empty())) {
      cur += ch;
    }
  }
  *base = name.substr(0, open);
  return true;
}

/// A positive integer index ("3"), or 0.
std::size_t positive_index(const std::string& s) {
  std::size_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9' || v > (std::size_t{1} << 40)) return 0;
    v = v * 10 + static_cast<std::size_t>(ch - '0');
  }
  return v;
}

}  // namespace

std::vector<ParamVar> group_params(const std::vector<std::string>& names) {
  std::vector<ParamVar> vars;
  std::vector<std::vector<std::vector<std::string>>> indices;  // per var, per member
  for (std::size_t p = 0; p < names.size(); ++p) {
    std::string base;
    std::vector<std::string> idx;
    if (!split_indexed(names[p], &base, &idx)) base = names[p];
    std::size_t v = 0;
    while (v < vars.size() && vars[v].name != base) ++v;
    if (v == vars.size()) {
      vars.push_back({base, std::vector<std::size_t>(idx.size(), 0), {}, {}});
      indices.emplace_back();
    } else if (vars[v].shape.size() != idx.size() || idx.empty()) {
      throw std::invalid_argument("write_inference_data_netcdf: parameter '" + names[p] +
                                  "' does not fit with the other '" + base + "' names");
    }
    vars[v].members.push_back({static_cast<int>(p), 0});
    indices[v].push_back(idx);
  }
  for (std::size_t v = 0; v < vars.size(); ++v) {
    if (vars[v].name == "chain" || vars[v].name == "draw")
      throw std::invalid_argument("write_inference_data_netcdf: a parameter may not be named '" +
                                  vars[v].name + "' (a dimension)");
    ParamVar& var = vars[v];
    const std::size_t dims = var.shape.size();
    bool numeric = true;
    for (const auto& idx : indices[v])
      for (const auto& s : idx) numeric = numeric && positive_index(s) > 0;
    std::vector<std::vector<std::size_t>> pos(var.members.size(), std::vector<std::size_t>(dims));
    if (numeric) {
      for (std::size_t m = 0; m < var.members.size(); ++m)
        for (std::size_t k = 0; k < dims; ++k) {
          pos[m][k] = positive_index(indices[v][m][k]) - 1;
          var.shape[k] = std::max(var.shape[k], pos[m][k] + 1);
        }
    } else {
      var.labels.assign(dims, {});
      for (std::size_t m = 0; m < var.members.size(); ++m)
        for (std::size_t k = 0; k < dims; ++k) {
          auto& l = var.labels[k];
          const auto it = std::find(l.begin(), l.end(), indices[v][m][k]);
          pos[m][k] = static_cast<std::size_t>(it - l.begin());
          if (it == l.end()) l.push_back(indices[v][m][k]);
        }
      for (std::size_t k = 0; k < dims; ++k) var.shape[k] = var.labels[k].size();
    }
    std::vector<std::size_t> seen;
    for (std::size_t m = 0; m < var.members.size(); ++m) {
      std::size_t off = 0;
      for (std::size_t k = 0; k < dims; ++k) off = off * var.shape[k] + pos[m][k];
      if (dims > 0 && std::find(seen.begin(), seen.end(), off) != seen.end())
        throw std::invalid_argument("write_inference_data_netcdf: parameter '" + names[var.members[m].first] +
                                    "' appears twice");
      seen.push_back(off);
      var.members[m].second = off;
    }
  }
  return vars;
}

}  // namespace io
}  // namespace lockstep
