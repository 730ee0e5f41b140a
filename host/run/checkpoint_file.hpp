#pragma once
// The checkpoint file of `lockstep sample --checkpoint FILE` and `lockstep resume FILE`: a
// SamplerSnapshot (host/run/sampler_snapshot.hpp) with what is needed to continue the run and to
// refuse continuing it elsewhere.
//
// Layout (little-endian, written atomically through AtomicFile):
//   "LOCKSTEP-CHECKPOINT\n"          20 bytes
//   u32 format version (kCheckpointFormat)
//   u64 payload bytes, u64 FNV-1a 64 of the payload
//   payload: strings as u64 length + bytes, numbers as u64 / i64 / f64:
//     lockstep version, build identity, command-line arguments (count, then each), model name,
//     data file path and FNV-1a 64 of its bytes, seed, then the snapshot: sampler, dim, n_pad,
//     n_chains, next_iteration, window_start, pooled dual averaging (4 f64), warmup seconds,
//     arrays (count, then name and bytes each), draws (chains, draws, warmup saved, names,
//     values, statistic names, statistics).
// A file that does not start with the magic line, has another format version, a payload of
// another length or checksum is refused with one line naming the file; so is a checkpoint of
// another lockstep version or build (the bits of a resumed run would differ) -- the caller
// checks the model and the data file's checksum.
#include <cstdint>
#include <string>
#include <vector>

#include "host/core/input_file.hpp"  // io::fnv1a64 (the data file's hash)
#include "host/run/sampler_snapshot.hpp"

namespace lockstep {
namespace io {

constexpr std::uint32_t kCheckpointFormat = 1;

struct CheckpointFile {
  std::string version;              // lockstep version that wrote it
  std::string build;                // build_identity() of the binary that wrote it
  std::vector<std::string> args;    // the command line after "lockstep", e.g. {"sample", "eight_schools_noncentered", ...}
  std::string model;
  std::string data_file;            // as given ("" without --data)
  std::uint64_t data_hash = 0;      // fnv1a64 of the data file's bytes (0 without one)
  std::uint64_t seed = 0;           // the run's seed, resolved
  SamplerSnapshot snapshot;
};

/// This binary's identity for checkpoints: version, backend, lane shape and precision.
std::string build_identity();

std::string encode_checkpoint(const CheckpointFile& c);
/// InputError naming `origin` for anything but a complete checkpoint of this build.
CheckpointFile decode_checkpoint(const std::string& bytes, const std::string& origin);

/// Atomic write (AtomicFile) and read (io::read_input_file) of a checkpoint.
void write_checkpoint(const std::string& path, const CheckpointFile& c);
CheckpointFile read_checkpoint(const std::string& path);

}  // namespace io
}  // namespace lockstep
