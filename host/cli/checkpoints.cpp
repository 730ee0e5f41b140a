#include "host/cli/checkpoints.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <utility>

#include "host/core/input_file.hpp"
#include "host/core/interrupt.hpp"
#include "host/io/atomic_file.hpp"
#include "host/parallel/ranks.hpp"
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
      last_(std::chrono::steady_clock::now()),
      asked_(last_) {}

bool checkpoint_due(double since_last, double every_seconds, double last_cost) {
  return since_last >= every_seconds && since_last >= kCheckpointCostFactor * last_cost;
}

bool FileCheckpoints::due(long) {
  return checkpoint_due(std::chrono::duration<double>(std::chrono::steady_clock::now() - last_).count(), every_,
                        last_cost_);
}

bool FileCheckpoints::wanted(long iteration) {
  // The signal is read once here and latched: the progress check that follows this boundary
  // stops on it (InterruptCheck::follow), so a signal arriving between the two (or delivered
  // late, as under ThreadSanitizer) stops the run at the next boundary, with its checkpoint,
  // rather than at this one without.
  // Over MPI ranks both answers are collective: the signal any rank saw, rank 0's clock.
  const parallel::Ranks& ranks = parallel::Ranks::world();
  const int own = interrupt_signal();
  agreed_signal_ = ranks.split() ? static_cast<int>(ranks.max(static_cast<double>(own))) : own;
  const bool due_now = ranks.split() ? ranks.from_root(due(iteration) ? 1 : 0) != 0 : due(iteration);
  if (agreed_signal_ != 0 || due_now) asked_ = std::chrono::steady_clock::now();  // the snapshot's cost starts
  return agreed_signal_ != 0 || due_now;
}

void FileCheckpoints::save(const SamplerSnapshot& snapshot) {
  header_.snapshot = snapshot;
  const parallel::Ranks& ranks = parallel::Ranks::world();
  if (ranks.split())
    header_.snapshot.put_values("mpi_rank_of", std::vector<double>{static_cast<double>(ranks.rank()),
                                                                   static_cast<double>(ranks.size())});
  io::write_checkpoint(path_, header_);
  header_.snapshot = SamplerSnapshot{};
  last_ = std::chrono::steady_clock::now();
  last_cost_ = std::chrono::duration<double>(last_ - asked_).count();
  g_last_path = path_;
  g_last_iteration = snapshot.next_iteration;
  g_last_sampler = snapshot.sampler;
  if (agreed_signal_ != 0) interrupted_ = snapshot;
}

std::string rank_checkpoint_path(const std::string& path, int rank) {
  return rank == 0 ? path : path + ".rank" + std::to_string(rank);
}

std::string resume_command(const std::string& path) {
  const parallel::Ranks& ranks = parallel::Ranks::world();
  return (ranks.split() ? "mpirun -np " + std::to_string(ranks.size()) + " " : std::string()) + "lockstep resume " + path;
}

