#pragma once
// The glmm design (host only): the formula (models/glmm/formula.hpp) evaluated on a table
// (DataSource::column), as R's model.frame + model.matrix and lme4's random-effect terms do.
//
// Variables. A column is categorical (a factor) when it is used as a grouping factor anywhere
// in the formula, written factor(column), or is a text column (no cell is a number: "AITKIN",
// "TRUE"); otherwise it is numeric and enters as its values, and a text cell in it is an error
// naming its row and column (write factor(column) to use such a column as a factor). Levels of a factor: the distinct
// values of the rows used, sorted numerically when every cell is a number (1 < 2 < 10), else
// lexically by bytes (C locale: "B" < "a"); labels are the numbers' shortest text or the cells.
//
// Coding (R's rule, model.matrix with contr.treatment): a factor f in a term T is coded by
// treatment contrasts (its first level the reference, dropped) when T without f is empty or is
// contained in a term before T, and by indicators of all its levels otherwise; without an
// intercept, the first factor of the first term that has one is coded by all its levels. The
// columns of a term are the products of its variables' columns, the first variable varying
// fastest, named by R's rule ("x:factor(g)2", "floorB:height").
//
// Missing cells (empty, NA, NaN) in a column the formula uses are an error that says how many
// rows and which columns, unless na=drop: then those rows are dropped and counted. Levels are
// those of the rows kept.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "models/contract/data_source.hpp"
#include "models/contract/input_error.hpp"
#include "models/glmm/formula.hpp"
#include "models/glmm/number_text.hpp"

