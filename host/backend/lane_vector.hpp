#pragma once
// LaneVector<T>: a buffer of trivially copyable T where the lanes run (host/backend/place.hpp),
// fixed at allocation: host memory aligned to 64 bytes (a cache line, an AVX-512 vector), or
// device memory (cudaMalloc) in a CUDA build whose lanes run on the device. Kernels see it as a
// raw pointer (data()); the host reaches it only through the copies below, so that every host
// <-> device transfer is explicit. Fills run as lanes (first touch by the threads that will use
// the memory on a NUMA host). Sizes are 64-bit: a buffer may pass 2^31 elements.
#include <algorithm>
#include <cstddef>
#include <iterator>
#include <type_traits>
#include <utility>
#include <vector>

#include "host/backend/launch_lanes.hpp"
#include "host/backend/place.hpp"
#include "kernels/core/config.hpp"

namespace lockstep {
namespace backend {

/// Raw memory at a place (host/backend/device_lanes.cpp). lane_alloc(0, .) is nullptr.
void* lane_alloc(std::size_t bytes, Place where);
void lane_free(void* p, Place where);
/// memcpy between places (cudaMemcpy when either side is the device).
void lane_copy(void* dst, Place dst_place, const void* src, Place src_place, std::size_t bytes);

/// p[k] = v for every k < n: a grid-stride loop over at most 2^20 lanes.
template <class T>
struct FillLanes {
  T* p;
  T v;
  std::ptrdiff_t n, stride;
  LS_HD void operator()(int lane) const {
    for (std::ptrdiff_t k = lane; k < n; k += stride) p[k] = v;
  }
};

template <class T>
class LaneVector {
  static_assert(std::is_trivially_copyable<T>::value, "LaneVector holds trivially copyable values");

 public:
  LaneVector() = default;
  /// n copies of v (value-initialized by default, as std::vector).
  explicit LaneVector(std::size_t n, const T& v = T()) : LaneVector() { reset(n, v); }
  /// The host range [first, last).
  template <class It, class = typename std::iterator_traits<It>::iterator_category>
  LaneVector(It first, It last) : LaneVector() {
    const std::vector<T> h(first, last);
    allocate(h.size());
    upload(h.data(), h.size());
  }
  LaneVector(const LaneVector& o) : LaneVector() {
    allocate(o.size_);
    lane_copy(data_, place_, o.data_, o.place_, o.size_ * sizeof(T));
  }
  LaneVector(LaneVector&& o) noexcept { swap(o); }
  LaneVector& operator=(LaneVector o) noexcept {
    swap(o);
    return *this;
  }
  ~LaneVector() { lane_free(data_, place_); }

  void swap(LaneVector& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(place_, o.place_);
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  Place place() const { return place_; }

  /// n elements, all v (the previous contents are dropped; the place is the current one).
  void reset(std::size_t n, const T& v = T()) {
    allocate(n);
    fill(v);
  }

  /// n elements: the first min(n, size()) kept, the rest value-initialized (as std::vector).
  void resize(std::size_t n) {
    LaneVector grown(n);
    lane_copy(grown.data_, grown.place_, data_, place_, std::min(n, size_) * sizeof(T));
    swap(grown);
  }

  /// As std::vector::assign: n copies of v, or the host range [first, last).
  void assign(std::size_t n, const T& v) { reset(n, v); }
  template <class It, class = typename std::iterator_traits<It>::iterator_category>
  void assign(It first, It last) {
    LaneVector from(first, last);
    swap(from);
  }

  /// Every element v.
  void fill(const T& v) {
    if (size_ == 0) return;
    const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(size_);
    const std::ptrdiff_t lanes = std::min<std::ptrdiff_t>(n, std::ptrdiff_t(1) << 20);
    launch_lanes(static_cast<int>(lanes), FillLanes<T>{data_, v, n, lanes}, n);
  }

  /// Elements [offset, offset + n) from the host array src.
  void upload(const T* src, std::size_t n, std::size_t offset = 0) {
    check_range(n, offset);
    lane_copy(data_ + offset, place_, src, Place::kHost, n * sizeof(T));
  }
  /// Elements [offset, offset + n) into the host array dst.
  void download(T* dst, std::size_t n, std::size_t offset = 0) const {
    check_range(n, offset);
    lane_copy(dst, Place::kHost, data_ + offset, place_, n * sizeof(T));
  }
  /// All of o (the same size) into this buffer.
  void copy_from(const LaneVector& o) {
    check_range(o.size_, 0);
    lane_copy(data_, place_, o.data_, o.place_, o.size_ * sizeof(T));
  }

 private:
  void allocate(std::size_t n) {
    lane_free(data_, place_);
    data_ = nullptr;
    size_ = 0;
    place_ = lanes_place();
    data_ = static_cast<T*>(lane_alloc(n * sizeof(T), place_));
    size_ = n;
  }
  void check_range(std::size_t n, std::size_t offset) const;

  T* data_ = nullptr;
  std::size_t size_ = 0;
  Place place_ = Place::kHost;
};

/// Throws std::out_of_range naming the sizes (a copy past the end is a bug, never input).
void lane_range_error(std::size_t n, std::size_t offset, std::size_t size);

template <class T>
void LaneVector<T>::check_range(std::size_t n, std::size_t offset) const {
  if (offset > size_ || n > size_ - offset) lane_range_error(n, offset, size_);
}

}  // namespace backend
}  // namespace lockstep
