// host/algorithms/chees/stalled_chains.hpp: a stalled chain takes the state of a chain that is
// not stalled; with superchains, only of one in its own superchain (nested R-hat compares
// superchains that ran independently), and a superchain stalled whole stays where it is.
#include "host/algorithms/chees/stalled_chains.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace lockstep {
namespace {

constexpr int kDim = 2, kChains = 8;

/// Buffers of 8 chains whose q is (c, 100 + c) for chain c, logp -c; `counts` their stall counts.
struct StallRun {
  HmcBuffers buf{kDim, kChains, kDim, 0.1};
  backend::DeviceVector<Real> stalled;
  explicit StallRun(const std::vector<Real>& counts) : stalled(counts.begin(), counts.end()) {
    std::vector<Real> q(kDim * kChains), logp(kChains);
    for (int c = 0; c < kChains; ++c) {
      q[c] = static_cast<Real>(c);
      q[kChains + c] = static_cast<Real>(100 + c);
      logp[c] = static_cast<Real>(-c);
    }
    buf.q.upload(q.data(), q.size());
    buf.logp.upload(logp.data(), logp.size());
  }
  /// The chain whose state chain c now holds.
  int source_of(int c) const { return static_cast<int>(backend::to_host(buf.q)[c]); }
};

TEST(StalledChains, ADonorComesFromTheStalledChainsOwnSuperchain) {
  const Real s = chees::kStallIterations;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    RunSettings cfg;
    cfg.seed = seed;
    cfg.chains = kChains;
    cfg.superchains = 2;  // chains 0-3 and 4-7
    StallRun run({0, s, 0, 0, 0, 0, 0, s});
    EXPECT_EQ(chees::restart_stalled_chains(cfg, run.buf, run.stalled, kChains, 9), 2);
    const int a = run.source_of(1), b = run.source_of(7);
    EXPECT_TRUE(a == 0 || a == 2 || a == 3) << "seed " << seed << ": chain 1 took chain " << a << "'s state";
    EXPECT_TRUE(b >= 4 && b <= 6) << "seed " << seed << ": chain 7 took chain " << b << "'s state";
    EXPECT_EQ(static_cast<int>(backend::to_host(run.buf.q)[kChains + 1]), 100 + a) << "every coordinate moves";
    EXPECT_EQ(backend::to_host(run.buf.logp)[1], static_cast<Real>(-a));
    EXPECT_EQ(backend::to_host(run.stalled)[1], 0) << "its count starts again";
  }
}

TEST(StalledChains, ASuperchainStalledWholeStaysAndWithoutSuperchainsAnyChainGives) {
  const Real s = chees::kStallIterations;
  RunSettings cfg;
  cfg.seed = 3;
  cfg.chains = kChains;
  cfg.superchains = 2;
  StallRun whole({s, s, s, s, 0, 0, 0, 0});
  EXPECT_EQ(chees::restart_stalled_chains(cfg, whole.buf, whole.stalled, kChains, 9), 0);
  for (int c = 0; c < 4; ++c) EXPECT_EQ(whole.source_of(c), c) << "no donor in its superchain";
  // The same stalls without superchains: every stalled chain moves to a chain of 4..7.
  cfg.superchains = 0;
  StallRun any({s, s, s, s, 0, 0, 0, 0});
  EXPECT_EQ(chees::restart_stalled_chains(cfg, any.buf, any.stalled, kChains, 9), 4);
  for (int c = 0; c < 4; ++c) EXPECT_GE(any.source_of(c), 4);
}

}  // namespace
}  // namespace lockstep
