// Column-oriented CSV data as a DataSource (see csv_data.hpp for the accepted format).
#include "host/io/csv_data.hpp"

#include "host/core/text.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_set>
#include <vector>

#include "host/core/input_file.hpp"
#include "host/io/json_data.hpp"

namespace lockstep {
namespace {

/// Splits one line at commas outside double quotes; a quoted cell loses its quotes and ""
/// inside it stands for one quote. Returns false (and the column) on an unclosed quote.
bool split_cells(const std::string& line, std::vector<std::string>& cells, std::size_t& bad_column) {
  cells.clear();
  std::string cur;
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += c;
      }
    } else if (c == '"' && trim(cur).empty()) {
      quoted = was_quoted = true;
      cur.clear();
    } else if (c == ',') {
      cells.push_back(was_quoted ? cur : std::string(trim(cur)));
      cur.clear();
      was_quoted = false;
    } else if (!(was_quoted && (c == ' ' || c == '\t'))) {
      cur += c;
    }
  }
  if (quoted) {
    bad_column = cells.size() + 1;
    return false;
  }
  cells.push_back(was_quoted ? cur : std::string(trim(cur)));
  return true;
}

/// A missing cell of a table: empty, NA, or NaN in any case.
bool is_missing_text(const std::string& cell) {
  if (cell.empty() || cell == "NA") return true;
  if (cell.size() != 3) return false;
  std::string t;
  for (char c : cell) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t == "nan";
}

class CsvDataSource : public DataSource {
 public:
  CsvDataSource(std::string origin) : origin_(std::move(origin)) {}

