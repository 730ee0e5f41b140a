#pragma once
// Stan's windowed warmup schedule (stan/mcmc/windowed_adaptation.hpp; CmdStan guide,
// "HMC algorithm parameters"): an initial fast buffer (75 iterations) where only the step
// size adapts, slow windows (25 iterations, doubling) whose draws estimate the metric, and a
// terminal fast buffer (50). If the three do not fit in the warmup, they are rescaled to
// 15% / 75% / 10% of it; the last slow window is stretched to reach the terminal buffer.
// With fewer than 20 warmup iterations no metric is estimated.
#include <string>
#include <vector>

namespace lockstep {
namespace adapt {

constexpr int kInitBuffer = 75;  // Stan's defaults
constexpr int kTermBuffer = 50;
constexpr int kBaseWindow = 25;

struct WindowedSchedule {
  int num_warmup = 0;
  int init_buffer = 0;
  int term_buffer = 0;
  int base_window = 0;
  bool metric_adaptation = false;
  /// Iterations (0-based) at whose end a slow window closes and the metric is updated.
  std::vector<int> window_ends;

  /// True if iteration t's draw enters the current metric window.
  bool in_window(int t) const {
    return metric_adaptation && t >= init_buffer && t < num_warmup - term_buffer;
  }
  bool is_window_end(int t) const {
    for (int e : window_ends)
      if (e == t) return true;
    return false;
  }

  /// Reproduces Stan's window arithmetic (compute_next_window) exactly.
  static WindowedSchedule make(int num_warmup, int init_buffer = kInitBuffer,
                               int term_buffer = kTermBuffer, int base_window = kBaseWindow) {
    WindowedSchedule s;
    s.num_warmup = num_warmup;
    if (num_warmup < 20) return s;  // Stan: no metric estimation below 20 warmup iterations
    s.metric_adaptation = true;
    if (init_buffer + base_window + term_buffer > num_warmup) {
      init_buffer = static_cast<int>(0.15 * num_warmup);
      term_buffer = static_cast<int>(0.1 * num_warmup);
      base_window = num_warmup - (init_buffer + term_buffer);
    }
    s.init_buffer = init_buffer;
    s.term_buffer = term_buffer;
    s.base_window = base_window;
    const int last = num_warmup - term_buffer - 1;
    int size = base_window;
    int next = init_buffer + size - 1;
    while (true) {
      s.window_ends.push_back(next);
      if (next == last) break;
      // compute_next_window(), evaluated at counter == next
      size *= 2;
      int candidate = next + size;  // Stan: adapt_next_window = counter + size
      if (candidate != last && candidate + 2 * size >= num_warmup - term_buffer) candidate = last;
      next = candidate;
    }
    return s;
  }
};

}  // namespace adapt
}  // namespace lockstep
