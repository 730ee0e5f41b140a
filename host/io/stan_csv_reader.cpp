// Stan CSV reader: see stan_csv_reader.hpp.
#include "host/io/stan_csv_reader.hpp"

#include "host/core/text.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <map>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <string_view>

#include "host/core/input_file.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace io {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

constexpr double kPow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/// Clinger's exact fast path (Clinger 1990, "How to read floating point numbers
/// accurately", sec. 5): a decimal with at most 15 significant digits w and a power of ten
/// |e| <= 22 is w * 10^e or w / 10^-e, one correctly rounded operation on exact doubles.
/// Returns false for anything else (the caller then uses std::from_chars).
bool parse_simple_decimal(std::string_view s, double* out) {
  const char* p = s.data();
  const char* const end = p + s.size();
  bool negative = false;
  if (p < end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  std::uint64_t w = 0;
  int significant = 0, exponent = 0;
  bool any_digit = false;
  for (; p < end && *p >= '0' && *p <= '9'; ++p, any_digit = true) {
    w = w * 10 + static_cast<unsigned>(*p - '0');
    significant += w != 0;
  }
  if (p < end && *p == '.') {
    for (++p; p < end && *p >= '0' && *p <= '9'; ++p, any_digit = true) {
      w = w * 10 + static_cast<unsigned>(*p - '0');
      significant += w != 0;
      --exponent;
    }
  }
  if (!any_digit) return false;
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool exp_negative = false;
    if (p < end && (*p == '-' || *p == '+')) exp_negative = *p++ == '-';
    int e = 0, n = 0;
    for (; p < end && *p >= '0' && *p <= '9' && n < 5; ++p, ++n) e = e * 10 + (*p - '0');
    if (n == 0 || n == 5) return false;
    exponent += exp_negative ? -e : e;
  }
  if (p != end || significant > 15 || exponent < -22 || exponent > 22) return false;
  double v = static_cast<double>(w);  // exact: w < 10^15 < 2^53
  v = exponent < 0 ? v / kPow10[-exponent] : v * kPow10[exponent];
  *out = negative ? -v : v;
  return true;
}

/// A decimal number or nan/inf/infinity with an optional sign, nothing else.
bool parse_number(std::string_view s, double* out) {
  s = trim(s);
  if (s.empty()) return false;
  if (parse_simple_decimal(s, out)) return true;
  bool negate = false;
  if (s.front() == '+') {  // from_chars refuses a leading '+'
    s.remove_prefix(1);
    if (s.empty() || s.front() == '-' || s.front() == '+') return false;
  }
  if (!s.empty() && s.front() == '-' && s.size() > 1 && (s[1] == 'n' || s[1] == 'N')) {
    negate = true;  // "-nan": a NaN all the same
    s.remove_prefix(1);
  }
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (r.ec == std::errc::result_out_of_range) {  // beyond double: +-inf or 0, as strtod
    *out = std::strtod(std::string(s).c_str(), nullptr);
  } else if (r.ec != std::errc()) {
    return false;
  }
  if (r.ptr != s.data() + s.size()) return false;
  if (negate) *out = -*out;
  return true;
}

/// What one file holds.
struct ParsedFile {
  std::vector<std::string> columns;  // as written (Stan CSV spelling)
  int header_line = 0;
  std::vector<double> rows;          // row-major, n_rows x columns.size()
  int n_rows = 0;
  int warmup_rows = -1;              // rows before "# Adaptation terminated"; -1: no marker
  int last_line = 0;
  std::vector<std::pair<std::string, std::string>> preamble;  // section-path key -> value
  double step_size = kNaN;
  std::vector<double> inv_metric;        // diagonal (of a dense metric too)
  std::vector<double> dense_inv_metric;  // row-major, for a dense metric block
  double warmup_seconds = kNaN, sampling_seconds = kNaN;

