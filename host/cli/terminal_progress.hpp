#pragma once
// Progress on stderr when it is a terminal: iterations, rate and time left, redrawn in place
// at most a few times a second.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "host/core/progress.hpp"

namespace lockstep {
namespace cli {

class TerminalProgress : public Progress {
 public:
  static bool wanted() { return isatty(STDERR_FILENO) != 0; }

  void update(long done, long total, long warmup) override {
    const auto now = std::chrono::steady_clock::now();
    const double since_last = std::chrono::duration<double>(now - last_).count();
    if (done < total && since_last < 0.2) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? done / elapsed : 0;
    const double left = rate > 0 ? (total - done) / rate : 0;
    std::fprintf(stderr, "\r%s %ld/%ld iterations (%3.0f%%), %.0f it/s, %.0f s left   ",
                 done <= warmup ? "warmup  " : "sampling", done, total, 100.0 * done / total, rate, left);
    std::fflush(stderr);
  }
  void finish() override { std::fprintf(stderr, "\r%78s\r", ""); }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace cli
}  // namespace lockstep
