// Backend queries. Compiled by nvcc under the CUDA backend (the _lanes.cpp suffix), so that
// cudaGetDeviceCount is available there and only there.
#include "host/backend/lanes.hpp"

#if defined(LOCKSTEP_CUDA)
#include <cuda_runtime_api.h>
#endif
#include <omp.h>

namespace lockstep {
namespace backend {

void set_threads(int threads) {
  // OpenMP's setting is process-wide: remember the default so that 0 restores "all cores"
  // after a run that asked for fewer.
  static const int all = omp_get_max_threads();
  omp_set_num_threads(threads > 0 ? threads : all);
}

bool is_cuda_build() {
#if defined(LOCKSTEP_CUDA)
  return true;
#else
  return false;
#endif
}

int cuda_device_count() {
#if defined(LOCKSTEP_CUDA)
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) return 0;
  return n;
#else
  return 0;
#endif
}

}  // namespace backend
}  // namespace lockstep