  const std::string* find(const std::string& key) const {
    for (const auto& kv : preamble)
      if (kv.first == key) return &kv.second;
    return nullptr;
  }
  /// The first entry whose key is `leaf` or ends in ".leaf".
  const std::string* find_leaf(const std::string& leaf) const {
    for (const auto& kv : preamble) {
      const std::string& k = kv.first;
      if (k == leaf || (k.size() > leaf.size() && k[k.size() - leaf.size() - 1] == '.' &&
                        k.compare(k.size() - leaf.size(), leaf.size(), leaf) == 0))
        return &kv.second;
    }
    return nullptr;
  }
};

[[noreturn]] void fail(const std::string& file, int line, const std::string& what) {
  throw InputError(file + (line > 0 ? ":" + std::to_string(line) : "") + ": " + what);
}

std::string read_whole_file(const std::string& path) { return read_input_file(path, "a Stan CSV file"); }

/// Parses a preamble comment (the text after '#') into the section stack / key list.
/// CmdStan indents by two spaces per level after "# ".
void preamble_line(std::string_view body, std::vector<std::string>& sections,
                   std::vector<std::pair<std::string, std::string>>& out) {
  std::size_t spaces = 0;
  while (spaces < body.size() && body[spaces] == ' ') ++spaces;
  const std::size_t level = spaces > 0 ? (spaces - 1) / 2 : 0;
  std::string_view text = trim(body);
  if (text.empty()) return;
  sections.resize(std::min(sections.size(), level));
  std::string path;
  for (const auto& s : sections)
    if (!s.empty()) path += s + ".";
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) {  // a section name
    sections.resize(level);
    sections.emplace_back(text);
    return;
  }
  std::string_view key = trim(text.substr(0, eq));
  std::string_view value = trim(text.substr(eq + 1));
  constexpr std::string_view kDefault = "(Default)";
  if (value.size() >= kDefault.size() &&
      value.compare(value.size() - kDefault.size(), kDefault.size(), kDefault) == 0)
    value = trim(value.substr(0, value.size() - kDefault.size()));
  out.emplace_back(path + std::string(key), std::string(value));
  // A `key = value` line is also the parent of deeper lines; it adds no path element
  // (CmdStan repeats the value as a section: "algorithm = hmc" then "hmc").
  sections.resize(level);
  sections.emplace_back();
}

