#pragma once
// DataStore: where a model's data arrays live while it runs — device memory on the CUDA
// backend, host memory on the CPU backend. A model never allocates: its load() hands the
// host-side values to ModelArgs::upload() and keeps the returned pointer in its Data struct
// (a pointer that is valid wherever the kernels run).
//
// The interface lives here, below the host layers; the implementation is the backend's
// (host/backend/device_data_store.cpp defines make_backend_data_store()), so models depend
// on no host header.
#include <memory>
#include <vector>

#include "kernels/core/config.hpp"

namespace lockstep {

class DataStore {
 public:
  virtual ~DataStore() = default;
  /// Copies `values` (converted to Real) to the backend; the pointer stays valid as long as
  /// the store lives.
  virtual const Real* upload(const std::vector<double>& values) = 0;
  /// The same for integers (narrowed to int; the caller checks the range).
  virtual const int* upload_ints(const std::vector<long>& values) = 0;
};

/// A store on this build's backend (defined in host/backend/device_data_store.cpp).
std::shared_ptr<DataStore> make_backend_data_store();

}  // namespace lockstep
