#pragma once
// Shared by the fuzz targets: run a parser so that bad input may end only in InputError, and
// read every field of a data source the way models do.
#include <cstdlib>
#include <string>
#include <vector>

#include "models/contract/data_source.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace fuzz {

/// Runs f; an InputError (the one-line refusal of bad input) is expected and swallowed. Any
/// other exception escapes, and libFuzzer reports it as a crash with the input that caused it.
template <class F>
void only_input_errors(F&& f) {
  try {
    f();
  } catch (const InputError&) {
  }
}

/// Every accessor on every field, each refusal swallowed alone (a field may be fine as an
/// array and not as an integer).
inline void read_every_field(const DataSource& src, const std::vector<std::string>& fields) {
  for (const std::string& f : fields) {
    if (!src.has(f)) continue;
    only_input_errors([&] { src.get_int(f); });
    only_input_errors([&] { src.get_reals(f); });
    only_input_errors([&] { src.get_ints(f); });
    only_input_errors([&] { src.shape(f); });
    only_input_errors([&] { src.reals_of_size(f, 8); });
    only_input_errors([&] { src.positive_reals_of_size(f, 3); });
    only_input_errors([&] { src.column(f); });
  }
  only_input_errors([&] { src.column_names(); });
}

}  // namespace fuzz
}  // namespace lockstep