std::vector<double> parse_list(const std::string& file, int line, std::string_view s) {
  std::vector<double> v;
  if (trim(s).empty()) return v;  // a model without parameters
  while (true) {
    const std::size_t comma = s.find(',');
    std::string_view item = trim(s.substr(0, comma));
    double x;
    if (!parse_number(item, &x))
      fail(file, line, "inverse metric value '" + std::string(item) + "' is not a number");
    v.push_back(x);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return v;
}

/// Checks a file's columns against the first file's (right after its header is read, so
/// that a missing column is reported as such, not as ragged rows).
void check_same_columns(const ParsedFile& first, const std::string& first_path, const ParsedFile& pf,
                        const std::string& path) {
  if (pf.columns.size() != first.columns.size())
    fail(path, pf.header_line,
         "header has " + std::to_string(pf.columns.size()) + " columns, " + first_path + " has " +
             std::to_string(first.columns.size()) + " (files must have the same columns)");
  for (std::size_t i = 0; i < pf.columns.size(); ++i)
    if (pf.columns[i] != first.columns[i])
      fail(path, pf.header_line,
           "column " + std::to_string(i + 1) + " is '" + pf.columns[i] + "', in " + first_path +
               " it is '" + first.columns[i] + "' (files must have the same columns)");
}

/// Checks a file's warmup and total draw counts against the first file's.
void check_same_draws(const ParsedFile& first, const std::string& first_path, int first_warm,
                      const ParsedFile& pf, const std::string& path, int warm) {
  if (warm != first_warm)
    fail(path, 0,
         std::to_string(warm) + " warmup draws, " + first_path + " has " + std::to_string(first_warm) +
             " (files must have the same number of draws)");
  if (pf.n_rows != first.n_rows)
    fail(path, 0,
         std::to_string(pf.n_rows - warm) + " draws, " + first_path + " has " +
             std::to_string(first.n_rows - first_warm) + " (files must have the same number of draws)");
}

/// Reads one file; `first` (with its path) is the file whose columns this one must have.
ParsedFile parse_file(const std::string& path, const std::string& text, const ParsedFile* first = nullptr,
                      const std::string& first_path = "") {
  ParsedFile pf;
  std::vector<std::string> sections;
  enum class Metric { kNone, kDiag, kDense } expect_metric = Metric::kNone;
  std::size_t dense_rows = 0;
  bool have_header = false;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view t = trim(line);
    if (t.empty()) continue;
    if (t.front() == '#') {
      std::string_view body = line.substr(line.find('#') + 1);
      std::string_view c = trim(body);
      if (!have_header) {
        preamble_line(body, sections, pf.preamble);
      } else if (expect_metric == Metric::kDiag) {
        pf.inv_metric = parse_list(path, line_no, c);
        expect_metric = Metric::kNone;
      } else if (expect_metric == Metric::kDense) {
        std::vector<double> row = parse_list(path, line_no, c);
        if (dense_rows == 0 && row.empty()) {  // a model without parameters
          expect_metric = Metric::kNone;
          continue;
        }
        if (dense_rows == 0) pf.inv_metric.assign(row.size(), kNaN);
        if (row.size() != pf.inv_metric.size())
          fail(path, line_no, "inverse metric row has " + std::to_string(row.size()) + " values, expected " +
                                  std::to_string(pf.inv_metric.size()));
        pf.inv_metric[dense_rows] = row[dense_rows];
        pf.dense_inv_metric.insert(pf.dense_inv_metric.end(), row.begin(), row.end());
        if (++dense_rows >= pf.inv_metric.size()) expect_metric = Metric::kNone;
      } else if (starts_with(c, "Adaptation terminated")) {
        pf.warmup_rows = pf.n_rows;
      } else if (starts_with(c, "Step size")) {
        std::size_t eq = c.find('=');
        if (eq == std::string_view::npos || !parse_number(c.substr(eq + 1), &pf.step_size))
          fail(path, line_no, "step size comment '" + std::string(c) + "' has no number");
      } else if (starts_with(c, "Diagonal elements of inverse mass matrix")) {
        expect_metric = Metric::kDiag;
      } else if (starts_with(c, "Elements of inverse mass matrix")) {
        expect_metric = Metric::kDense;
        dense_rows = 0;
        pf.inv_metric.clear();
        pf.dense_inv_metric.clear();
      } else if (c.find("seconds (Warm-up)") != std::string_view::npos) {
        std::string_view v = c;
        if (starts_with(v, "Elapsed Time:")) v.remove_prefix(std::strlen("Elapsed Time:"));
        parse_number(v.substr(0, v.find("seconds")), &pf.warmup_seconds);
      } else if (c.find("seconds (Sampling)") != std::string_view::npos) {
        parse_number(c.substr(0, c.find("seconds")), &pf.sampling_seconds);
      }
      continue;
    }
    if (!have_header) {
      have_header = true;
      pf.header_line = line_no;
      std::size_t start = 0;
      while (true) {
        std::size_t comma = t.find(',', start);
        pf.columns.emplace_back(trim(t.substr(start, comma - start)));
        if (pf.columns.back().empty())
          fail(path, line_no, "header column " + std::to_string(pf.columns.size()) + " is empty");
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      if (first) check_same_columns(*first, first_path, pf, path);
      pf.rows.reserve(first ? first->rows.size() : 0);
      continue;
    }
    expect_metric = Metric::kNone;
    const std::size_t n_cols = pf.columns.size();
    std::size_t start = 0, col = 0;
    while (true) {
      std::size_t comma = t.find(',', start);
      std::string_view field = t.substr(start, comma == std::string_view::npos ? comma : comma - start);
      if (col < n_cols) {
        double x;
        if (!parse_number(field, &x))
          fail(path, line_no,
               "column '" + pf.columns[col] + "': '" + std::string(trim(field)) + "' is not a number");
        pf.rows.push_back(x);
      }
      ++col;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (col != n_cols)
      fail(path, line_no,
           "row has " + std::to_string(col) + " values, the header has " + std::to_string(n_cols) + " columns");
    ++pf.n_rows;
    pf.last_line = line_no;
  }
  if (!have_header) fail(path, 0, "no header row (the file is empty or only comments)");
  // Every Stan CSV file has sampler columns (CmdStan: lp__ first); a data table does not.
  if (std::none_of(pf.columns.begin(), pf.columns.end(), [](const std::string& c) {
        return c.size() > 2 && c.compare(c.size() - 2, 2, "__") == 0;
      }))
    fail(path, pf.header_line, "not a Stan CSV file: the header has no sampler column (lp__, ...)");
  if (pf.n_rows == 0) fail(path, pf.header_line, "no draws after the header");
  return pf;
}

/// ceil(n / d) for n >= 0, d >= 1, without overflow (a preamble may say num_samples = 2^63 - 1).
long ceil_div(long n, long d) { return n / d + (n % d != 0 ? 1 : 0); }

/// Warmup rows of a file: before the adaptation block, else from its save_warmup config.
int warmup_rows(const ParsedFile& pf) {
  if (pf.warmup_rows >= 0) return pf.warmup_rows;
  const std::string* save = pf.find_leaf("save_warmup");
  if (!save || !(*save == "true" || *save == "1")) return 0;
  const std::string* nw = pf.find_leaf("num_warmup");
  const std::string* th = pf.find_leaf("thin");
  const long n = nw ? std::max(0L, std::strtol(nw->c_str(), nullptr, 10)) : 0;
  const long thin = th ? std::max(1L, std::strtol(th->c_str(), nullptr, 10)) : 1;
  return static_cast<int>(std::min<long>(ceil_div(n, thin), pf.n_rows));
}

/// A sampling run's file must hold ceil(num_samples / thin) draws after its warmup rows, as its
/// preamble says: a file cut at a line end (a run killed while writing, a copy cut short)
/// would otherwise be summarized as if complete. Files without num_samples, or of another
/// method (variational), are not checked.
void check_complete(const ParsedFile& pf, const std::string& path, int warm) {
  const std::string* method = pf.find("method");
  const std::string* ns = pf.find_leaf("num_samples");
  if (!ns || (method && *method != "sample")) return;
  const std::string* th = pf.find_leaf("thin");
  const long n = std::strtol(ns->c_str(), nullptr, 10);
  const long thin = th ? std::max(1L, std::strtol(th->c_str(), nullptr, 10)) : 1;
  const long expected = ceil_div(n, thin), found = pf.n_rows - warm;
  if (n > 0 && found != expected)
    fail(path, pf.last_line,
         std::to_string(found) + " draws after warmup, but its header says num_samples = " + *ns +
             (thin > 1 ? ", thin = " + std::to_string(thin) : std::string()) + " (" + std::to_string(expected) +
             " draws): the file is " + (found < expected ? "incomplete" : "not one run's"));
}

unsigned long long to_ull(const std::string* s) {
  if (!s) return 0;
  unsigned long long v = 0;
  auto r = std::from_chars(s->data(), s->data() + s->size(), v);
  return r.ec == std::errc() ? v : 0;
}

int to_int(const std::string* s, int fallback) {
  if (!s) return fallback;
  int v = 0;
  auto r = std::from_chars(s->data(), s->data() + s->size(), v);
  return r.ec == std::errc() ? v : fallback;
}

}  // namespace

std::string from_stan_csv_column_name(const std::string& column) {
  const std::size_t dot = column.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == column.size()) return column;
  std::string out = column.substr(0, dot) + "[";
  for (std::size_t i = dot + 1; i < column.size(); ++i) {
    const char ch = column[i];
    if (ch == '.') {
      if (column[i - 1] == '.' || i + 1 == column.size()) return column;
      out += ',';
    } else if (ch >= '0' && ch <= '9') {
      out += ch;
    } else {
      return column;
    }
  }
  return out + "]";
}

