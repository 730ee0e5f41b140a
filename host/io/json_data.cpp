// Stan-style JSON data as a DataSource (see json_data.hpp for the accepted format).
#include "host/io/json_data.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/core/input_file.hpp"
#include "host/core/json_no_duplicates.hpp"

namespace lockstep {
namespace {

using nlohmann::json;

/// "an array", "a string", ...: what a JSON value is, for messages.
std::string kind_of(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::binary: return "binary data";
    case json::value_t::discarded: return "nothing";
    default: return "a number";
  }
}

/// The spellings of NaN and infinity CmdStan and Stan's JSON reader use (case-insensitive).
bool is_nonfinite_spelling(const std::string& s) {
  std::string t;
  for (char c : s) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) t.erase(0, 1);
  return t == "nan" || t == "inf" || t == "infinity";
}

/// Replaces line breaks so that a message stays on one line.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

/// "at line 3, column 7: syntax error ...": where and what, from a nlohmann parse error.
/// nlohmann 3.x states the line and column itself; otherwise they are counted here from the
/// byte offset it reports (1-based; one past the end at an unexpected end of input).
std::string parse_error_detail(const std::string& text, const json::parse_error& e) {
  const std::string what = e.what();
  const std::size_t at = what.find("at line ");
  if (at != std::string::npos) return one_line(what.substr(at));
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  std::string rest = what;
  const std::size_t colon = rest.find(": ");
  if (colon != std::string::npos) rest = rest.substr(colon + 2);
  return "at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
         one_line(rest);
}

/// nlohmann's message without its "[json.exception.out_of_range.406] " tag.
std::string nlohmann_detail(const std::string& what) {
  std::size_t start = 0;
  if (!what.empty() && what[0] == '[') {
    const std::size_t close = what.find("] ");
    if (close != std::string::npos) start = close + 2;
  }
  return one_line(what.substr(start));
}

class JsonDataSource : public DataSource {
 public:
  JsonDataSource(json root, std::string origin) : root_(std::move(root)), origin_(std::move(origin)) {}

  std::string origin() const override { return origin_; }

  bool has(const std::string& field) const override { return root_.contains(field); }

  long get_int(const std::string& field) const override {
    const json& v = lookup(field);
    if (v.is_array() || v.is_object() || v.is_boolean() ||
        (v.is_string() && !is_nonfinite_spelling(v.get_ref<const std::string&>())))
      fail(field, "expected an integer, found " + kind_of(v));
    return to_long(field, v, {}, 0);
  }

  std::vector<double> get_reals(const std::string& field) const override {
    std::vector<long> shape;
    std::vector<const json*> leaves = flatten(field, shape);
    std::vector<double> out;
    out.reserve(leaves.size());
    for (std::size_t k = 0; k < leaves.size(); ++k)
      out.push_back(to_double(field, *leaves[k], shape, k));
    return out;
  }

  std::vector<long> shape(const std::string& field) const override {
    std::vector<long> shape;
    flatten(field, shape);
    return shape;
  }

