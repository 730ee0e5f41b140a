#include "host/cli/dealt_rounds.hpp"

#include <algorithm>
#include <exception>

#include "host/core/interrupt.hpp"
#include "host/parallel/ranks.hpp"

namespace lockstep {
namespace cli {

void run_dealt_rounds(long n_items, long first_round, FileCheckpoints* checkpoints, const DealtWork& work) {
  const parallel::Ranks& ranks = parallel::Ranks::world();
  const long R = ranks.size(), n_rounds = (n_items + R - 1) / R;
  for (long round = first_round; round < n_rounds; ++round) {
    const long item = round * R + ranks.rank();
    std::exception_ptr lost;
    bool finished = false;
    if (item < n_items) {
      try {
        work.run(item);
        finished = true;
      } catch (const Interrupted&) {
        if (!checkpoints) throw;
        lost = std::current_exception();
      }
    }
    if (!checkpoints) continue;
    // Collective over ranks: whether any rank lost its item, then FileCheckpoints::wanted (the
    // signal any rank saw, rank 0's clock). One process: its own signal and clock.
    const bool lost_any = ranks.split() ? ranks.max(lost ? 1.0 : 0.0) != 0 : static_cast<bool>(lost);
    const bool wanted = checkpoints->wanted(round + 1);
    const int signal = checkpoints->agreed_signal();  // the one wanted() read
    const bool last = round + 1 == n_rounds;
    if (signal != 0 && (lost_any || !last)) {  // a signal after the last round's items: they are all done
      if (lost_any && finished) work.drop_last();
      work.save(lost_any ? round : round + 1);
      if (lost) std::rethrow_exception(lost);
      const long done = std::min(n_items, (lost_any ? round : round + 1) * R);
      throw Interrupted(signal, "with " + std::to_string(done) + " of " + std::to_string(n_items) + " " + work.noun + " done");
    }
    if (wanted && !last) work.save(round + 1);
  }
}

}  // namespace cli
}  // namespace lockstep
