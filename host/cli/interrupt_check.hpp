#pragma once
// The progress callback every sampler calls between segments, made the place where a run
// notices Ctrl-C or SIGTERM (host/core/interrupt.hpp): it throws Interrupted there, and
// otherwise forwards to the display (if any).
#include <functional>

#include "host/core/interrupt.hpp"
#include "host/core/progress.hpp"

namespace lockstep {
namespace cli {

class InterruptCheck : public Progress {
 public:
  explicit InterruptCheck(Progress* display = nullptr) : display_(display) {}
  /// Over MPI ranks with checkpoints: stop on the signal the ranks agreed on
  /// (FileCheckpoints::agreed_signal), not on this rank's own.
  void follow(const std::function<int()>& agreed_signal) { agreed_ = agreed_signal; }
  void update(long done, long total, long warmup) override {
    if (const int sig = agreed_ ? agreed_() : interrupt_signal())
      throw Interrupted(sig, "after iteration " + std::to_string(done) + " of " + std::to_string(total));
    if (display_) display_->update(done, total, warmup);
  }
  void finish() override {
    if (display_) display_->finish();
  }

 private:
  Progress* display_;
  std::function<int()> agreed_;
};

}  // namespace cli
}  // namespace lockstep
