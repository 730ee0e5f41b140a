// Stan's windowed warmup schedule (host/adapt/windowed_schedule.hpp): exact window ends for
// the documented cases, and agreement, iteration by iteration, with a transcription of Stan's
// counter logic (stan/mcmc/windowed_adaptation.hpp and var_adaptation::learn_variance) for
// every warmup length up to 5000.
#include "host/adapt/windowed_schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace lockstep {
namespace adapt {
namespace {

/// Stan's windowed_adaptation, transcribed with its unsigned arithmetic, driven the way
/// var_adaptation::learn_variance drives it: at each warmup iteration the draw enters the
/// estimator if adaptation_window(); if end_adaptation_window(), compute_next_window() runs
/// and the metric is updated; then the counter advances.
///
/// One deliberate difference: Stan's set_window_params returns from its "not enough warmup"
/// branch (rescaling to 15% / 75% / 10%) WITHOUT calling restart(), so adapt_next_window_
/// keeps the value the constructor gave it (0 + 0 - 1 = UINT_MAX) and, read literally, no
/// window ever closes for 20 <= num_warmup < 150 (see stan-dev/stan issue #3380). The
/// documented behaviour (CmdStan guide, "HMC algorithm parameters"), which lockstep
/// implements, is the rescaled schedule; `restart_after_rescale` selects it.
class StanWindowedAdaptation {
 public:
  StanWindowedAdaptation() { restart(); }

  void restart() {
    adapt_window_counter_ = 0;
    adapt_window_size_ = adapt_base_window_;
    adapt_next_window_ = adapt_init_buffer_ + adapt_window_size_ - 1;
  }

  void set_window_params(unsigned num_warmup, unsigned init_buffer, unsigned term_buffer,
                         unsigned base_window, bool restart_after_rescale) {
    if (num_warmup < 20) return;
    if (init_buffer + base_window + term_buffer > num_warmup) {
      num_warmup_ = num_warmup;
      adapt_init_buffer_ = 0.15 * num_warmup;
      adapt_term_buffer_ = 0.10 * num_warmup;
      adapt_base_window_ = num_warmup - (adapt_init_buffer_ + adapt_term_buffer_);
      if (restart_after_rescale) restart();
      return;
    }
    num_warmup_ = num_warmup;
    adapt_init_buffer_ = init_buffer;
    adapt_term_buffer_ = term_buffer;
    adapt_base_window_ = base_window;
    restart();
  }

  bool adaptation_window() const {
    return (adapt_window_counter_ >= adapt_init_buffer_) &&
           (adapt_window_counter_ < num_warmup_ - adapt_term_buffer_) &&
           (adapt_window_counter_ != num_warmup_);
  }

  bool end_adaptation_window() const {
    return (adapt_window_counter_ == adapt_next_window_) && (adapt_window_counter_ != num_warmup_);
  }

  void compute_next_window() {
    if (adapt_next_window_ == num_warmup_ - adapt_term_buffer_ - 1) return;
    adapt_window_size_ *= 2;
    adapt_next_window_ = adapt_window_counter_ + adapt_window_size_;
    if (adapt_next_window_ == num_warmup_ - adapt_term_buffer_ - 1) return;
    const unsigned next_window_boundary = adapt_next_window_ + 2 * adapt_window_size_;
    if (next_window_boundary >= num_warmup_ - adapt_term_buffer_)
      adapt_next_window_ = num_warmup_ - adapt_term_buffer_ - 1;
  }

  /// learn_variance's bookkeeping for one warmup iteration; true at a window end.
  bool step(bool& sample_added) {
    sample_added = adaptation_window();
    const bool end = end_adaptation_window();
    if (end) compute_next_window();
    ++adapt_window_counter_;
    return end;
  }

  unsigned init_buffer() const { return adapt_init_buffer_; }
  unsigned term_buffer() const { return adapt_term_buffer_; }
  unsigned base_window() const { return adapt_base_window_; }

