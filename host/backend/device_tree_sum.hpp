#pragma once
// Cross-chain sums computed where the chains live, with tree_sum's fixed shape (blocks of
// kTreeBlock chains summed in order, then the block partials in order): the same bits as
// host/backend/tree_sum.hpp on the same values, on the CPU or a GPU, whatever the thread
// count. Two launches — one lane per (quantity, block) writes a partial, one lane per quantity
// adds the partials — and only the K totals come back to the host.
//
// (CUB's DeviceReduce would be faster for one huge sum, but its split of the input, and so its
// rounding, depends on the device and the launch configuration; adaptation needs the same bits
// on every backend, and these sums are small: K quantities over the chains, once per warmup
// iteration.)
#include <cmath>
#include <cstddef>
#include <vector>


#include "host/backend/lanes.hpp"
#include "host/backend/tree_sum.hpp"

namespace lockstep {
namespace backend {

/// Lane k * n_blocks + b: the partial sum of quantity k over block b of the chains. F is an
/// LS_HD functor double operator()(std::size_t chain, int k) const.
template <class F>
struct TreeSumBlocks {
  F f;
  std::size_t n = 0;
  std::size_t n_blocks = 0;
  double* partials = nullptr;  // [k_count][n_blocks]
  LS_HD void operator()(int lane) const {
    const std::size_t k = static_cast<std::size_t>(lane) / n_blocks, b = static_cast<std::size_t>(lane) % n_blocks;
    const std::size_t begin = b * kTreeBlock, end = begin + kTreeBlock < n ? begin + kTreeBlock : n;
    double s = 0;
    for (std::size_t c = begin; c < end; ++c) s += f(c, static_cast<int>(k));
    partials[lane] = s;
  }
};

/// Lane k: the partials of quantity k added in block order.
struct TreeSumFinish {
  const double* partials = nullptr;
  std::size_t n_blocks = 0;
  double* totals = nullptr;
  LS_HD void operator()(int k) const {
    double t = 0;
    for (std::size_t b = 0; b < n_blocks; ++b) t += partials[static_cast<std::size_t>(k) * n_blocks + b];
    totals[k] = t;
  }
};

/// f(c, 0) = x[c] (one quantity).
struct ValueOf {
  const Real* x = nullptr;
  LS_HD double operator()(std::size_t c, int) const { return static_cast<double>(x[c]); }
};
/// f(c, 0) = log x[c].
struct LogOf {
  const Real* x = nullptr;
  LS_HD double operator()(std::size_t c, int) const { return ::log(static_cast<double>(x[c])); }
};

/// Owns the scratch of repeated cross-chain sums and counts the bytes that come back.
class DeviceTreeSum {
 public:
  /// totals[k] = tree_sum over c < n of f(c, k), k < k_count.
  template <class F>
  std::vector<double> operator()(std::size_t n, int k_count, const F& f) {
    const std::size_t n_blocks = (n + kTreeBlock - 1) / kTreeBlock;
    const std::size_t lanes = n_blocks * static_cast<std::size_t>(k_count);
    if (partials_.size() < lanes) partials_.resize(lanes);
    if (totals_.size() < static_cast<std::size_t>(k_count)) totals_.resize(k_count);
    if (n_blocks == 0) return std::vector<double>(k_count, 0.0);
    const std::ptrdiff_t work = static_cast<std::ptrdiff_t>(n) * k_count;  // one f(c, k) per element
    launch_lanes(static_cast<int>(lanes), TreeSumBlocks<F>{f, n, n_blocks, raw(partials_)}, work);
    launch_lanes(k_count, TreeSumFinish{raw(partials_), n_blocks, raw(totals_)}, static_cast<std::ptrdiff_t>(lanes));
    std::vector<double> out(k_count);
    totals_.download(out.data(), static_cast<std::size_t>(k_count));
    bytes_to_host_ += static_cast<unsigned long long>(k_count) * sizeof(double);
    return out;
  }
  unsigned long long bytes_to_host() const { return bytes_to_host_; }

 private:
  DeviceVector<double> partials_, totals_;
  unsigned long long bytes_to_host_ = 0;
};

}  // namespace backend
}  // namespace lockstep
