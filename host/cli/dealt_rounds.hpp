#pragma once
// Work dealt over MPI ranks in turn, checkpointed in rounds: `lockstep study`'s runs and
// `lockstep sbc`'s batches. Item i is done by rank i mod R; round k is items kR .. kR + R - 1
// (one process: round k is item k). Every item is a deterministic function of the seed and its
// index, so an item done again gives the same numbers.
//
// With checkpoints, the ranks meet after every round (every rank, also one without an item in
// the last round): they agree whether a checkpoint is due (rank 0's clock, --checkpoint-every)
// and whether a signal asks them to stop (any rank's; mpirun hands Ctrl-C to every rank as
// SIGTERM) through FileCheckpoints::wanted, and whether a signal stopped any rank's item before
// it ended. On a stop every rank saves the rounds that EVERY rank completed: a round whose item
// one rank lost is dropped by all (the others forget its results) and redone on resume. So the
// ranks' files always stand at one position, which `mpirun -np R lockstep resume` checks, and
// no rank stops alone. Without checkpoints a signal stops the rank's item and the command at
// once (nothing to keep).
#include <functional>
#include <string>

#include "host/cli/checkpoints.hpp"

namespace lockstep {
namespace cli {

struct DealtWork {
  /// Does this rank's item `item` (may throw Interrupted, having kept nothing of it).
  std::function<void(long item)> run;
  /// Forgets the results of the item `run` finished last (its round is dropped).
  std::function<void()> drop_last;
  /// Writes this rank's checkpoint holding its items of the first `rounds` rounds.
  std::function<void(long rounds)> save;
  /// The items' name in the interrupt line ("study runs", "sbc batches").
  std::string noun;
};

/// Rounds first_round .. of `n_items` items dealt over the ranks (host/parallel/ranks.hpp);
/// `checkpoints` may be null (no --checkpoint). Collective over MPI ranks. Throws Interrupted
/// after the checkpoint of a stop.
void run_dealt_rounds(long n_items, long first_round, FileCheckpoints* checkpoints, const DealtWork& work);

}  // namespace cli
}  // namespace lockstep
