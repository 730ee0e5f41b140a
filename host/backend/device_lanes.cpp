// Backend queries, the place of the lanes and their memory. Compiled by nvcc under the CUDA
// backend (the _lanes.cpp suffix), so that the CUDA runtime is called there and only there.
#include "host/backend/lanes.hpp"

#if defined(LOCKSTEP_CUDA)
#include <cuda_runtime_api.h>
#endif
#include <omp.h>

#include <cxxabi.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

namespace lockstep {
namespace backend {

void set_threads(int threads) {
  check_threads(threads);
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

// -1: not chosen yet (lanes_place() picks the default on first use).
std::atomic<int> g_place{-1};

#if defined(LOCKSTEP_CUDA)
void check_cuda(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("CUDA ") + what + ": " + cudaGetErrorString(e));
}
#endif

}  // namespace

Place lanes_place() {
  int p = g_place.load();
  if (p < 0) {
    const Place chosen = is_cuda_build() && cuda_device_count() > 0 ? Place::kDevice : Place::kHost;
    int expected = -1;
    g_place.compare_exchange_strong(expected, static_cast<int>(chosen));
    p = g_place.load();
  }
  return static_cast<Place>(p);
}

void use_place(Place place) {
  if (place == Place::kDevice) {
    if (!is_cuda_build())
      throw std::invalid_argument("this lockstep was built for the CPU; rebuild with -DLOCKSTEP_CUDA=ON");
    if (cuda_device_count() == 0) throw std::invalid_argument("no CUDA device found (cudaGetDeviceCount reports 0)");
  }
  g_place.store(static_cast<int>(place));
}

void use_device_of_node_rank(int node_rank) {
#if defined(LOCKSTEP_CUDA)
  const int n = cuda_device_count();
  if (n > 0) check_cuda(cudaSetDevice(node_rank % n), "cudaSetDevice");
#else
  (void)node_rank;
#endif
}

void* lane_alloc(std::size_t bytes, Place where) {
  if (bytes == 0) return nullptr;
#if defined(LOCKSTEP_CUDA)
  if (where == Place::kDevice) {
    void* p = nullptr;
    check_cuda(cudaMalloc(&p, bytes), "allocation");
    return p;
  }
#else
  (void)where;
#endif
  const std::size_t rounded = (bytes + 63) / 64 * 64;  // aligned_alloc: a multiple of the alignment
  void* p = std::aligned_alloc(64, rounded);
  if (!p) throw std::bad_alloc();
  return p;
}

void lane_free(void* p, Place where) {
  if (!p) return;
#if defined(LOCKSTEP_CUDA)
  if (where == Place::kDevice) {
    cudaFree(p);  // no throw from destructors; an error here surfaces at the next CUDA call
    return;
  }
#else
  (void)where;
#endif
  std::free(p);
}

void lane_copy(void* dst, Place dst_place, const void* src, Place src_place, std::size_t bytes) {
  if (bytes == 0) return;
#if defined(LOCKSTEP_CUDA)
  if (dst_place == Place::kDevice || src_place == Place::kDevice) {
    const cudaMemcpyKind kind = dst_place == Place::kDevice
                                    ? (src_place == Place::kDevice ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice)
                                    : cudaMemcpyDeviceToHost;
    check_cuda(cudaMemcpy(dst, src, bytes, kind), "copy");
    return;
  }
#else
  (void)dst_place;
  (void)src_place;
#endif
  std::memcpy(dst, src, bytes);
}

void lane_range_error(std::size_t n, std::size_t offset, std::size_t size) {
  throw std::out_of_range("LaneVector: elements [" + std::to_string(offset) + ", " + std::to_string(offset + n) +
                          ") of a buffer of " + std::to_string(size));
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
  if (!lanes_on_device())
    return "CPU, " + std::to_string(omp_get_max_threads()) + " threads (OpenMP; CUDA build, " +
           std::to_string(cuda_device_count()) + " device(s) visible)";
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
  if (lanes_on_device()) {
    std::size_t free_bytes = 0, total = 0;
    if (cudaMemGetInfo(&free_bytes, &total) != cudaSuccess) return 0;
    return free_bytes;
  }
#endif
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  unsigned long long kib = 0;
  while (in >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024ull;
  return 0;
}

}  // namespace backend
}  // namespace lockstep
