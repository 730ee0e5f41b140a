// Backend queries. Compiled by nvcc under the CUDA backend (the _lanes.cpp suffix), so that
// cudaGetDeviceCount is available there and only there.
#include "host/backend/lanes.hpp"

#if defined(LOCKSTEP_CUDA)
#include <cuda_runtime_api.h>
#endif
#include <omp.h>

#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <fstream>
#include <string>

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

namespace {
std::mutex g_shapes_mutex;
std::vector<LaunchShape>& shapes() {
  static std::vector<LaunchShape> s;
  return s;
}
}  // namespace

void record_launch_shape(const char* functor, int block, int registers, int min_grid) {
  int status = 0;
  char* name = abi::__cxa_demangle(functor, nullptr, nullptr, &status);
  const std::lock_guard<std::mutex> lock(g_shapes_mutex);
  shapes().push_back({status == 0 && name ? name : functor, block, registers, min_grid});
  std::free(name);
}

std::vector<LaunchShape> launch_shapes() {
  const std::lock_guard<std::mutex> lock(g_shapes_mutex);
  return shapes();
}

std::string describe_backend() {
#if defined(LOCKSTEP_CUDA)
  int device = 0;
  cudaDeviceProp p{};
  if (cuda_device_count() == 0 || cudaGetDevice(&device) != cudaSuccess ||
      cudaGetDeviceProperties(&p, device) != cudaSuccess)
    return "CUDA (no device)";
  char buf[256];
  std::snprintf(buf, sizeof buf, "CUDA device %d: %s, compute capability %d.%d, %.1f GiB", device, p.name, p.major,
                p.minor, static_cast<double>(p.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0));
  return buf;
#else
  return "CPU, " + std::to_string(omp_get_max_threads()) + " threads (OpenMP)";
#endif
}

unsigned long long available_memory_bytes() {
#if defined(LOCKSTEP_CUDA)
  std::size_t free_bytes = 0, total = 0;
  if (cudaMemGetInfo(&free_bytes, &total) != cudaSuccess) return 0;
  return free_bytes;
#else
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  unsigned long long kib = 0;
  while (in >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024ull;
  return 0;
#endif
}

}  // namespace backend
}  // namespace lockstep
