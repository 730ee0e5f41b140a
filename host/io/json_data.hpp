#pragma once
// Stan-style JSON data files (the format CmdStan reads with `data file=...`), as a DataSource.
//
// The top level is an object whose members are the data fields:
//   scalars           "J": 8            "scale": 2.5
//   arrays            "y": [28, 8, -3]
//   nested arrays     "Sigma": [[1, 0.5], [0.5, 2]]   (read row-major by get_reals/get_ints;
//                                                       every row must have the same length)
// Integers may be written as 8 or 8.0; 8.5 is refused where an integer is expected.
// JSON has no literal for NaN or infinity; CmdStan writes the strings "NaN", "Inf", "-Inf"
// (also "Infinity", case-insensitive). They, and null, are recognised and refused: every
// numeric value must be finite.
//
// Errors are InputErrors with a one-line message starting with the origin (the path):
//   data/x.json: cannot open file (No such file or directory)
//   data/x.json: malformed JSON at line 3, column 7: syntax error while parsing ...
//   data/x.json: field 'sigma': missing
//   data/x.json: field 'J': expected an integer, found an array
//   data/x.json: field 'y': value 3 is not finite (NaN)
//   data/x.json: field 'Sigma': value [2,1] is not finite (null)
#include <memory>
#include <string>

#include "models/contract/data_source.hpp"

namespace lockstep {

/// Reads and parses the JSON file at `path`; the DataSource's origin() is `path`.
std::unique_ptr<DataSource> load_json_data(const std::string& path);

/// Parses JSON text already in memory; `origin` starts every error message.
std::unique_ptr<DataSource> parse_json_data(const std::string& text, const std::string& origin);

}  // namespace lockstep
