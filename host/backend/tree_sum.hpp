#pragma once
// Fixed-shape summation across chains: blocks of kTreeBlock values are summed in order, then
// the block partials in order. The result depends only on the values and their order — never
// on the thread count — so the same binary and seed give bitwise-identical output.
#include <cstddef>

namespace lockstep {
namespace backend {

constexpr std::size_t kTreeBlock = 256;

template <class T, class F>
double tree_sum(std::size_t n, const F& value_at) {
  double total = 0;
  for (std::size_t b = 0; b < n; b += kTreeBlock) {
    double partial = 0;
    const std::size_t e = b + kTreeBlock < n ? b + kTreeBlock : n;
    for (std::size_t i = b; i < e; ++i) partial += static_cast<double>(value_at(i));
    total += partial;
  }
  return total;
}

inline double tree_sum(const double* x, std::size_t n) {
  return tree_sum<double>(n, [x](std::size_t i) { return x[i]; });
}

}  // namespace backend
}  // namespace lockstep
