#pragma once
// The stopping rule of Stan's ADVI (Kucukelbir et al. 2017, section 3.3; Stan's
// `stochastic_gradient_ascent`): every eval_every steps the ELBO is estimated and its relative
// change against the previous estimate,
//   delta = |(elbo_prev - elbo) / elbo|,
// is pushed into a window of the last W changes, W = max(floor(0.1 * steps / eval_every), 2).
// The fit has converged when the mean or the median of the window falls below tol_rel_obj
// (Stan's default 0.01). The first estimate has no predecessor: its change counts as +inf (Stan
// compares it with -DBL_MAX). The median is Stan's: the element at index W/2 of the sorted
// window. tol_rel_obj = 0 turns the rule off: only the step budget stops.
#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <vector>

namespace lockstep {
namespace vi {

enum class Stop { kRunning, kMeanConverged, kMedianConverged, kBudget, kFailed };

inline const char* stop_name(Stop s) {
  switch (s) {
    case Stop::kRunning: return "running";
    case Stop::kMeanConverged: return "mean relative ELBO change below --tol-rel-obj";
    case Stop::kMedianConverged: return "median relative ELBO change below --tol-rel-obj";
    case Stop::kBudget: return "step budget (--steps) reached";
    case Stop::kFailed: return "failed (ELBO not finite)";
  }
  return "?";
}

inline int convergence_window(int steps, int eval_every) {
  return std::max(static_cast<int>(0.1 * steps / eval_every), 2);
}

class RelativeChange {
 public:
  explicit RelativeChange(int window) : window_(window) {}

  /// Records an ELBO estimate; returns its relative change (+inf for the first).
  double push(double elbo) {
    const double delta = has_prev_ ? std::fabs((prev_ - elbo) / elbo) : std::numeric_limits<double>::infinity();
    has_prev_ = true;
    prev_ = elbo;
    changes_.push_back(delta);
    if (static_cast<int>(changes_.size()) > window_) changes_.pop_front();
    return delta;
  }
  double mean() const {
    double s = 0;
    for (double c : changes_) s += c;
    return changes_.empty() ? std::numeric_limits<double>::infinity() : s / changes_.size();
  }
  double median() const {
    if (changes_.empty()) return std::numeric_limits<double>::infinity();
    std::vector<double> v(changes_.begin(), changes_.end());
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  }
  /// The rule's memory as numbers (has_prev, prev, the window's changes), for checkpoints;
  /// restore() takes them back.
  std::vector<double> state() const {
    std::vector<double> v = {has_prev_ ? 1.0 : 0.0, prev_};
    v.insert(v.end(), changes_.begin(), changes_.end());
    return v;
  }
  bool restore(const std::vector<double>& v) {
    if (v.size() < 2 || static_cast<int>(v.size()) - 2 > window_) return false;
    has_prev_ = v[0] != 0;
    prev_ = v[1];
    changes_.assign(v.begin() + 2, v.end());
    return true;
  }
  /// Stan's order: the mean is tested first.
  Stop verdict(double tol) const {
    if (!(tol > 0)) return Stop::kRunning;
    if (mean() < tol) return Stop::kMeanConverged;
    if (median() < tol) return Stop::kMedianConverged;
    return Stop::kRunning;
  }

 private:
  int window_;
  bool has_prev_ = false;
  double prev_ = 0;
  std::deque<double> changes_;
};

}  // namespace vi
}  // namespace lockstep
