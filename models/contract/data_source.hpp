#pragma once
// DataSource: named fields of a model's data set, read with validation. Every error is an
// InputError whose message starts with the origin (file name) and names the field.
//
// Tables. A CSV file (and a JSON file's 1-D arrays) is also a table: columns of cells that may
// be numbers, text or missing. Models that take a table (the glmm family: a formula over
// columns) read it through column(), which never fails on a cell: it says what each cell is,
// and where it came from (row_label), so that the model can name the row and column of a bad
// cell. The numeric accessors above stay strict (a text or missing cell is an error there).
//   missing cells: empty, NA, NaN (any case), and JSON null
//   a column is numeric (TableColumn::numeric) when any of its cells is a number: a text cell in
//   it is then a typo to report (unless the model uses the column as a factor); a column of text
//   cells only ("AITKIN", "TRUE", "a1") is a text column.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "models/contract/input_error.hpp"

namespace lockstep {

/// One column of a table, cell by cell (see the file comment).
struct TableColumn {
  enum Cell : unsigned char { kNumber = 0, kText = 1, kMissing = 2 };
  std::string name;
  std::vector<unsigned char> cell;  // kNumber, kText or kMissing, per row
  std::vector<double> value;        // the number (NaN unless kNumber)
  std::vector<std::string> text;    // the cell as written (trimmed, unquoted; "" when missing)
  long size() const { return static_cast<long>(cell.size()); }
  long count(Cell c) const {
    long n = 0;
    for (unsigned char k : cell) n += k == c;
    return n;
  }
  /// Some cell is a number (a text cell among numbers is then an error to report).
  bool numeric() const { return count(kNumber) > 0; }
};

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

  /// The table's column names in file order (empty for a source that is not a table).
  virtual std::vector<std::string> column_names() const { return {}; }
  /// Every field's name in file order (a JSON object's keys; a table's columns).
  virtual std::vector<std::string> field_names() const { return column_names(); }
  /// Whether `field` can be read as a table column.
  virtual bool has_column(const std::string& field) const { return has(field); }
  /// A table column, cell by cell; the default reads a numeric array field.
  virtual TableColumn column(const std::string& field) const {
    TableColumn c;
    c.name = field;
    c.value = get_reals(field);
    c.cell.assign(c.value.size(), TableColumn::kNumber);
    for (double v : c.value) c.text.push_back(format_number(v));
    return c;
  }
  /// Where row r (0-based) of a column came from, for messages: "line 7" (CSV), "value 3".
  virtual std::string row_label(long r) const { return "value " + std::to_string(r + 1); }
  /// The number of data rows of a table (CSV), -1 for a source that is not one.
  virtual long rows() const { return -1; }
  /// A count field (Eight Schools' J): the positive integer given, or, in a table without
  /// that column, its number of rows (a CSV file has one column per field; N works that way).
  long count_field(const std::string& field) const {
    if (has(field) || rows() < 0) return positive_int(field);
    if (rows() == 0) fail(field, "missing, and the table has no rows to count");
    return rows();
  }

  /// The dimensions of an array field, outermost first ({} for a scalar); sources without
  /// nested arrays (CSV) report one dimension.
  virtual std::vector<long> shape(const std::string& field) const {
    return {static_cast<long>(get_reals(field).size())};
  }

  // Validating helpers built on the accessors above.
  /// A vector of n numbers (a scalar counts as one): a nested array is refused, since
  /// flattening a 2 x 4 array into the 8 values of a vector would hide a wrong file.
  std::vector<double> reals_of_size(const std::string& field, long n) const {
    const std::vector<long> dims = shape(field);
    if (dims.size() > 1) {
      std::string text;
      for (long d : dims) text += (text.empty() ? "" : " x ") + std::to_string(d);
      fail(field, "expected a vector of " + std::to_string(n) + " values, found a " + text + " array");
    }
    return array_of_size(field, n);
  }
  /// n numbers from an array of any rectangular shape, in row-major order (a matrix-valued
  /// parameter's values, say).
  std::vector<double> array_of_size(const std::string& field, long n) const {
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
