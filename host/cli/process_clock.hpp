#pragma once
// End-to-end time of a command (issue 21): from the start of the process to the moment it is
// read, so that what a command reports is what a user timing the command sees — data loading,
// warmup, sampling, diagnostics and writing, not the sampler alone.
//
// The start is the earliest moment the process can observe: the dynamic initialization of
// process_clock.cpp, before main() (exec and dynamic loading before it are not counted; on
// this machine they take a few milliseconds, bench/command_targets.sh (c) measures them).
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace lockstep {
namespace cli {

/// Seconds since the process started (see above).
double seconds_since_start();

/// A monotonic stopwatch for the phases of a command.
class PhaseClock {
 public:
  PhaseClock() : last_(seconds_since_start()) {}
  /// Seconds since construction or the previous lap().
  double lap() {
    const double now = seconds_since_start();
    const double d = now - last_;
    last_ = now;
    return d;
  }

 private:
  double last_;
};

/// "End to end: 1.234 s (load 0.010 s, sampling 0.500 s, ...)" from (name, seconds) phases.
std::string format_end_to_end(double total, const std::vector<std::pair<const char*, double>>& phases);

}  // namespace cli
}  // namespace lockstep
