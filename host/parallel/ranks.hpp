#pragma once
// The processes of one run: a single process (the default), or the R ranks of an MPI job
// (`mpirun -np R lockstep sample ...`) when the build has MPI (-DLOCKSTEP_MPI=AUTO|ON, Open MPI
// from Debian) and the command was started by an MPI launcher.
//
// What crosses between ranks, and why it keeps the draws those of a one-process run (bit for
// bit, whatever R):
//   - chain c of the run is chain c - first of the rank that holds it (contiguous ranges,
//     chain_share below); every random stream is keyed by the run's chain index
//     (hmc::ChainArrays::rng_key), so a chain's numbers do not depend on R;
//   - a cross-chain sum (pooled adaptation, ChEES's statistics) all-gathers the per-chain terms
//     and adds them on every rank in the one-process order (host/run/chain_sums.hpp): the same
//     bits on every rank and as with one process;
//   - at the end rank 0 gathers the draws and writes every file; the rank-normalized R-hat and
//     ESS need the pooled ranks of all draws, so they are not reducible to per-rank sums.
//
// Only the command's main() starts MPI (start_from_launcher); the library and the Python module
// always run as one process.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "host/core/draw_set.hpp"

namespace lockstep {
namespace parallel {

/// What the ranks found when they compared notes before working together (Ranks::agree).
struct Agreement {
  int status = 0;        // the largest exit status among the ranks: 0 when every rank is fine
  int first_failed = 0;  // the lowest rank whose status is not 0 (size() when none)
  int failed = 0;        // how many ranks failed
};

/// Thrown on a rank that is fine when, before the ranks work together, another rank failed (a
/// file that only some nodes can read): the command ends with `status` and says nothing more,
/// the failing rank having said why. Not a std::exception, so that no handler reports it.
struct AnotherRankFailed {
  int status;
};

class Ranks {
 public:
  /// The process group of this process (one process until start_from_launcher()).
  static Ranks& world();
  /// Joins the MPI job when an MPI launcher started this process (Open MPI's or PMI's
  /// environment variables) and the build has MPI; otherwise stays one process. Returns world().
  static Ranks& start_from_launcher(int* argc, char*** argv);
  /// True when this build can run over MPI ranks.
  static bool built_with_mpi();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }
  bool split() const { return size_ > 1; }
  /// This rank among the ranks on its node (picks the GPU of a multi-GPU node).
  int node_rank() const { return node_rank_; }

  /// Every rank's `local`, concatenated in rank order, on every rank; counts[r] = the size of
  /// rank r's part.
  std::vector<double> all_gather(const std::vector<double>& local, std::vector<int>* counts = nullptr) const;
  /// The same, received by rank 0 only (other ranks get an empty vector).
  std::vector<double> gather_to_root(const std::vector<double>& local, std::vector<int>* counts = nullptr) const;
  /// `local` as `rows` rows of equal length; rank 0 receives each row concatenated over the
  /// ranks in rank order ([rows][sum of the ranks' row lengths]; a DrawSet's [quantity][chain]
  /// [draw] with every rank's chains), written in place, one gather per row; others get {}.
  DrawValues gather_rows_to_root(const DrawValues& local, int rows) const;
  /// Rank 0's value on every rank (a seed drawn at random must be the same everywhere).
  std::uint64_t from_root(std::uint64_t x) const;
  /// The sum or maximum over ranks of one number, on every rank.
  double sum(double x) const;
  double max(double x) const;
  /// Bytes this rank has sent to other ranks so far, and the part of them that per-iteration
  /// cross-chain sums sent (host/run/chain_sums.hpp counts them with count_sum_bytes).
  unsigned long long bytes_sent() const { return bytes_sent_; }
  unsigned long long sum_bytes_sent() const { return sum_bytes_sent_; }
  void count_sum_bytes(unsigned long long bytes) const { sum_bytes_sent_ += bytes; }
  /// Ends every rank of the job now with `code` (after this rank printed why).
  [[noreturn]] void abort(int code) const;
  /// Every rank's exit status so far, compared (one all-gather of an int; collective). Before
  /// mark_collective_work() each collective call above starts with agree(0), throwing
  /// AnotherRankFailed when some rank failed; a rank that fails before that point calls
  /// agree(its status) once, from its error handler (host/cli/run_cli.cpp), instead of its next
  /// collective call. So a failure on some ranks only (a data file or an output folder that only
  /// some nodes have) reaches the others at their next collective call, and every rank ends
  /// with one status, instead of the others waiting there for ever.
  Agreement agree(int status) const;
  /// Before collective work: agree(0), throwing AnotherRankFailed when a rank failed; after
  /// mark_collective_work() (and for one process) nothing.
  void agree_before_collective() const;
  /// Leaves the MPI job (at the end of main); nothing for one process.
  void finish();

 private:
  int rank_ = 0, size_ = 1, node_rank_ = 0;
  bool started_ = false;
  mutable unsigned long long bytes_sent_ = 0, sum_bytes_sent_ = 0;
};

/// The chains of a run held by one rank: chains first .. first + count - 1 of total.
struct ChainShare {
  int first = 0;
  int count = 0;
  int total = 0;
  bool block_aligned = false;  // every rank's first chain is a multiple of the block
};
/// Contiguous, balanced ranges: rank r starts at floor(total r / R), rounded down to a multiple
/// of `block` when that leaves every rank at least one chain (block_aligned), else not rounded.
/// Cross-chain sums add blocks of backend::kTreeBlock chains first (host/backend/tree_sum.hpp):
/// with ranges on block boundaries a rank sends its block partials, not its chains' terms
/// (host/run/chain_sums.hpp).
ChainShare chain_share(int total, int rank, int size, int block = 1);

/// In a run split over ranks, the first collective call of every rank: the ranks' arguments
/// (argv[1..argc)) against rank 0's. Ranks started with different flags (an MPMD launch, a
/// script that varies them) would each run another configuration and meet in mismatched
/// collective calls: crashes, hangs or silently mixed output. Throws the same InputError on
/// every rank, naming the first argument that differs. Nothing for one process.
void check_same_command_line(int argc, const char* const* argv);

/// Marks the moment a command starts work that other ranks take part in: before it, every rank
/// checks the same arguments and files; the ranks agree (Ranks::agree) at every collective call
/// and here, so a failure reaches every rank and the lowest failing rank alone reports it (as
/// one process would when every rank failed; naming itself when only some did), all ending with
/// the status; after it, an error on one rank aborts the job (main, host/cli/run_cli.cpp). The
/// environment variable LOCKSTEP_FAIL_ON_RANK=r makes rank r throw here (a test hook).
void mark_collective_work();
bool collective_work_started();

}  // namespace parallel
}  // namespace lockstep
