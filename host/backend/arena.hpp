#pragma once
// DataArena: owns the device copies of a model's data. Models keep raw pointers into it in
// their Data struct (pointers valid on the backend, as DESIGN.md's model contract asks).
#include <memory>
#include <vector>

#include <thrust/device_vector.h>

#include "kernels/core/config.hpp"

namespace lockstep {

class DataArena {
 public:
  const Real* upload(const std::vector<double>& values) {
    auto buf = std::make_shared<thrust::device_vector<Real>>(values.begin(), values.end());
    reals_.push_back(buf);
    return thrust::raw_pointer_cast(buf->data());
  }
  const int* upload_ints(const std::vector<long>& values) {
    std::vector<int> narrow(values.begin(), values.end());
    auto buf = std::make_shared<thrust::device_vector<int>>(narrow.begin(), narrow.end());
    ints_.push_back(buf);
    return thrust::raw_pointer_cast(buf->data());
  }

 private:
  std::vector<std::shared_ptr<thrust::device_vector<Real>>> reals_;
  std::vector<std::shared_ptr<thrust::device_vector<int>>> ints_;
};

}  // namespace lockstep
