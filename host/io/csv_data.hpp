#pragma once
// Column-oriented CSV data files as a DataSource: one column per field.
//
//   x,y,y_err                  <- header row: the field names (unique, non-empty)
//   0.637,0.750,0.154          <- one row per observation; every row has every column
//   0.966,0.104,0.124
//
// Each column is a numeric array field of length R (the number of data rows); the integer
// field "N" is R, unless a column is itself named N (then that column is the field). Cells
// are decimal numbers (C locale, as strtod reads them) with optional surrounding spaces;
// NaN and infinities are refused, as in the JSON reader (every value must be finite). A
// header name may be quoted ("y err"); data cells may be quoted numbers. Lines starting with
// '#' (Stan CSV comments) and blank lines are skipped; CRLF line ends are accepted.
//
// Tables (DataSource::column): a cell may also be text (a label: "AITKIN", "a") or missing
// (empty, NA, NaN). parse_csv_data / load_csv_data read a numeric file and refuse such cells at
// once; parse_csv_table / load_csv_table (and load_data_file, which the commands use) accept
// them, and the numeric accessors (get_reals, get_ints) refuse them when asked with the same
// messages below.
//
// Errors are InputErrors with a one-line message starting with the origin (the path) and
// naming the line and column:
//   data/peak.csv: cannot open file (No such file or directory)
//   data/peak.csv: line 1: empty header (no column names)
//   data/peak.csv: line 1, column 3: duplicate column name 'y'
//   data/peak.csv: line 7: 2 cells, expected 3 (as many as the header has columns)
//   data/peak.csv: line 7, column 2 ('y'): 'abc' is not a number
//   data/peak.csv: line 7, column 2 ('y'): value is not finite (nan)
//   data/peak.csv: field 'y_err': missing (columns: x, y, yerr)
#include <memory>
#include <string>

#include "models/contract/data_source.hpp"

namespace lockstep {

/// Reads and parses the CSV file at `path`; the DataSource's origin() is `path`.
std::unique_ptr<DataSource> load_csv_data(const std::string& path);

/// Parses CSV text already in memory; `origin` starts every error message.
std::unique_ptr<DataSource> parse_csv_data(const std::string& text, const std::string& origin);

/// The same, accepting text and missing cells (a table; see the file comment).
std::unique_ptr<DataSource> load_csv_table(const std::string& path);
std::unique_ptr<DataSource> parse_csv_table(const std::string& text, const std::string& origin);

/// A data file by its extension: ".csv" (any case) with load_csv_table, anything else with
/// load_json_data (host/io/json_data.hpp).
std::unique_ptr<DataSource> load_data_file(const std::string& path);

}  // namespace lockstep
