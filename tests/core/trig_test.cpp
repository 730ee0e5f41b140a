// sin(2 pi u) and cos(2 pi u) (kernels/core/trig.hpp), the Box-Muller transform's rotation:
// against long double sinl/cosl over every quadrant, its boundaries (where the branch-free
// rotation picks the signs), negative arguments and arguments past one turn.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/core/trig.hpp"

namespace {

void expect_sincos(double u) {
  double s, c;
  lockstep::m::sincos_2pi(u, s, c);
  const long double t = 2.0L * 3.141592653589793238462643383279502884L * static_cast<long double>(u);
  EXPECT_NEAR(s, static_cast<double>(std::sin(t)), 4e-16) << "sin(2 pi u), u = " << u;
  EXPECT_NEAR(c, static_cast<double>(std::cos(t)), 4e-16) << "cos(2 pi u), u = " << u;
}

TEST(Trig, SinCosOfTurnsOverEveryQuadrant) {
  for (int k = 0; k <= 4096; ++k) expect_sincos(static_cast<double>(k) / 4096.0);
  for (int k = 0; k <= 1000; ++k) expect_sincos(static_cast<double>(k) / 1000.0 + 1e-7);
}

TEST(Trig, SinCosAtQuadrantBoundariesNegativeAndBeyondOneTurn) {
  const std::vector<double> us = {0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0,
                                  -0.125, -0.25, -0.5, -0.75, 1.25, 2.5, 0x1p-53, 1 - 0x1p-53};
  for (double u : us) expect_sincos(u);
  double s, c;
  lockstep::m::sincos_2pi(0.25, s, c);
  EXPECT_EQ(s, 1.0);
  EXPECT_EQ(std::fabs(c), 0.0);
  lockstep::m::sincos_2pi(0.5, s, c);
  EXPECT_EQ(c, -1.0);
}

}  // namespace
