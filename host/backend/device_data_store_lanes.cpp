// The backend's DataStore (models/contract/data_store.hpp): buffers where the lanes run
// (host/backend/lane_vector.hpp), i.e. GPU memory when the lanes run on a device and host
// memory otherwise. The _lanes suffix makes nvcc compile it under the CUDA backend.
#include <memory>
#include <vector>

#include "host/backend/lane_vector.hpp"
#include "models/contract/data_store.hpp"

namespace lockstep {
namespace {

class DeviceDataStore final : public DataStore {
 public:
  const Real* upload(const std::vector<double>& values) override {
    reals_.push_back(std::make_unique<backend::LaneVector<Real>>(values.begin(), values.end()));
    return reals_.back()->data();
  }
  const int* upload_ints(const std::vector<long>& values) override {
    const std::vector<int> narrow(values.begin(), values.end());
    ints_.push_back(std::make_unique<backend::LaneVector<int>>(narrow.begin(), narrow.end()));
    return ints_.back()->data();
  }

 private:
  std::vector<std::unique_ptr<backend::LaneVector<Real>>> reals_;
  std::vector<std::unique_ptr<backend::LaneVector<int>>> ints_;
};

}  // namespace

std::shared_ptr<DataStore> make_backend_data_store() { return std::make_shared<DeviceDataStore>(); }

}  // namespace lockstep