  void parse(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    long line_no = 0;
    bool have_header = false;
    std::vector<std::string> cells;
    while (std::getline(in, line)) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const std::string t(trim(line));
      if (t.empty() || t[0] == '#') continue;
      std::size_t bad = 0;
      if (!split_cells(line, cells, bad))
        error(line_no, "column " + std::to_string(bad) + ": unclosed quote");
      if (!have_header) {
        header(cells, line_no);
        have_header = true;
        continue;
      }
      if (cells.size() != names_.size())
        error(line_no, std::to_string(cells.size()) + (cells.size() == 1 ? " cell" : " cells") +
                           ", expected " + std::to_string(names_.size()) +
                           " (as many as the header has columns)");
      for (std::size_t j = 0; j < cells.size(); ++j) cells_[j].push_back(std::move(cells[j]));
      lines_.push_back(line_no);
    }
    if (!have_header) throw InputError(origin_ + ": no header row (the file has no column names)");
  }

  /// The strict reading (parse_csv_data): every cell a finite number, the first bad one (in
  /// file order) reported.
  void require_all_numeric() const {
    for (std::size_t r = 0; r < lines_.size(); ++r)
      for (std::size_t j = 0; j < names_.size(); ++j) number(cells_[j][r], lines_[r], j);
  }

  std::string origin() const override { return origin_; }

  bool has(const std::string& field) const override { return index(field) >= 0 || field == "N"; }
  bool has_column(const std::string& field) const override { return index(field) >= 0; }
  std::vector<std::string> column_names() const override { return names_; }
  std::string row_label(long r) const override { return "line " + std::to_string(lines_.at(r)); }
  long rows() const override { return static_cast<long>(lines_.size()); }

  TableColumn column(const std::string& field) const override {
    const int j = index(field);
    if (j < 0) missing(field);
    TableColumn c;
    c.name = field;
    const std::size_t n = lines_.size();
    c.cell.resize(n);
    c.value.assign(n, std::nan(""));
    c.text = cells_[j];
    for (std::size_t r = 0; r < n; ++r) {
      const std::string& t = cells_[j][r];
      if (is_missing_text(t)) {
        c.cell[r] = TableColumn::kMissing;
        c.text[r].clear();
        continue;
      }
      double v;
      if (try_number(t, v)) {
        c.cell[r] = TableColumn::kNumber;
        c.value[r] = v;
      } else {
        c.cell[r] = TableColumn::kText;
      }
    }
    return c;
  }

  long get_int(const std::string& field) const override {
    const int j = index(field);
    if (j < 0) {
      if (field == "N") return static_cast<long>(lines_.size());
      missing(field);
    }
    const std::vector<double> c = numbers(j);
    if (c.size() != 1)
      fail(field, "expected an integer, found a column of " + std::to_string(c.size()) + " values");
    return integer(field, c[0], 0);
  }

  std::vector<double> get_reals(const std::string& field) const override {
    const int j = index(field);
    if (j < 0) {
      if (field == "N") return {static_cast<double>(lines_.size())};
      missing(field);
    }
    return numbers(j);
  }

  std::vector<long> get_ints(const std::string& field) const override {
    const int j = index(field);
    if (j < 0) {
      if (field == "N") return {static_cast<long>(lines_.size())};
      missing(field);
    }
    const std::vector<double> c = numbers(j);
    std::vector<long> out;
    out.reserve(c.size());
    for (std::size_t r = 0; r < c.size(); ++r) out.push_back(integer(field, c[r], r));
    return out;
  }

 private:
  [[noreturn]] void error(long line, const std::string& what) const {
    throw InputError(origin_ + ": line " + std::to_string(line) + ": " + what);
  }
  [[noreturn]] void cell_error(long line, std::size_t j, const std::string& what) const {
    throw InputError(origin_ + ": line " + std::to_string(line) + ", column " + std::to_string(j + 1) +
                     " ('" + names_[j] + "'): " + what);
  }
  [[noreturn]] void missing(const std::string& field) const {
    std::string list;
    for (const auto& n : names_) list += (list.empty() ? "" : ", ") + n;
    fail(field, "missing (columns: " + list + ")");
  }

  void header(const std::vector<std::string>& cells, long line_no) {
    if (cells.size() == 1 && cells[0].empty()) error(line_no, "empty header (no column names)");
    std::unordered_set<std::string> seen;  // hashed: a header of 200,000 names is read in linear time
    for (std::size_t j = 0; j < cells.size(); ++j) {
      if (cells[j].empty())
        error(line_no, "column " + std::to_string(j + 1) + ": empty column name");
      if (!seen.insert(cells[j]).second)
        error(line_no, "column " + std::to_string(j + 1) + ": duplicate column name '" + cells[j] + "'");
      names_.push_back(cells[j]);
    }
    cells_.assign(names_.size(), {});
  }

  /// strtod over the whole cell (its every byte), decimal only: C's strtod also reads
  /// hexadecimal ("0x10" is 16), which no data file means.
  static bool parse_decimal(const std::string& cell, double& v) {
    if (cell.empty() || cell.find_first_of("xX") != std::string::npos) return false;
    const char* s = cell.c_str();
    char* end = nullptr;
    v = std::strtod(s, &end);
    return end != s && end == s + cell.size();
  }

  static bool try_number(const std::string& cell, double& v) { return parse_decimal(cell, v) && std::isfinite(v); }

  double number(const std::string& cell, long line_no, std::size_t j) const {
    if (cell.empty()) cell_error(line_no, j, "empty cell, expected a number");
    double v = 0;
    if (!parse_decimal(cell, v)) cell_error(line_no, j, "'" + cell + "' is not a number");
    if (!std::isfinite(v)) cell_error(line_no, j, "value is not finite (" + cell + ")");
    return v;
  }

  std::vector<double> numbers(int j) const {
    std::vector<double> out;
    out.reserve(lines_.size());
    for (std::size_t r = 0; r < lines_.size(); ++r) out.push_back(number(cells_[j][r], lines_[r], j));
    return out;
  }

  long integer(const std::string& field, double v, std::size_t row) const {
    if (v != std::floor(v) || std::fabs(v) > 9.0e15) {
      std::ostringstream s;
      s.precision(17);
      s << "value " << row + 1 << " (line " << lines_[row] << ") is " << v << ", expected an integer";
      fail(field, s.str());
    }
    return static_cast<long>(v);
  }

  int index(const std::string& field) const {
    for (std::size_t j = 0; j < names_.size(); ++j)
      if (names_[j] == field) return static_cast<int>(j);
    return -1;
  }

  std::string origin_;
  std::vector<std::string> names_;
  std::vector<std::vector<std::string>> cells_;  // [column][row], as written
  std::vector<long> lines_;  // file line of each data row
};

}  // namespace

std::unique_ptr<DataSource> parse_csv_table(const std::string& text, const std::string& origin) {
  auto src = std::make_unique<CsvDataSource>(origin);
  src->parse(text);
  return src;
}

std::unique_ptr<DataSource> parse_csv_data(const std::string& text, const std::string& origin) {
  auto src = std::make_unique<CsvDataSource>(origin);
  src->parse(text);
  src->require_all_numeric();
  return src;
}

namespace {
std::string read_text(const std::string& path) { return io::read_input_file(path, "a CSV file"); }
}  // namespace

std::unique_ptr<DataSource> load_csv_data(const std::string& path) { return parse_csv_data(read_text(path), path); }

std::unique_ptr<DataSource> load_csv_table(const std::string& path) { return parse_csv_table(read_text(path), path); }

std::unique_ptr<DataSource> load_data_file(const std::string& path) {
  std::string ext;
  const std::size_t dot = path.find_last_of('.');
  if (dot != std::string::npos && path.find_first_of("/\\", dot) == std::string::npos)
    for (char c : path.substr(dot)) ext += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".csv" ? load_csv_table(path) : load_json_data(path);
}

}  // namespace lockstep