namespace {

/// (rank, ranks) a snapshot was written by: (0, 1) without the mark.
std::pair<int, int> written_by(const SamplerSnapshot& s) {
  std::vector<double> v;
  if (!s.get_values("mpi_rank_of", v) || v.size() != 2) return {0, 1};
  return {static_cast<int>(v[0]), static_cast<int>(v[1])};
}

/// Over MPI ranks, every rank's snapshot to resume from (rank 0's is `resuming`'s; rank r reads
/// path.rank<r> into `own`), after checks every rank makes together; one process: the mark's
/// check alone. InputError on every rank when any rank's file does not fit.
const SamplerSnapshot* resume_for_this_rank(const std::string& path, const io::CheckpointFile& resuming,
                                            io::CheckpointFile& own) {
  const parallel::Ranks& ranks = parallel::Ranks::world();
  const int r = ranks.rank(), R = ranks.size();
  const std::string again = "mpirun -np ";
  std::string why;
  // What is wrong with this rank's file, for the other ranks' message (the lowest failing rank's
  // is the one reported): 1 missing, 2 unreadable, 3 another run's, 4 another rank's or count's.
  int what = 0;
  const SamplerSnapshot* snap = &resuming.snapshot;
  if (r > 0) {
    const std::string mine = rank_checkpoint_path(path, r);
    try {
      if (!std::ifstream(mine).good()) what = 1;
      own = io::read_checkpoint(mine);
      snap = &own.snapshot;
      if (own.args != resuming.args || own.seed != resuming.seed || own.data_hash != resuming.data_hash) {
        why = mine + ": belongs to another run than " + path;
        what = 3;
      }
    } catch (const InputError& e) {
      why = e.what();
      if (what == 0) what = 2;
    }
  }
  if (why.empty()) {
    const std::pair<int, int> by = written_by(*snap);
    if (by.second != R)
      why = path + ": written by a run over " + std::to_string(by.second) + " MPI rank" + (by.second == 1 ? "" : "s") +
            (R == 1 ? "" : ", not " + std::to_string(R)) + "; continue it with " +
            (by.second == 1 ? std::string("lockstep resume ") : again + std::to_string(by.second) + " lockstep resume ") +
            path;
    else if (by.first != r)
      why = rank_checkpoint_path(path, r) + ": holds rank " + std::to_string(by.first) + "'s chains, not rank " +
            std::to_string(r) + "'s";
    if (!why.empty()) what = 4;
  }
  if (R == 1) {
    if (!why.empty()) throw InputError(why);
    return snap;
  }
  // the lowest rank whose file does not fit (rank 0's own message when it is one of them)
  const int failed = static_cast<int>(-ranks.max(why.empty() ? -1e9 : -static_cast<double>(r)));
  if (failed < R) {
    const int kind = static_cast<int>(ranks.max(failed == r ? static_cast<double>(what) : 0.0));
    if (failed == r) throw InputError(why);
    const char* problem = kind == 1   ? " is missing (every rank's file is needed to resume)"
                          : kind == 2 ? " cannot be read as a lockstep checkpoint"
                          : kind == 3 ? " belongs to another run"
                                      : " does not fit this run";
    throw InputError("resume: rank " + std::to_string(failed) + "'s checkpoint file " +
                     rank_checkpoint_path(path, failed) + problem);
  }
  const double t = static_cast<double>(snap->next_iteration);
  const double lo = -ranks.max(-t), hi = ranks.max(t);
  if (lo != hi)
    throw InputError("resume: the ranks' checkpoint files stand at different iterations (" +
                     std::to_string(static_cast<long>(lo)) + " to " + std::to_string(static_cast<long>(hi)) +
                     "): the run was stopped while they were being written; start it again");
  return snap;
}

}  // namespace

void check_checkpoint_every(double every_seconds) {
  if (!(every_seconds >= 0) || !std::isfinite(every_seconds))
    throw InputError("--checkpoint-every: must be a number of seconds >= 0");
}

void check_checkpoint_flags(const std::string& path, double every_seconds) {
  check_checkpoint_every(every_seconds);
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
  // A new run never writes over an existing file: it may be the checkpoint of an unfinished run
  // (the same command typed again instead of `lockstep resume` would lose its work).
  std::error_code ec;
  if (!resuming && std::filesystem::exists(path, ec))
    throw InputError("--checkpoint " + path + ": the file exists; if it is the checkpoint of an unfinished run, continue "
                     "it with `" + resume_command(path) + "`, or delete it to start a new run there");
  if (resuming && (resuming->data_hash != header.data_hash || resuming->model != model))
    throw InputError("resume: " + (data_file.empty() ? std::string("the model") : data_file) +
                     " has changed since the checkpoint was written (its checksum differs)");
  const int rank = parallel::Ranks::world().rank();
  auto hooks = std::make_unique<FileCheckpoints>(rank_checkpoint_path(path, rank), every_seconds, std::move(header),
                                                 resuming ? &resuming->snapshot : nullptr);
  if (resuming) hooks->resume_ = resume_for_this_rank(path, *resuming, hooks->own_);
  return hooks;
}

bool remove_checkpoint(const std::string& path) {
  const bool removed = std::remove(path.c_str()) == 0;
  io::remove_stale_temporaries(path);
  return removed;
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
