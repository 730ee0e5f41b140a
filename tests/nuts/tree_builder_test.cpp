// The iterative NUTS transition (kernels/nuts/nuts_transition.hpp) on hand-built
// trajectories (ReplayModel, nuts_fixtures.hpp): where Stan's criterion — including the
// junction checks of Stan >= 2.24 — stops the tree, which leaves end up in which checkpoint
// slot, which state is sampled for given uniforms, and what accept_stat, energy, treedepth
// and n_leapfrog are. Every expected number below was worked out by hand from the momenta
// tables (and cross-checked with a direct transcription of Stan's recursive build_tree).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "tests/nuts/nuts_fixtures.hpp"
#include "tests/build_config.hpp"

namespace lockstep {
namespace testing {
namespace {

using nuts::TreeDraw;
using P2 = std::pair<double, double>;

constexpr int kMin = -16, kMax = 16;
constexpr double kClockKinetic = 0.5 * kClockInvMetric * kClockMomentum * kClockMomentum;  // 2^-21

/// Momenta for k = -16 .. 16: the given ones, (1, 1/4) elsewhere.
std::vector<P2> momenta(const std::map<int, P2>& given) {
  std::vector<P2> P;
  for (int k = kMin; k <= kMax; ++k) {
    auto it = given.find(k);
    P.push_back(it == given.end() ? P2{1.0, 0.25} : it->second);
  }
  return P;
}
std::vector<double> weights(const std::map<int, double>& given, double other) {
  std::vector<double> m;
  for (int k = kMin; k <= kMax; ++k) {
    auto it = given.find(k);
    m.push_back(it == given.end() ? other : it->second);
  }
  return m;
}

// "SUB": a trajectory on which the third doubling (forward, leaves k = 2..5) fails ONLY
// Stan's junction check from the left at its level-2 merge: A = (k2, k3), B = (k4, k5),
// rho_A + p(k4) = (0, 1.5) and p(k4) . (0, 1.5) = -1.5 <= 0, while around A+B
// (rho = (-0.5, 3.5)) and both level-1 merges persist.
const std::map<int, P2> kSub = {{-4, {1, 0.5}}, {-3, {1, 1}},     {-2, {2, 0.5}}, {-1, {2, -1}}, {0, {1, 0}},
                                {1, {2, -2}},   {2, {0.5, 0.5}},  {3, {0.5, 2}},  {4, {-1, -1}}, {5, {-0.5, 2}},
                                {6, {-1, 1}},   {7, {1, -0.5}},   {8, {-2, -1}}};
// "TOP": the fourth doubling's merge (old k = 0..3, new k = 4..7) persists around
// (p0 . (1, -3.5) = 1, p7 . (1, -3.5) = 6) but fails both junction checks:
// p4 . (rho_old + p4) = p4 . (3.5, 0) = -3.5 and p3 . (rho_new + p3) = p3 . (-1.5, -2) = -7.
const std::map<int, P2> kTop = {{-4, {1, 0.5}}, {-3, {0.5, 1}},   {-2, {1, -0.5}}, {-1, {0.5, -1}}, {0, {1, 0}},
                                {1, {0.5, -1}}, {2, {1, -0.5}},   {3, {2, 2}},     {4, {-1, -0.5}}, {5, {-1, -0.5}},
                                {6, {-0.5, -1}}, {7, {-1, -2}},   {8, {1, -2}}};

struct Outcome {
  nuts::NutsInfo info;
  long sample_k;      // clock value of the sample
  Real sample_logp;
  std::vector<std::pair<int, int>> requests;
  long k_f, k_b;      // clock values of the trajectory's ends
};

Outcome run(const std::map<int, P2>& P, const std::vector<double>& m, const ScriptedUniforms& u, int max_depth) {
  const Replay replay(kMin, momenta(P), m);
  HostLane L(3, max_depth);
  replay.start(L, P.at(0));
  const nuts::NutsLane lane = L.lane();
  Outcome o;
  o.info = nuts::nuts_transition(ReplayModel{}, replay.data, lane, L.metric(), Real(1), max_depth, u);
  o.sample_k = std::lround(L.q[0]);
  o.sample_logp = L.logp;
  o.requests = u.requests;
  o.k_f = std::lround(lane.q_f[0]);
  o.k_b = std::lround(lane.q_b[0]);
  return o;
}

ScriptedUniforms directions(std::vector<bool> fwd) {
  ScriptedUniforms u;
  u.forward = std::move(fwd);
  return u;
}

TEST(TreeBuilder, JunctionCheckInsideASubtreeStopsTheTree) {
  const Outcome o = run(kSub, weights({}, 1.0), directions({true, false, true, true}), 10);
  // doublings: 0 forward (k=1), 1 backward (k=-1,-2), 2 forward (k=2..5) invalid at its
  // level-2 merge; the invalid subtree's 4 steps count, its depth does not.
  EXPECT_EQ(o.info.depth, 2);
  EXPECT_EQ(o.info.n_leapfrog, 7);
  EXPECT_FALSE(o.info.divergent);
  EXPECT_EQ(o.k_f, 5);
  EXPECT_EQ(o.k_b, -2);
  EXPECT_NE(o.sample_k, 2) << "a state of the rejected subtree was sampled";
  EXPECT_TRUE(o.sample_k >= -2 && o.sample_k <= 1) << o.sample_k;
}

TEST(TreeBuilder, PlainUTurnInsideASubtree) {
  // SUB forward only: the third doubling (k = 4..7) fails at its level-1 merge of k6, k7:
  // rho = (0, 0.5) and p6 . rho = 0.5 > 0 but p7 . rho = -0.25.
  const Outcome f = run(kSub, weights({}, 1.0), directions({true, true, true}), 10);
  EXPECT_EQ(f.info.depth, 2);
  EXPECT_EQ(f.info.n_leapfrog, 7);
  EXPECT_EQ(f.k_f, 7);
  EXPECT_EQ(f.k_b, 0);
  // backward, then forward twice: the third doubling (k = 3, 4, ...) stops after its second
  // leaf (level-1 merge of k3, k4 fails: rho = (-0.5, 1), p4 . rho = -0.5): 1 + 2 + 2 steps.
  const Outcome b = run(kSub, weights({}, 1.0), directions({false, true, true}), 10);
  EXPECT_EQ(b.info.depth, 2);
  EXPECT_EQ(b.info.n_leapfrog, 5);
  EXPECT_EQ(b.k_b, -1);
  EXPECT_EQ(b.k_f, 4);
}

TEST(TreeBuilder, JunctionChecksAcrossTheTopLevelMergeStopTheTree) {
  // weights: k = 4..7 half of the others', so the third top-level choice needs a uniform
  const Outcome o = run(kTop, weights({{4, 1.0}, {5, 1.0}, {6, 1.0}, {7, 1.0}}, 2.0),
                        directions({true, true, true, true}), 10);
  EXPECT_EQ(o.info.depth, 3);  // the third doubling (k = 4..7) is accepted, then the merge fails
  EXPECT_EQ(o.info.n_leapfrog, 7);
  EXPECT_EQ(o.k_f, 7);
  EXPECT_EQ(o.k_b, 0);
  EXPECT_EQ(o.requests.back(), std::make_pair(static_cast<int>(TreeDraw::kMerge), 2))
      << "the transition must stop right after the third top-level choice";
}

TEST(TreeBuilder, MaxDepthBoundsTheTrajectory) {
  // TOP backward: no U-turn within 4 doublings (k = -1 .. -15 are all (1, 1/4) or close)
  const Outcome o = run(kTop, weights({}, 1.0), directions({false, false, false, false}), 4);
  EXPECT_EQ(o.info.depth, 4);
  EXPECT_EQ(o.info.n_leapfrog, 15);
  EXPECT_EQ(o.k_b, -15);
  EXPECT_EQ(o.k_f, 0);
  const Outcome two = run(kTop, weights({}, 1.0), directions({true, true, true, true}), 2);
  EXPECT_EQ(two.info.depth, 2);
  EXPECT_EQ(two.info.n_leapfrog, 3);
  // all weights equal: every state has min(1, exp(H0 - H)) = 1
  EXPECT_NEAR(o.info.accept_stat, 1.0, real_tol(1e-12));
}

// SUB with weights m: m(0) = 2, m(1) = m(-1) = m(-2) = 1, m = 2 elsewhere (so the states of
// the rejected third subtree have min(1, m/m0) = 1). Directions F, B, F.
//   doubling 0: subtree {k1}, weight 1/2 of the start's: the sample moves to k1 iff u(kMerge, 0) < 1/2
//   doubling 1: leaves k-1, k-2; k-2 replaces k-1 iff u(kLeaf, 2) < 1/2 (1 / (1 + 1));
//               subtree weight 2/2 vs 3/2: the sample moves there iff u(kMerge, 1) < 2/3
//   doubling 2: invalid (junction check), never sampled.
// accept_stat = (1/2 + 1/2 + 1/2 + 4 * 1) / 7.
struct ChoiceRow {
  double u_merge0, u_leaf2, u_merge1;
  long k;
};
const ChoiceRow kChoices[] = {
    {0.4, 0.4, 0.6, -2}, {0.4, 0.6, 0.6, -1}, {0.4, 0.4, 0.7, 1}, {0.6, 0.4, 0.7, 0},
    {0.6, 0.6, 0.1, -1}, {0.1, 0.1, 0.9, 1},  {0.9, 0.9, 0.9, 0}, {0.9, 0.45, 0.65, -2},
};

TEST(TreeBuilder, SampleChoiceForScriptedUniforms) {
  const std::vector<double> m = weights({{0, 2.0}, {1, 1.0}, {-1, 1.0}, {-2, 1.0}}, 2.0);
  const Replay replay(kMin, momenta(kSub), m);
  for (const ChoiceRow& r : kChoices) {
    ScriptedUniforms u = directions({true, false, true, true});
    u.table[{static_cast<int>(TreeDraw::kMerge), 0}] = r.u_merge0;
    u.table[{static_cast<int>(TreeDraw::kLeaf), 2}] = r.u_leaf2;
    u.table[{static_cast<int>(TreeDraw::kMerge), 1}] = r.u_merge1;
    const Outcome o = run(kSub, m, u, 10);
    EXPECT_EQ(o.sample_k, r.k) << "uniforms " << r.u_merge0 << ", " << r.u_leaf2 << ", " << r.u_merge1;
    EXPECT_EQ(o.sample_logp, static_cast<Real>(replay.lp[r.k - kMin])) << "k = " << r.k;
    // energy__ = H at the sample = -log m(k) + clock kinetic
    EXPECT_NEAR(o.info.energy, -std::log(m[r.k - kMin]) + kClockKinetic, real_tol(1e-12)) << "k = " << r.k;
    EXPECT_NEAR(o.info.accept_stat, 5.5 / 7.0, real_tol(1e-12));
    EXPECT_EQ(o.info.depth, 2);
    EXPECT_EQ(o.info.n_leapfrog, 7);
  }
  // which uniforms a transition asks for, in order: a direction per doubling; a top-level
  // choice when the new subtree is lighter than the old trajectory; one per leaf after the
  // first of each subtree, by the leapfrog count (kLeaf 0, 1 and 3 are first leaves).
  ScriptedUniforms u = directions({true, false, true, true});
  const Outcome o = run(kSub, m, u, 10);
  const int D = static_cast<int>(TreeDraw::kDirection), M = static_cast<int>(TreeDraw::kMerge),
            L = static_cast<int>(TreeDraw::kLeaf);
  const std::vector<std::pair<int, int>> expected = {{D, 0}, {M, 0}, {D, 1}, {L, 2}, {M, 1},
                                                     {D, 2}, {L, 4}, {L, 5}, {L, 6}};
  EXPECT_EQ(o.requests, expected);
}

TEST(TreeBuilder, LeavesInTheCheckpointSlots) {
  // P(k) = (1, k/4): no U-turn; 4 doublings forward, the last subtree is k = 8..15 (n = 0..7).
  std::map<int, P2> P;
  for (int k = kMin; k <= kMax; ++k) P[k] = {1.0, k / 4.0};
  const Replay replay(kMin, momenta(P), weights({}, 1.0));
  HostLane L(3, 5);
  replay.start(L, P.at(0));
  const nuts::NutsInfo info = nuts::nuts_transition(ReplayModel{}, replay.data, L.lane(), L.metric(), Real(1), 4,
                                                    directions({true, true, true, true}));
  ASSERT_EQ(info.depth, 4);
  ASSERT_EQ(info.n_leapfrog, 15);
  // left slot j holds the last even leaf with popcount j: n = 0, 4, 6 -> k = 8, 12, 14;
  // right slot t the last leaf with t trailing ones (t < 3): n = 5, 3 -> k = 13, 11.
  // Stored: p (left only), p# and the momentum sum over the subtree's leaves before it.
  struct SlotRow {
    int family, slot;
    long k;
  };
  const SlotRow rows[] = {{0, 0, 8}, {0, 1, 12}, {0, 2, 14}, {3, 1, 13}, {3, 2, 11}};
  for (const SlotRow& r : rows) {
    const int first = r.family == 0 ? 0 : 3;  // p (or p#) family, then the prefix family
    const int prefix = r.family == 0 ? 2 : 4;
    EXPECT_EQ(L.checkpoint(first, r.slot, 2), r.k / 4.0) << "family " << r.family << " slot " << r.slot;
    EXPECT_EQ(L.checkpoint(first, r.slot, 1), 1.0);
    double before = 0;
    for (long k = 8; k < r.k; ++k) before += k / 4.0;
    EXPECT_EQ(L.checkpoint(prefix, r.slot, 2), before) << "family " << r.family << " slot " << r.slot;
    EXPECT_EQ(L.checkpoint(prefix, r.slot, 1), static_cast<double>(r.k - 8));
  }
  EXPECT_EQ(L.checkpoint(1, 1, 2), 12 / 4.0);  // left p# (inverse metric 1 on this coordinate)
}

TEST(TreeBuilder, DivergenceEndsTheTrajectory) {
  // SUB forward: log density -inf at k = 2 (the first state of the second doubling):
  // H - H0 = +inf > 1000 -> divergent; the doubling is rejected.
  ScriptedUniforms u = directions({true, true, true});
  u.table[{static_cast<int>(TreeDraw::kMerge), 0}] = 0.1;  // sample moves to k1 (weight 1/2)
  const Outcome o = run(kSub, weights({{0, 2.0}, {1, 1.0}, {2, 0.0}}, 2.0), u, 10);
  EXPECT_TRUE(o.info.divergent);
  EXPECT_EQ(o.info.depth, 1);
  EXPECT_EQ(o.info.n_leapfrog, 2);
  EXPECT_NEAR(o.info.accept_stat, (0.5 + 0.0) / 2, real_tol(1e-12));
  EXPECT_EQ(o.sample_k, 1);
  // a NaN log density (outside the table: k = 17) counts as +inf too
  std::map<int, P2> straight;
  for (int k = kMin; k <= kMax; ++k) straight[k] = {1.0, 0.0};
  const Outcome n = run(straight, weights({}, 1.0), directions({true, true, true, true, true, true}), 10);
  EXPECT_TRUE(n.info.divergent);
  EXPECT_EQ(n.info.depth, 4);                 // k = 1 .. 15 fine
  EXPECT_EQ(n.info.n_leapfrog, 15 + 2);       // k = 16 fine, k = 17 diverges
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