namespace lockstep {
namespace models {
namespace glmm {

/// brms's parameter-name rule: drop ' ', '(', ')', '[', ']', ',', '"', '\'', '?'; '+' -> P,
/// '-' -> M, '*' -> MU, '/' -> D, '^' -> E, '=' -> EQ. "(Intercept)" -> "Intercept".
inline std::string brms_name(const std::string& s) {
  std::string r;
  for (char c : s) {
    switch (c) {
      case ' ': case '(': case ')': case '[': case ']': case ',': case '"': case '\'': case '?': break;
      case '+': r += "P"; break;
      case '-': r += "M"; break;
      case '*': r += "MU"; break;
      case '/': r += "D"; break;
      case '^': r += "E"; break;
      case '=': r += "EQ"; break;
      default: r += c;
    }
  }
  return r;
}

/// Columns of a design: R's names, brms's names, values (column-major, one per kept row).
struct DesignColumns {
  std::vector<std::string> r_names;
  std::vector<std::string> names;
  std::vector<std::vector<double>> values;
  std::size_t size() const { return names.size(); }
};

/// A factor over the kept rows.
struct Factor {
  std::vector<std::string> labels;  // level labels, in level order
  std::vector<int> index;           // level of each kept row
};

/// A varying-effect term: its grouping factor and its columns (Z), over the kept rows.
struct GroupBlock {
  std::string group;                // "county", "g1:g2" (brms: sd_county__..., r_county[...])
  std::vector<std::string> labels;  // level labels (brms-renamed, unique)
  std::vector<int> level;           // level of each kept row
  DesignColumns effects;
};

struct Design {
  std::string response;
  std::vector<double> y;
  std::string trials_column;     // `y | trials(n)`: the column n, or the number of trials; empty: none
  std::vector<double> trials;    // its values (empty without one)
  std::string offset_text;       // "offset(log(exposure))" (several joined by " + "); empty: none
  std::vector<double> offset;    // the offsets' sum on each kept row (empty without one)
  std::vector<long> rows;        // the table row of each kept row (for messages: row_label)
  std::map<std::string, TableColumn> columns;  // the table's columns the formula uses (--newdata)
  DesignColumns fixed;
  bool intercept = false;  // fixed column 0 is the intercept
  std::vector<GroupBlock> blocks;
  long rows_in_file = 0;
  long rows_dropped = 0;
  std::string dropped_note;  // "3 rows with missing values dropped (column 'x': 3)"
};

namespace detail {

/// "; first at line 7" helpers and the table's columns for messages.
inline std::string column_list(const DataSource& src) {
  std::string s;
  for (const auto& n : src.column_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

/// The levels of a column over the kept rows (see the file comment).
inline Factor make_factor(const TableColumn& c, const std::vector<long>& rows) {
  bool all_numbers = true;
  for (long r : rows) all_numbers = all_numbers && c.cell[r] == TableColumn::kNumber;
  Factor f;
  f.index.resize(rows.size());
  if (all_numbers) {
    std::vector<double> v;
    for (long r : rows) v.push_back(c.value[r]);
    std::vector<double> u = v;
    std::sort(u.begin(), u.end());
    u.erase(std::unique(u.begin(), u.end()), u.end());
    for (double x : u) f.labels.push_back(number_text(x));
    for (std::size_t i = 0; i < v.size(); ++i)
      f.index[i] = static_cast<int>(std::lower_bound(u.begin(), u.end(), v[i]) - u.begin());
  } else {
    std::vector<std::string> u;
    for (long r : rows) u.push_back(c.text[r]);
    std::sort(u.begin(), u.end());
    u.erase(std::unique(u.begin(), u.end()), u.end());
    f.labels = u;
    for (std::size_t i = 0; i < rows.size(); ++i)
      f.index[i] = static_cast<int>(std::lower_bound(u.begin(), u.end(), c.text[rows[i]]) - u.begin());
  }
  return f;
}

/// R's TermCode: 1 (contrasts) when the term without variable v is empty or contained in an
/// earlier term, else 2 (all levels).
inline int term_code(const std::vector<Term>& terms, std::size_t t, int v) {
  Term rest;
  for (int x : terms[t])
    if (x != v) rest.push_back(x);
  if (rest.empty()) return 1;
  for (std::size_t s = 0; s < t; ++s) {
    bool inside = true;
    for (int x : rest) inside = inside && std::find(terms[s].begin(), terms[s].end(), x) != terms[s].end();
    if (inside) return 1;
  }
  return 2;
}

struct VarData {
  bool factor = false;
  const std::vector<double>* numbers = nullptr;  // numeric: values over kept rows
  const Factor* levels = nullptr;                // factor
};

/// model.matrix of a term set, over n rows; `where` names the formula part for messages.
inline DesignColumns model_matrix(const TermSet& ts, const std::vector<VarData>& vars, std::size_t n,
                                  const std::string& where) {
  DesignColumns out;
  if (ts.intercept) {
    out.r_names.push_back("(Intercept)");
    out.values.push_back(std::vector<double>(n, 1.0));
  }
  std::vector<std::vector<int>> codes(ts.terms.size());
  for (std::size_t t = 0; t < ts.terms.size(); ++t)
    for (int v : ts.terms[t]) codes[t].push_back(vars[v].factor ? term_code(ts.terms, t, v) : 0);
  if (!ts.intercept) {
    bool done = false;
    for (std::size_t t = 0; t < ts.terms.size() && !done; ++t)
      for (std::size_t k = 0; k < ts.terms[t].size() && !done; ++k)
        if (vars[ts.terms[t][k]].factor) {
          codes[t][k] = 2;
          done = true;
        }
  }
  for (std::size_t t = 0; t < ts.terms.size(); ++t) {
    const Term& term = ts.terms[t];
    // Per variable: its columns' name suffixes and values.
    std::vector<std::vector<std::string>> names(term.size());
    std::vector<std::vector<std::vector<double>>> cols(term.size());
    for (std::size_t k = 0; k < term.size(); ++k) {
      const Variable& var = ts.variables[term[k]];
      const VarData& vd = vars[term[k]];
      if (!vd.factor) {
        names[k].push_back(var.key);
        cols[k].push_back(*vd.numbers);
        continue;
      }
      const Factor& f = *vd.levels;
      if (f.labels.size() < 2)
        throw InputError("--formula: factor '" + var.key + "' has only one level ('" +
                         (f.labels.empty() ? std::string() : f.labels[0]) + "') in the data" + where);
      for (std::size_t l = codes[t][k] == 1 ? 1 : 0; l < f.labels.size(); ++l) {
        names[k].push_back(var.key + f.labels[l]);
        std::vector<double> ind(n);
        for (std::size_t i = 0; i < n; ++i) ind[i] = f.index[i] == static_cast<int>(l) ? 1.0 : 0.0;
        cols[k].push_back(std::move(ind));
      }
    }
    std::vector<std::size_t> at(term.size(), 0);
    while (true) {
      std::string name;
      std::vector<double> v(n, 1.0);
      for (std::size_t k = 0; k < term.size(); ++k) {
        name += (k ? ":" : "") + names[k][at[k]];
        const std::vector<double>& c = cols[k][at[k]];
        for (std::size_t i = 0; i < n; ++i) v[i] *= c[i];
      }
      out.r_names.push_back(name);
      out.values.push_back(std::move(v));
      std::size_t k = 0;
      while (k < term.size() && ++at[k] == names[k].size()) at[k++] = 0;
      if (k == term.size()) break;
    }
  }
  for (const std::string& r : out.r_names) out.names.push_back(brms_name(r));
  for (std::size_t i = 0; i < out.names.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (out.names[i] == out.names[j])
        throw InputError("--formula: two design columns have the name '" + out.names[i] + "' ('" + out.r_names[j] +
                         "' and '" + out.r_names[i] + "')" + where);
  return out;
}

}  // namespace detail

/// The design of `f` on the table `src`; drop_na: drop rows with missing cells (else refuse).
inline Design build_design(const Formula& f, const DataSource& src, bool drop_na) {
  using namespace detail;
  const std::string origin = src.origin();
  // Every column the formula names, in order of appearance; grouping columns are factors.
  std::vector<std::string> used;
  std::set<std::string> grouping, factor_use, numeric_use;
  auto use = [&](const std::string& c) {
    if (std::find(used.begin(), used.end(), c) == used.end()) used.push_back(c);
  };
  use(f.response);
  numeric_use.insert(f.response);
  if (!f.trials.empty() && !f.trials_number) {
    use(f.trials);
    numeric_use.insert(f.trials);
  }
  std::set<std::string> offset_columns;
  for (const Offset& o : f.offsets) {
    use(o.column);
    numeric_use.insert(o.column);
    offset_columns.insert(o.column);
  }
  auto use_vars = [&](const TermSet& ts) {
    for (const Variable& v : ts.variables) {
      use(v.column);
      (v.as_factor ? factor_use : numeric_use).insert(v.column);
    }
  };
  use_vars(f.fixed);
  for (const BarTerm& b : f.bars) {
    use_vars(b.effects);
    for (const std::string& g : b.group_columns) {
      use(g);
      grouping.insert(g);
    }
  }
  for (const std::string& c : used)
    if (!src.has_column(c))
      throw InputError(origin + ": --formula: no column '" + c + "' (columns: " + column_list(src) + ")");
  std::map<std::string, TableColumn> cols;
  long n_rows = -1;
  for (const std::string& c : used) {
    TableColumn col = src.column(c);
    if (n_rows < 0) n_rows = col.size();
    if (col.size() != n_rows)
      throw InputError(origin + ": column '" + c + "' has " + std::to_string(col.size()) + " values, column '" +
                       f.response + "' has " + std::to_string(n_rows));
    cols.emplace(c, std::move(col));
  }
  if (n_rows <= 0) throw InputError(origin + ": no data rows");
  // A column is used as a factor if it groups, is wrapped in factor(), or is text.
  auto is_factor_column = [&](const std::string& c) { return grouping.count(c) > 0 || !cols.at(c).numeric(); };
  // Missing cells.
  std::vector<char> bad(static_cast<std::size_t>(n_rows), 0);
  std::string per_column;
  long first_bad = -1;
  for (const std::string& c : used) {
    const TableColumn& col = cols.at(c);
    long k = 0, first = -1;
    for (long r = 0; r < n_rows; ++r)
      if (col.cell[r] == TableColumn::kMissing) {
        bad[r] = 1;
        if (first < 0) first = r;
        ++k;
      }
    if (k > 0) {
      per_column += std::string(per_column.empty() ? "" : ", ") + "column '" + c + "': " + std::to_string(k) +
                    (k == 1 ? " row" : " rows") + ", first at " + src.row_label(first);
      if (first_bad < 0 || first < first_bad) first_bad = first;
    }
  }
  long n_bad = 0;
  for (char b : bad) n_bad += b;
  Design d;
  d.rows_in_file = n_rows;
  if (n_bad > 0 && !drop_na)
    throw InputError(origin + ": " + std::to_string(n_bad) + (n_bad == 1 ? " row has" : " rows have") +
                     " missing values (" + per_column + "); give --set na=drop to drop such rows");
  std::vector<long> rows;
  for (long r = 0; r < n_rows; ++r)
    if (!bad[r]) rows.push_back(r);
  if (n_bad > 0) {
    d.rows_dropped = n_bad;
    d.dropped_note = std::to_string(n_bad) + (n_bad == 1 ? " row" : " rows") + " with missing values dropped (" +
                     per_column + ")";
  }
  if (rows.empty()) throw InputError(origin + ": no rows left without missing values");
  const std::size_t n = rows.size();
  // Numeric columns: every kept cell a number.
  std::map<std::string, std::vector<double>> numbers;
  for (const std::string& c : numeric_use) {
    const bool must_be_number = c == f.response || c == f.trials || offset_columns.count(c) > 0;
    if (!must_be_number && is_factor_column(c)) continue;
    const TableColumn& col = cols.at(c);
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) {
      const long r = rows[i];
      if (col.cell[r] != TableColumn::kNumber)
        throw InputError(origin + ": " + src.row_label(r) + ", column '" + c + "': '" + col.text[r] +
                         "' is not a number" +
                         (c == f.response ? " (the response must be numeric)" :
                          c == f.trials ? " (the number of trials must be numeric)" :
                          offset_columns.count(c) ? " (an offset must be numeric)" :
                          " (a numeric column; write factor(" + c + ") to use it as a factor)"));
      v[i] = col.value[r];
    }
    numbers.emplace(c, std::move(v));
  }
  std::map<std::string, Factor> factors;
  auto factor_of = [&](const std::string& c) -> const Factor& {
    auto it = factors.find(c);
    if (it == factors.end()) it = factors.emplace(c, make_factor(cols.at(c), rows)).first;
    return it->second;
  };
  auto var_data = [&](const TermSet& ts) {
    std::vector<VarData> vd;
    for (const Variable& v : ts.variables) {
      VarData x;
      x.factor = v.as_factor || is_factor_column(v.column);
      if (x.factor)
        x.levels = &factor_of(v.column);
      else
        x.numbers = &numbers.at(v.column);
      vd.push_back(x);
    }
    return vd;
  };
  d.response = f.response;
  d.y = numbers.at(f.response);
  d.rows = rows;
  if (!f.trials.empty()) {
    d.trials_column = f.trials;
    d.trials = f.trials_number ? std::vector<double>(n, std::stod(f.trials)) : numbers.at(f.trials);
  }
  if (!f.offsets.empty()) {
    d.offset.assign(n, 0.0);
    for (const Offset& o : f.offsets) {
      d.offset_text += (d.offset_text.empty() ? "" : " + ") + o.text();
      const std::vector<double>& v = numbers.at(o.column);
      for (std::size_t i = 0; i < n; ++i) {
        if (o.log && !(v[i] > 0))
          throw InputError(origin + ": " + src.row_label(rows[i]) + ", column '" + o.column + "': " +
                           number_text(v[i]) + " is not positive, and " + o.text() + " takes its log");
        d.offset[i] += o.log ? std::log(v[i]) : v[i];
      }
    }
  }
  d.fixed = model_matrix(f.fixed, var_data(f.fixed), n, "");
  d.intercept = f.fixed.intercept;
  for (const BarTerm& b : f.bars) {
    GroupBlock g;
    g.group = b.group_name;
    const std::string where = " (in the varying-effect term of '" + b.group_name + "')";
    g.effects = model_matrix(b.effects, var_data(b.effects), n, where);
    if (g.effects.size() == 0)
      throw InputError("--formula: the varying-effect term of '" + b.group_name + "' has no effects");
    // The grouping factor: one column's levels, or the crossed levels of several.
    if (b.group_columns.size() == 1) {
      const Factor& fa = factor_of(b.group_columns[0]);
      g.level = fa.index;
      for (const std::string& l : fa.labels) g.labels.push_back(brms_name(l));
    } else {
      std::vector<std::vector<int>> keys(n);
      for (const std::string& c : b.group_columns) {
        const Factor& fa = factor_of(c);
        for (std::size_t i = 0; i < n; ++i) keys[i].push_back(fa.index[i]);
      }
      std::vector<std::vector<int>> u = keys;
      std::sort(u.begin(), u.end());
      u.erase(std::unique(u.begin(), u.end()), u.end());
      for (const auto& k : u) {
        std::string label;
        for (std::size_t j = 0; j < k.size(); ++j) label += (j ? "_" : "") + factor_of(b.group_columns[j]).labels[k[j]];
        g.labels.push_back(brms_name(label));
      }
      g.level.resize(n);
      for (std::size_t i = 0; i < n; ++i)
        g.level[i] = static_cast<int>(std::lower_bound(u.begin(), u.end(), keys[i]) - u.begin());
    }
    if (g.labels.size() < 2)
      throw InputError("--formula: grouping factor '" + b.group_name + "' has only one level ('" + g.labels[0] +
                       "'); a varying effect needs at least 2");
    for (std::size_t i = 0; i < g.labels.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (g.labels[i] == g.labels[j])
          throw InputError("--formula: two levels of '" + b.group_name + "' have the name '" + g.labels[i] +
                           "' once brackets, commas, spaces and quotes are dropped");
    for (const GroupBlock& other : d.blocks)
      if (other.group == g.group)
        for (const std::string& a : other.effects.names)
          for (const std::string& e : g.effects.names)
            if (a == e)
              throw InputError("--formula: the varying effect '" + e + "' of '" + g.group + "' appears twice");
    d.blocks.push_back(std::move(g));
  }
  d.columns = std::move(cols);
  return d;
}

}  // namespace glmm
}  // namespace models
}  // namespace lockstep
