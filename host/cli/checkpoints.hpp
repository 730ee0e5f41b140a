#pragma once
// `lockstep sample --checkpoint FILE [--checkpoint-every SECONDS]` and `lockstep resume FILE`
// (static HMC, NUTS, ChEES): the command's CheckpointHooks (host/run/sampler_snapshot.hpp) write a
// snapshot to FILE (host/run/checkpoint_file.hpp, atomically) at the first segment boundary
// after every SECONDS of sampling (and at least 9 times the last snapshot's cost after it, so
// that snapshots, which hold the draws so far, never take more than a tenth of the run), and at
// the boundary where a SIGINT or SIGTERM stops the run (the interrupt line then says how to
// continue). A new run refuses a FILE that exists (it may be an unfinished run's checkpoint).
// `lockstep resume FILE` runs the checkpoint's command line again with the snapshot as its
// start: the draws and every output are the bits an uninterrupted run would have written. A run
// that completes removes its checkpoint.
//
// Over MPI ranks (`mpirun -np R lockstep sample|ensemble ... --checkpoint FILE`; sample's nuts,
// hmc and chees): every rank writes its own chains' snapshot, rank 0 to FILE and rank r to FILE.rank<r>
// (rank_checkpoint_path), marked with (r, R); the ranks agree at every boundary whether to
// write (rank 0's clock decides --checkpoint-every) and whether to stop (a signal seen by any
// rank stops them all at the same boundary: wanted()), so the files always stand at one
// iteration. `mpirun -np R lockstep resume FILE` gives every rank its own file back; a
// different R, a missing or foreign rank file, or files at different iterations are refused
// with one line.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/run/checkpoint_file.hpp"
#include "host/run/sampler_snapshot.hpp"

namespace lockstep {
namespace cli {

/// A snapshot holds the draws so far, so each costs more than the last: the next one waits at
/// least this many times the last one's cost (fill and write), which keeps checkpoints under
/// 1/(1 + factor) of a run whatever --checkpoint-every asks (0 would make a long run quadratic).
constexpr double kCheckpointCostFactor = 9;

/// Whether a snapshot is due `since_last` seconds after the last one ended, which took
/// `last_cost` seconds, with --checkpoint-every `every_seconds`.
bool checkpoint_due(double since_last, double every_seconds, double last_cost);

class FileCheckpoints : public CheckpointHooks {
 public:
  /// `header`: everything of the file but the snapshot; `resume`: the snapshot to continue
  /// from (a resumed run), or null.
  FileCheckpoints(std::string path, double every_seconds, io::CheckpointFile header, const SamplerSnapshot* resume);
  bool due(long iteration) override;
  /// due() or a signal; over MPI ranks agreed by all ranks (see the file comment).
  bool wanted(long iteration) override;
  /// The signal read at the last boundary (over MPI ranks: the one the ranks agreed on; 0:
  /// none), which the progress check stops on instead of the live one: a signal arriving
  /// between wanted() and the check would otherwise stop the run without its checkpoint (or,
  /// over ranks, stop one rank alone).
  int agreed_signal() const { return agreed_signal_; }
  void save(const SamplerSnapshot& snapshot) override;
  const SamplerSnapshot* resume() const override { return resume_; }
  /// The snapshot saved because a signal stopped the run (its draws so far), or null.
  const SamplerSnapshot* interrupted() const { return interrupted_.sampler.empty() ? nullptr : &interrupted_; }

 private:
  std::string path_;
  double every_;
  io::CheckpointFile header_;
  const SamplerSnapshot* resume_;
  io::CheckpointFile own_;  // over MPI ranks, rank r > 0: its own file, resumed from
  int agreed_signal_ = 0;
  std::chrono::steady_clock::time_point last_;   // the latest snapshot's end
  std::chrono::steady_clock::time_point asked_;  // when the latest snapshot was asked for (fill + write)
  double last_cost_ = 0;                         // seconds the latest snapshot took
  friend std::unique_ptr<FileCheckpoints> open_checkpoints(const std::string&, double, const std::vector<std::string>&,
                                                           const std::string&, const std::string&, std::uint64_t);
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
/// Rank r's checkpoint file of a run over MPI ranks: `path` for rank 0, path.rank<r> for the
/// others.
std::string rank_checkpoint_path(const std::string& path, int rank);

/// Removes a completed run's checkpoint `path` (and stale temporaries of it a killed run left,
/// io::remove_stale_temporaries); whether there was a file to remove.
bool remove_checkpoint(const std::string& path);

/// "lockstep resume PATH", or "mpirun -np R lockstep resume PATH" over R MPI ranks.
std::string resume_command(const std::string& path);

/// --checkpoint-every alone: a number of seconds >= 0 (InputError naming the flag).
void check_checkpoint_every(double every_seconds);

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
