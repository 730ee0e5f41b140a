#include <gtest/gtest.h>
#include "kernels/core/philox.hpp"
TEST(PhiloxSmoke, ZeroKat) {
  auto r = lockstep::Philox4x32::apply({{0, 0, 0, 0}}, 0, 0);
  EXPECT_EQ(r.x[0], 0x6627e8d5u);
  EXPECT_EQ(r.x[1], 0xe169c58du);
  EXPECT_EQ(r.x[2], 0xbc57ac4cu);
  EXPECT_EQ(r.x[3], 0x9b00dbd8u);
}
