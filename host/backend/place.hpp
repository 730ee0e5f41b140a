#pragma once
// Where the lanes run: on the host's cores or on a CUDA device. A CPU build has only the host.
// A CUDA build runs on its device when one is present and on the host otherwise or when asked
// (`--backend cpu`): the same binary, the same functors (compiled __host__ __device__ by nvcc),
// in the same GPU shape (one chain per lane), so its host runs give what the GPU-layout CPU
// build gives. The place is chosen once per process, before the first buffer is allocated
// (buffers remember where they were allocated: host/backend/lane_vector.hpp); code that
// evaluates a model on the host (tests, a benchmark's check) loads it under ScopedPlace(kHost).
#include <string>

namespace lockstep {
namespace backend {

enum class Place { kHost, kDevice };

/// True when this binary was built for the CUDA backend.
bool is_cuda_build();

/// Number of CUDA devices visible (0 on a CPU build or on a machine without a GPU).
int cuda_device_count();

/// Where the lanes run now: the last use_place(), else the device in a CUDA build that sees
/// one, else the host.
Place lanes_place();
inline bool lanes_on_device() { return lanes_place() == Place::kDevice; }

/// Run the lanes at `place` from now on. Place::kDevice in a CPU build, or with no device
/// visible, throws std::invalid_argument with a one-line reason.
void use_place(Place place);

/// A CUDA build on a node with several devices: the rank that is `node_rank` on its node (MPI
/// ranks, host/parallel/ranks.hpp) uses device node_rank mod (device count), before any buffer
/// is allocated. Nothing on a CPU build or without a device.
void use_device_of_node_rank(int node_rank);

/// Lanes at `place` for this scope, then back to where they were: for host code that evaluates a
/// model's own functions (a gradient check, a test's reference values), whose data must then be
/// loaded into host memory even where the lanes run on a device (models/contract/data_store.hpp;
/// host code cannot read device memory). Buffers allocated in the scope keep their place.
class ScopedPlace {
 public:
  explicit ScopedPlace(Place place) : was_(lanes_place()) { use_place(place); }
  ~ScopedPlace() { use_place(was_); }
  ScopedPlace(const ScopedPlace&) = delete;
  ScopedPlace& operator=(const ScopedPlace&) = delete;

 private:
  Place was_;
};

/// "cpu" or "cuda", as `--backend` spells them.
inline const char* place_name(Place p) { return p == Place::kDevice ? "cuda" : "cpu"; }

}  // namespace backend
}  // namespace lockstep