  std::vector<std::string> field_names() const override {
    std::vector<std::string> out;
    for (auto it = root_.begin(); it != root_.end(); ++it) out.push_back(it.key());
    return out;
  }
  std::vector<std::string> column_names() const override {
    std::vector<std::string> out;
    for (auto it = root_.begin(); it != root_.end(); ++it)
      if (it->is_array()) out.push_back(it.key());
    return out;
  }
  bool has_column(const std::string& field) const override {
    auto it = root_.find(field);
    return it != root_.end() && it->is_array();
  }
  /// A 1-D array of numbers, strings and nulls (null, "", "NA" and NaN spellings: missing).
  TableColumn column(const std::string& field) const override {
    const json& v = lookup(field);
    if (!v.is_array()) fail(field, "expected an array (a column), found " + kind_of(v));
    TableColumn c;
    c.name = field;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const json& x = v[i];
      double num = std::nan("");
      std::string text;
      unsigned char kind = TableColumn::kText;
      if (x.is_null()) {
        kind = TableColumn::kMissing;
      } else if (x.is_number()) {
        num = x.get<double>();
        kind = std::isfinite(num) ? TableColumn::kNumber : TableColumn::kMissing;
        text = x.dump();
      } else if (x.is_string()) {
        text = x.get<std::string>();
        if (text.empty() || text == "NA" || is_nonfinite_spelling(text)) {
          kind = TableColumn::kMissing;
          text.clear();
        }
      } else {
        fail(field, "value " + std::to_string(i + 1) + " is " + kind_of(x) + ", expected a number or a string");
      }
      if (kind != TableColumn::kNumber) num = std::nan("");
      c.cell.push_back(kind);
      c.value.push_back(num);
      c.text.push_back(text);
    }
    return c;
  }

  std::vector<long> get_ints(const std::string& field) const override {
    std::vector<long> shape;
    std::vector<const json*> leaves = flatten(field, shape);
    std::vector<long> out;
    out.reserve(leaves.size());
    for (std::size_t k = 0; k < leaves.size(); ++k)
      out.push_back(to_long(field, *leaves[k], shape, k));
    return out;
  }

 private:
  const json& lookup(const std::string& field) const {
    auto it = root_.find(field);
    if (it == root_.end()) fail(field, "missing");
    return *it;
  }

  /// "value 3" (1-D), "value [2,1]" (nested), "value" (scalar): element k of the row-major
  /// flattening of an array of the given shape, 1-based as Stan indexes.
  static std::string element(const std::vector<long>& shape, std::size_t k) {
    if (shape.empty()) return "value";
    if (shape.size() == 1) return "value " + std::to_string(k + 1);
    std::vector<long> idx(shape.size());
    std::size_t rest = k;
    for (std::size_t d = shape.size(); d-- > 0;) {
      idx[d] = static_cast<long>(rest % static_cast<std::size_t>(shape[d])) + 1;
      rest /= static_cast<std::size_t>(shape[d]);
    }
    std::string s = "value [";
    for (std::size_t d = 0; d < idx.size(); ++d) s += (d ? "," : "") + std::to_string(idx[d]);
    return s + "]";
  }

  static std::string index_label(const std::vector<long>& path) {
    std::string s = "[";
    for (std::size_t d = 0; d < path.size(); ++d) s += (d ? "," : "") + std::to_string(path[d] + 1);
    return s + "]";
  }

  /// The leaves of a scalar or a (nested, rectangular) array in row-major order. The shape
  /// is taken from the first element at each depth; any other length is a ragged array.
  std::vector<const json*> flatten(const std::string& field, std::vector<long>& shape) const {
    const json& v = lookup(field);
    if (v.is_object()) fail(field, "expected a number or an array of numbers, found an object");
    shape.clear();
    for (const json* p = &v; p->is_array(); p = &(*p)[0]) {
      shape.push_back(static_cast<long>(p->size()));
      if (p->empty()) break;
    }
    std::vector<const json*> leaves;
    std::vector<long> path;
    collect(field, v, shape, path, leaves);
    return leaves;
  }

  void collect(const std::string& field, const json& node, const std::vector<long>& shape,
               std::vector<long>& path, std::vector<const json*>& leaves) const {
    const std::size_t depth = path.size();
    if (depth == shape.size()) {
      if (node.is_array())
        fail(field, "ragged array: " + index_label(path) + " is an array, expected a number");
      leaves.push_back(&node);
      return;
    }
    if (!node.is_array() || static_cast<long>(node.size()) != shape[depth])
      fail(field, "ragged array: " + index_label(path) + " is " +
                      (node.is_array() ? "an array of length " + std::to_string(node.size())
                                       : kind_of(node)) +
                      ", expected an array of length " + std::to_string(shape[depth]));
    for (std::size_t i = 0; i < node.size(); ++i) {
      path.push_back(static_cast<long>(i));
      collect(field, node[i], shape, path, leaves);
      path.pop_back();
    }
  }

  /// Refuses null and the NaN/Inf strings (not finite) and every other non-number.
  void require_number(const std::string& field, const json& v, const std::vector<long>& shape,
                      std::size_t k) const {
    if (v.is_number()) return;
    if (v.is_null()) fail(field, element(shape, k) + " is not finite (null)");
    if (v.is_string()) {
      const std::string& s = v.get_ref<const std::string&>();
      if (is_nonfinite_spelling(s)) fail(field, element(shape, k) + " is not finite (" + s + ")");
    }
    if (shape.empty()) fail(field, "expected a number, found " + kind_of(v));
    fail(field, element(shape, k) + " is " + kind_of(v) + ", expected a number");
  }

  double to_double(const std::string& field, const json& v, const std::vector<long>& shape,
                   std::size_t k) const {
    require_number(field, v, shape, k);
    const double x = v.get<double>();
    if (!std::isfinite(x)) fail(field, element(shape, k) + " is not finite (" + v.dump() + ")");
    return x;
  }

  long to_long(const std::string& field, const json& v, const std::vector<long>& shape,
               std::size_t k) const {
    require_number(field, v, shape, k);
    if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<long>();
    if (v.is_number_unsigned()) {
      const auto u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<long>::max()))
        fail(field, element(shape, k) + " is out of range (" + v.dump() + ")");
      return static_cast<long>(u);
    }
    const double x = v.get<double>();
    if (!std::isfinite(x)) fail(field, element(shape, k) + " is not finite (" + v.dump() + ")");
    if (std::floor(x) != x) fail(field, element(shape, k) + " is not an integer (" + v.dump() + ")");
    // Doubles in [-2^63, 2^63) convert exactly; outside they do not fit a long.
    if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
      fail(field, element(shape, k) + " is out of range (" + v.dump() + ")");
    return static_cast<long>(x);
  }

  json root_;
  std::string origin_;
};

}  // namespace

std::unique_ptr<DataSource> parse_json_data(const std::string& text, const std::string& origin) {
  json root;
  try {
    root = parse_json_no_duplicates<json>(text, origin);  // repeated keys and deep nesting refused
  } catch (const json::parse_error& e) {
    throw InputError(origin + ": malformed JSON " + parse_error_detail(text, e));
  } catch (const json::exception& e) {  // e.g. out_of_range.406: number overflow (1e400)
    throw InputError(origin + ": malformed JSON: " + nlohmann_detail(e.what()));
  }
  if (!root.is_object())
    throw InputError(origin + ": expected a JSON object at the top level, found " + kind_of(root));
  return std::make_unique<JsonDataSource>(std::move(root), origin);
}

std::unique_ptr<DataSource> load_json_data(const std::string& path) {
  return parse_json_data(io::read_input_file(path, "a JSON file"), path);
}

}  // namespace lockstep
