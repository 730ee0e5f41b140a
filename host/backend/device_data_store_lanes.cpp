// The backend's DataStore (models/contract/data_store.hpp): thrust device vectors, i.e. GPU
// memory on the CUDA backend and host memory under Thrust's OpenMP system. The _lanes suffix
// makes nvcc compile it under the CUDA backend (device_vector's copies launch kernels).
#include <memory>
#include <vector>

#include <thrust/device_vector.h>

#include "models/contract/data_store.hpp"

namespace lockstep {
namespace {

class DeviceDataStore final : public DataStore {
 public:
  const Real* upload(const std::vector<double>& values) override {
    reals_.push_back(std::make_unique<thrust::device_vector<Real>>(values.begin(), values.end()));
    return thrust::raw_pointer_cast(reals_.back()->data());
  }
  const int* upload_ints(const std::vector<long>& values) override {
    const std::vector<int> narrow(values.begin(), values.end());
    ints_.push_back(std::make_unique<thrust::device_vector<int>>(narrow.begin(), narrow.end()));
    return thrust::raw_pointer_cast(ints_.back()->data());
  }

 private:
  std::vector<std::unique_ptr<thrust::device_vector<Real>>> reals_;
  std::vector<std::unique_ptr<thrust::device_vector<int>>> ints_;
};

}  // namespace

std::shared_ptr<DataStore> make_backend_data_store() { return std::make_shared<DeviceDataStore>(); }

}  // namespace lockstep