 private:
  unsigned num_warmup_ = 0;
  unsigned adapt_init_buffer_ = 0;
  unsigned adapt_term_buffer_ = 0;
  unsigned adapt_base_window_ = 0;
  unsigned adapt_window_counter_ = 0;
  unsigned adapt_next_window_ = 0;
  unsigned adapt_window_size_ = 0;
};

struct StanRun {
  std::vector<int> ends;      // counters at which a window closed
  std::vector<bool> sampled;  // per iteration: did the draw enter the estimator
  unsigned init_buffer = 0, term_buffer = 0, base_window = 0;
};

StanRun run_stan(int num_warmup, bool restart_after_rescale = true) {
  StanWindowedAdaptation a;
  a.set_window_params(static_cast<unsigned>(num_warmup), kInitBuffer, kTermBuffer, kBaseWindow,
                      restart_after_rescale);
  StanRun r;
  r.init_buffer = a.init_buffer();
  r.term_buffer = a.term_buffer();
  r.base_window = a.base_window();
  for (int t = 0; t < num_warmup; ++t) {
    bool added = false;
    if (a.step(added)) r.ends.push_back(t);
    r.sampled.push_back(added);
  }
  return r;
}

std::string show(const std::vector<int>& v) {
  std::string s = "{";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "}";
}

using Ends = std::vector<int>;

TEST(WindowedSchedule, Warmup1000IsStansDefault) {
  const WindowedSchedule s = WindowedSchedule::make(1000);
  EXPECT_TRUE(s.metric_adaptation);
  EXPECT_EQ(s.init_buffer, 75);
  EXPECT_EQ(s.term_buffer, 50);
  EXPECT_EQ(s.base_window, 25);
  // windows [75,99] [100,149] [150,249] [250,449] [450,949]: the 800-wide window that would
  // follow 449 + 400 = 849 cannot fit before the terminal buffer, so [450, 949] is stretched.
  EXPECT_EQ(s.window_ends, (Ends{99, 149, 249, 449, 949})) << show(s.window_ends);
}

TEST(WindowedSchedule, Warmup2000) {
  const WindowedSchedule s = WindowedSchedule::make(2000);
  // 25, 50, 100, 200, 400 wide, then [850, 1949] stretched (849 + 800 + 1600 >= 1950).
  EXPECT_EQ(s.window_ends, (Ends{99, 149, 249, 449, 849, 1949})) << show(s.window_ends);
}

TEST(WindowedSchedule, Warmup150FitsTheDefaultsExactly) {
  // 75 + 25 + 50 = 150 is not > 150: Stan keeps the default buffers (no rescaling), and
  // the single window [75, 99] is the whole slow phase.
  const WindowedSchedule s = WindowedSchedule::make(150);
  EXPECT_EQ(s.init_buffer, 75);
  EXPECT_EQ(s.term_buffer, 50);
  EXPECT_EQ(s.base_window, 25);
  EXPECT_EQ(s.window_ends, (Ends{99})) << show(s.window_ends);
}

TEST(WindowedSchedule, Warmup149IsRescaled) {
  // 15% / 75% / 10% with truncation: init = floor(22.35) = 22, term = floor(14.9) = 14,
  // base = 149 - 36 = 113: one window [22, 134].
  const WindowedSchedule s = WindowedSchedule::make(149);
  EXPECT_EQ(s.init_buffer, 22);
  EXPECT_EQ(s.term_buffer, 14);
  EXPECT_EQ(s.base_window, 113);
  EXPECT_EQ(s.window_ends, (Ends{134})) << show(s.window_ends);
}

TEST(WindowedSchedule, Warmup100IsRescaled) {
  const WindowedSchedule s = WindowedSchedule::make(100);
  EXPECT_EQ(s.init_buffer, 15);
  EXPECT_EQ(s.term_buffer, 10);
  EXPECT_EQ(s.base_window, 75);
  EXPECT_EQ(s.window_ends, (Ends{89})) << show(s.window_ends);
  EXPECT_FALSE(s.in_window(14));
  EXPECT_TRUE(s.in_window(15));
  EXPECT_TRUE(s.in_window(89));
  EXPECT_FALSE(s.in_window(90));
}

TEST(WindowedSchedule, Warmup20IsTheSmallestWithAMetric) {
  const WindowedSchedule s = WindowedSchedule::make(20);
  EXPECT_TRUE(s.metric_adaptation);
  EXPECT_EQ(s.init_buffer, 3);
  EXPECT_EQ(s.term_buffer, 2);
  EXPECT_EQ(s.base_window, 15);
  EXPECT_EQ(s.window_ends, (Ends{17})) << show(s.window_ends);
}

TEST(WindowedSchedule, Warmup19HasNoMetricAdaptation) {
  for (int w : {0, 1, 5, 19}) {
    const WindowedSchedule s = WindowedSchedule::make(w);
    EXPECT_FALSE(s.metric_adaptation) << "warmup " << w;
    EXPECT_TRUE(s.window_ends.empty()) << "warmup " << w << ": " << show(s.window_ends);
    for (int t = 0; t < w; ++t) EXPECT_FALSE(s.in_window(t)) << "warmup " << w << " t " << t;
  }
}

TEST(WindowedSchedule, MatchesStansCounterLogicForEveryWarmupUpTo5000) {
  for (int w = 0; w <= 5000; ++w) {
    const WindowedSchedule s = WindowedSchedule::make(w);
    const StanRun stan = run_stan(w);
    ASSERT_EQ(s.window_ends, stan.ends)
        << "warmup " << w << ": lockstep " << show(s.window_ends) << ", Stan " << show(stan.ends);
    ASSERT_EQ(s.metric_adaptation, !stan.ends.empty()) << "warmup " << w;
    if (s.metric_adaptation) {
      ASSERT_EQ(s.init_buffer, static_cast<int>(stan.init_buffer)) << "warmup " << w;
      ASSERT_EQ(s.term_buffer, static_cast<int>(stan.term_buffer)) << "warmup " << w;
      ASSERT_EQ(s.base_window, static_cast<int>(stan.base_window)) << "warmup " << w;
    }
    for (int t = 0; t < w; ++t) {
      ASSERT_EQ(s.in_window(t), static_cast<bool>(stan.sampled[t])) << "warmup " << w << " iteration " << t;
      ASSERT_EQ(s.is_window_end(t), std::count(stan.ends.begin(), stan.ends.end(), t) == 1)
          << "warmup " << w << " iteration " << t;
    }
    // The windows tile the slow phase: every draw inside it belongs to exactly one window.
    if (!stan.ends.empty()) {
      ASSERT_EQ(stan.ends.back(), w - static_cast<int>(stan.term_buffer) - 1) << "warmup " << w;
    }
  }
}

TEST(WindowedSchedule, CustomBuffers) {
  // init 10, window 10, term 10 on 100 iterations: 10, 20, 40 wide; 39 + 40 + 80 >= 90 so
  // the third window is stretched to 89.
  const WindowedSchedule s = WindowedSchedule::make(100, 10, 10, 10);
  EXPECT_EQ(s.window_ends, (Ends{19, 39, 89})) << show(s.window_ends);
  StanWindowedAdaptation a;
  a.set_window_params(100, 10, 10, 10, true);
  std::vector<int> ends;
  for (int t = 0; t < 100; ++t) {
    bool added;
    if (a.step(added)) ends.push_back(t);
  }
  EXPECT_EQ(s.window_ends, ends) << show(ends);
}

}  // namespace
}  // namespace adapt
}  // namespace lockstep
