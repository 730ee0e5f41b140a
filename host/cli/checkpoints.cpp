#include "host/cli/checkpoints.hpp"

#include <cmath>
#include <utility>

#include "host/core/input_file.hpp"
#include "host/core/interrupt.hpp"
#include "host/io/atomic_file.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace cli {
namespace {

const io::CheckpointFile* g_pending = nullptr;
std::string g_last_path;
long g_last_iteration = 0;
std::string g_last_sampler;
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
  g_last_sampler = snapshot.sampler;
  if (interrupt_signal() != 0) interrupted_ = snapshot;
}

void check_checkpoint_flags(const std::string& path, double every_seconds) {
  if (!(every_seconds >= 0) || !std::isfinite(every_seconds))
    throw InputError("--checkpoint-every: must be a number of seconds >= 0");
  io::check_writable(path, "--checkpoint");
}

std::unique_ptr<FileCheckpoints> open_checkpoints(const std::string& path, double every_seconds,
                                                  const std::vector<std::string>& command_line,
                                                  const std::string& model, const std::string& data_file,
                                                  std::uint64_t seed) {
  check_checkpoint_flags(path, every_seconds);
  io::CheckpointFile header;
  header.version = LOCKSTEP_VERSION;
  header.build = io::build_identity();
  header.args = command_line;
  header.model = model;
  header.data_file = data_file;
  header.data_hash = data_file.empty() ? 0 : io::fnv1a64(io::read_input_file(data_file));
  header.seed = seed;
  const io::CheckpointFile* resuming = pending_resume();
  if (resuming && (resuming->data_hash != header.data_hash || resuming->model != model))
    throw InputError("resume: " + (data_file.empty() ? std::string("the model") : data_file) +
                     " has changed since the checkpoint was written (its checksum differs)");
  return std::make_unique<FileCheckpoints>(path, every_seconds, std::move(header),
                                           resuming ? &resuming->snapshot : nullptr);
}

const io::CheckpointFile* pending_resume() { return g_pending; }
void set_pending_resume(const io::CheckpointFile* c) { g_pending = c; }
const std::string& last_checkpoint_path() { return g_last_path; }
long last_checkpoint_iteration() { return g_last_iteration; }
std::string last_checkpoint_position() {
  const std::string n = std::to_string(g_last_iteration), s = g_last_iteration == 1 ? "" : "s";
  if (g_last_sampler == "study") return n + " run" + s + " done";
  if (g_last_sampler == "sbc") return n + " replicate" + s + " fitted";
  if (g_last_sampler == "npe") return n + " epoch" + s + " trained";
  if (g_last_sampler == "vi") return n + " step" + s + " done";
  if (g_last_sampler == "abc") return n + " simulation" + s + " done";
  if (g_last_sampler == "smc-abc") return n + " generation" + s + " after the prior's done";
  return "iteration " + n;
}
const std::string& partial_output_note() { return g_partial_note; }
void set_partial_output_note(const std::string& note) { g_partial_note = note; }

}  // namespace cli
}  // namespace lockstep
