#pragma once
// `lockstep sample --checkpoint FILE [--checkpoint-every SECONDS]` and `lockstep resume FILE`
// (static HMC, NUTS, ChEES): the command's CheckpointHooks (host/run/sampler_snapshot.hpp) write a
// snapshot to FILE (host/run/checkpoint_file.hpp, atomically) at the first segment boundary
// after every SECONDS of sampling, and at the boundary where a SIGINT or SIGTERM stops the run
// (the interrupt line then says how to continue). `lockstep resume FILE` runs the checkpoint's
// command line again with the snapshot as its start: the draws and every output are the bits
// an uninterrupted run would have written. A run that completes removes its checkpoint.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/run/checkpoint_file.hpp"
#include "host/run/sampler_snapshot.hpp"

namespace lockstep {
namespace cli {

class FileCheckpoints : public CheckpointHooks {
 public:
  /// `header`: everything of the file but the snapshot; `resume`: the snapshot to continue
  /// from (a resumed run), or null.
  FileCheckpoints(std::string path, double every_seconds, io::CheckpointFile header, const SamplerSnapshot* resume);
  bool due(long iteration) override;
  void save(const SamplerSnapshot& snapshot) override;
  const SamplerSnapshot* resume() const override { return resume_; }
  /// The snapshot saved because a signal stopped the run (its draws so far), or null.
  const SamplerSnapshot* interrupted() const { return interrupted_.sampler.empty() ? nullptr : &interrupted_; }

 private:
  std::string path_;
  double every_;
  io::CheckpointFile header_;
  const SamplerSnapshot* resume_;
  std::chrono::steady_clock::time_point last_;
  SamplerSnapshot interrupted_;
};

/// The hooks of a run started with --checkpoint PATH [--checkpoint-every SECONDS]: the file's
/// header (version, build, command line, model, data file and its checksum, seed) and, for
/// `lockstep resume`, the snapshot to continue from. A resumed run whose data file or model has
/// changed is refused (InputError). Checks the flags first (InputError naming them).
std::unique_ptr<FileCheckpoints> open_checkpoints(const std::string& path, double every_seconds,
                                                  const std::vector<std::string>& command_line,
                                                  const std::string& model, const std::string& data_file,
                                                  std::uint64_t seed);
/// The --checkpoint flags alone (before the data is read).
void check_checkpoint_flags(const std::string& path, double every_seconds);

/// The checkpoint `lockstep resume` continues (set while its command line runs), or null.
const io::CheckpointFile* pending_resume();
void set_pending_resume(const io::CheckpointFile* c);

/// The checkpoint this process wrote last and where it stands ("" and 0 if none): the next
/// iteration of a sampler, the runs done of a study, the replicates fitted of an sbc run
/// (last_checkpoint_position: "iteration N", "N runs done", "N replicates fitted").
const std::string& last_checkpoint_path();
long last_checkpoint_iteration();
std::string last_checkpoint_position();

/// What an interrupted run wrote besides its checkpoint (the draws so far, marked incomplete),
/// for the interrupt line; "" if nothing.
const std::string& partial_output_note();
void set_partial_output_note(const std::string& note);

}  // namespace cli
}  // namespace lockstep
