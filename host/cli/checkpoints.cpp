#include "host/cli/checkpoints.hpp"

#include <utility>

#include "host/core/interrupt.hpp"

namespace lockstep {
namespace cli {
namespace {

const io::CheckpointFile* g_pending = nullptr;
std::string g_last_path;
long g_last_iteration = 0;
std::string g_partial_note;

}  // namespace

FileCheckpoints::FileCheckpoints(std::string path, double every_seconds, io::CheckpointFile header,
                                 const SamplerSnapshot* resume)
    : path_(std::move(path)),
      every_(every_seconds),
      header_(std::move(header)),
      resume_(resume),
      last_(std::chrono::steady_clock::now()) {}

bool FileCheckpoints::due(long) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - last_).count() >= every_;
}

void FileCheckpoints::save(const SamplerSnapshot& snapshot) {
  header_.snapshot = snapshot;
  io::write_checkpoint(path_, header_);
  header_.snapshot = SamplerSnapshot{};
  last_ = std::chrono::steady_clock::now();
  g_last_path = path_;
  g_last_iteration = snapshot.next_iteration;
  if (interrupt_signal() != 0) interrupted_ = snapshot;
}

const io::CheckpointFile* pending_resume() { return g_pending; }
void set_pending_resume(const io::CheckpointFile* c) { g_pending = c; }
const std::string& last_checkpoint_path() { return g_last_path; }
long last_checkpoint_iteration() { return g_last_iteration; }
const std::string& partial_output_note() { return g_partial_note; }
void set_partial_output_note(const std::string& note) { g_partial_note = note; }

}  // namespace cli
}  // namespace lockstep