namespace {

/// The reader over n files named files[c] whose texts text_of(c) gives (read from disk, or
/// held in memory), the files after the first parsed in parallel.
DrawSet read_files(const std::vector<std::string>& files, const std::function<std::string(int)>& text_of,
                   RunInfo* info_out, const StanCsvReadOptions& options) {
  if (files.empty()) throw InputError("Stan CSV: no files given");
  const int n_files = static_cast<int>(files.size());
  const ParsedFile first = parse_file(files[0], text_of(0));
  const int first_warm = warmup_rows(first);
  check_complete(first, files[0], first_warm);

  DrawSet d;
  std::map<std::string, std::string> labeled_names;  // our lockstep/names section: column -> name
  const std::string names_section = "lockstep.names.";
  for (const auto& kv : first.preamble)
    if (kv.first.compare(0, names_section.size(), names_section) == 0)
      labeled_names[kv.first.substr(names_section.size())] = kv.second;
  std::vector<int> param_col, stat_col;  // file column of each DrawSet quantity
  for (std::size_t j = 0; j < first.columns.size(); ++j) {
    const std::string& c = first.columns[j];
    if (c.size() > 2 && c.compare(c.size() - 2, 2, "__") == 0) {
      d.stat_names.push_back(c);
      stat_col.push_back(static_cast<int>(j));
    } else {
      const auto labeled = labeled_names.find(c);
      d.names.push_back(labeled != labeled_names.end() ? labeled->second : from_stan_csv_column_name(c));
      param_col.push_back(static_cast<int>(j));
    }
  }
  const int skip = options.keep_warmup ? 0 : first_warm;  // leading rows not kept
  d.n_warmup_saved = options.keep_warmup ? first_warm : 0;
  d.resize(n_files, first.n_rows - skip);

  std::vector<double> step_size(n_files, kNaN), warm_s(n_files, kNaN), samp_s(n_files, kNaN);
  std::vector<std::vector<double>> inv_metric(n_files), dense_inv_metric(n_files);
  std::vector<int> superchain(n_files, -1);  // 0-based; -1: the file has no "# superchain = k"
  std::vector<double> effective(n_files, kNaN);  // each file's lockstep.config.effective_draws
  std::vector<std::string> errors(n_files);
  const int stepsize_col = d.stat_index("stepsize__") >= 0 ? stat_col[d.stat_index("stepsize__")] : -1;

  auto absorb = [&](const ParsedFile& pf, int c) {
    const std::size_t n_cols = pf.columns.size();
    for (std::size_t q = 0; q < param_col.size(); ++q) {
      double* dst = d.series(static_cast<int>(q), c);
      for (int i = 0; i < d.n_draws; ++i) dst[i] = pf.rows[(i + skip) * n_cols + param_col[q]];
    }
    for (std::size_t s = 0; s < stat_col.size(); ++s) {
      double* dst = d.stat_series(static_cast<int>(s), c);
      for (int i = 0; i < d.n_draws; ++i) dst[i] = pf.rows[(i + skip) * n_cols + stat_col[s]];
    }
    step_size[c] = pf.step_size;
    if (std::isnan(step_size[c]) && stepsize_col >= 0 && pf.n_rows > first_warm)
      step_size[c] = pf.rows[first_warm * n_cols + stepsize_col];
    inv_metric[c] = pf.inv_metric;
    dense_inv_metric[c] = pf.dense_inv_metric;
    warm_s[c] = pf.warmup_seconds;
    samp_s[c] = pf.sampling_seconds;
    superchain[c] = to_int(pf.find("superchain"), 0) - 1;
    if (const std::string* e = pf.find("lockstep.config.effective_draws")) effective[c] = std::atof(e->c_str());
  };
  absorb(first, 0);

#pragma omp parallel for schedule(dynamic, 4)
  for (int c = 1; c < n_files; ++c) {
    try {
      ParsedFile pf = parse_file(files[c], text_of(c), &first, files[0]);
      check_complete(pf, files[c], warmup_rows(pf));
      check_same_draws(first, files[0], first_warm, pf, files[c], warmup_rows(pf));
      absorb(pf, c);
    } catch (const std::exception& e) {
      errors[c] = e.what();
    }
  }
  for (const auto& e : errors)
    if (!e.empty()) throw InputError(e);

  if (info_out) {
    RunInfo info;
    const std::string* v;
    if ((v = first.find("model"))) info.model = *v;
    if ((v = first.find("data.file"))) info.data_file = *v;
    info.seed = to_ull(first.find("random.seed"));
    info.num_warmup = to_int(first.find_leaf("num_warmup"), 0);
    info.thin = std::max(1, to_int(first.find_leaf("thin"), 1));
    const bool ours = first.find("lockstep.algorithm") != nullptr;
    if (ours) {
      info.algorithm = *first.find("lockstep.algorithm");
      info.gradient_evaluations = to_ull(first.find("lockstep.gradient_evaluations"));
      const std::string prefix = "lockstep.config.";
      for (const auto& kv : first.preamble)
        if (starts_with(kv.first, prefix)) info.config.emplace_back(kv.first.substr(prefix.size()), kv.second);
    } else {
      const std::string* alg = first.find("sample.algorithm");
      const std::string* engine = first.find("sample.hmc.engine");
      if (alg && *alg == "hmc" && engine) info.algorithm = *engine == "static" ? "hmc" : *engine;
      else if (alg) info.algorithm = *alg;
      info.config = first.preamble;
    }
    info.step_size = step_size;
    bool all_metric = true;
    for (const auto& m : inv_metric) all_metric = all_metric && !m.empty();
    if (all_metric) info.inv_metric = inv_metric;
    bool all_dense = true;
    for (const auto& m : dense_inv_metric) all_dense = all_dense && !m.empty();
    if (all_dense) info.dense_inv_metric = dense_inv_metric;
    // Nested R-hat's superchains (`lockstep sample --superchains K`): kept only when every file
    // names one.
    if (std::all_of(superchain.begin(), superchain.end(), [](int k) { return k >= 0; })) info.superchain = superchain;
    info.effective_draws = effective;
    for (int c = 0; c < n_files; ++c) {
      if (!std::isnan(warm_s[c])) info.warmup_seconds = std::max(info.warmup_seconds, warm_s[c]);
      if (!std::isnan(samp_s[c])) info.sampling_seconds = std::max(info.sampling_seconds, samp_s[c]);
    }
    const int div = d.stat_index("divergent__");
    if (div >= 0)
      for (int c = 0; c < d.n_chains; ++c)
        for (int i = d.n_warmup_saved; i < d.n_draws; ++i)
          if (d.stat_series(div, c)[i] != 0) ++info.divergences;
    *info_out = std::move(info);
  }
  return d;
}

}  // namespace

DrawSet read_stan_csv(const std::vector<std::string>& files, RunInfo* info_out, const StanCsvReadOptions& options) {
  return read_files(files, [&](int c) { return read_whole_file(files[c]); }, info_out, options);
}

DrawSet read_stan_csv_texts(const std::vector<StanCsvText>& texts, RunInfo* info_out,
                            const StanCsvReadOptions& options) {
  std::vector<std::string> names;
  for (const StanCsvText& t : texts) names.push_back(t.name);
  return read_files(names, [&](int c) { return texts[c].text; }, info_out, options);
}

}  // namespace io
}  // namespace lockstep
