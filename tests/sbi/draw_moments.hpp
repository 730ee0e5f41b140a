#pragma once
// The sample mean and sd (n - 1) of one parameter of a one-chain DrawSet: what the ABC tests
// compare with exact posteriors.
#include <cmath>

#include "host/core/draw_set.hpp"

namespace lockstep {
namespace testing_sbi {

struct DrawMoments {
  double mean, sd;
};

inline DrawMoments draw_moments(const DrawSet& d, int p = 0) {
  const int n = d.n_draws;
  double s = 0, s2 = 0;
  for (int k = 0; k < n; ++k) s += d.series(p, 0)[k];
  const double mean = s / n;
  for (int k = 0; k < n; ++k) s2 += (d.series(p, 0)[k] - mean) * (d.series(p, 0)[k] - mean);
  return {mean, std::sqrt(s2 / (n - 1))};
}

}  // namespace testing_sbi
}  // namespace lockstep
