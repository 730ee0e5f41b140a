#pragma once
// Outputs grouped into variables, as ArviZ holds them: "theta[1]".."theta[8]" are one variable
// theta of shape {8}; "L[i,j]" one of shape {rows, columns}; labels instead of integers
// ("r_county[AITKIN,Intercept]", the glmm's names) give each dimension its labels in order of
// first appearance; names without brackets are kept whole ("b_height:male"). One grouping for
// the netCDF writer (host/io/netcdf_writer.cpp) and the Python package's InferenceData
// (python/lockstep/_inference_data.py, through the extension module), so the two agree.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace lockstep {
namespace io {

struct ParamVar {
  std::string name;
  std::vector<std::size_t> shape;                       // extents after (chain, draw)
  std::vector<std::pair<int, std::size_t>> members;     // (index in names, row-major offset)
  std::vector<std::vector<std::string>> labels;         // per dimension; empty: integer indices
  std::size_t size() const {
    std::size_t n = 1;
    for (auto s : shape) n *= s;
    return n;
  }
};

/// The variables of `names`, in order of first appearance. Indices are positive integers
/// (theta[3]: position 3, extent the largest index; positions no name gives stay empty) or,
/// when any index of the name is not, labels. std::invalid_argument for names that cannot be
/// grouped (both "a" and "a[1]", a name given twice, a parameter named "chain" or "draw").
std::vector<ParamVar> group_params(const std::vector<std::string>& names);

}  // namespace io
}  // namespace lockstep
