#pragma once
// Strided views over structure-of-arrays storage.
//
// Chain state is stored parameter-major: parameter p of chain c lives at
// `base[p * n_chains + c]`. A lane that owns chain c sees its parameters through a
// Strided view {base + c, n_chains}. A lane that owns a block of W consecutive chains
// (the CPU SIMD path) sees them through a BlockView whose element type is Batch<W>.
#include <cstddef>

#include "kernels/core/config.hpp"
#include "kernels/core/index.hpp"

namespace lockstep {

/// View of one chain's vector inside parameter-major storage: element i at p[i * stride].
template <class T>
struct Strided {
  using value_type = T;
  T* p;
  std::ptrdiff_t stride;
  LS_HD LS_INLINE T& operator[](int i) const { return p[soa_index(i, 0, stride)]; }  // 64-bit offset
};

/// A dense local vector (stride 1), for per-lane scratch or host-side evaluation.
template <class T>
struct Dense {
  using value_type = T;
  T* p;
  LS_HD LS_INLINE T& operator[](int i) const { return p[i]; }
};

}  // namespace lockstep
