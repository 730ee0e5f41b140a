// vi::fits_disagreement (host/algorithms/vi/fits_agreement.hpp): fits whose means lie within
// 2 marginal sds of the kept fit's plus 3 learning rates agree; one beyond is named (its
// coordinate, both means, the kept fit's sd); a failed fit is not compared; the full-rank
// marginal sd is the norm of L's row.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "host/algorithms/vi/fits_agreement.hpp"

namespace lockstep {
namespace {

using vi::Family;
using vi::Stop;

/// Two mean-field fits in d = 2 (mu, log sd): the kept fit 1 at (0, 0) with sds (1, 0.1).
ViReport two_fits(double mu2_of_fit2) {
  ViReport r;
  r.family = Family::kMeanField;
  r.dim = 2;
  r.best_fit = 0;
  r.theta = {{0.0, 0.0, 0.0, std::log(0.1)}, {0.5, mu2_of_fit2, 0.0, std::log(0.1)}};
  r.stop = {Stop::kBudget, Stop::kMeanConverged};
  return r;
}

TEST(FitsAgreement, WithinTwoSdsAndThreeStepsAgree) {
  // coordinate 2: allowance 2 * 0.1 + 3 * 0.01 = 0.23
  EXPECT_EQ(vi::fits_disagreement(two_fits(0.22), 0.01), "");
  const std::string w = vi::fits_disagreement(two_fits(0.24), 0.01);
  EXPECT_NE(w.find("did not reach the same optimum: on unconstrained coordinate 2, fit 2's mean is 0.24 and the kept "
                   "fit 1's 0 (its sd 0.1)"),
            std::string::npos)
      << w;
  // a larger learning rate allows Adam's larger jitter
  EXPECT_EQ(vi::fits_disagreement(two_fits(0.24), 0.02), "");
  // a failed fit is not compared; one fit has nothing to compare with
  ViReport failed = two_fits(5.0);
  failed.stop[1] = Stop::kFailed;
  EXPECT_EQ(vi::fits_disagreement(failed, 0.01), "");
  ViReport one = two_fits(5.0);
  one.theta.resize(1);
  one.stop.resize(1);
  EXPECT_EQ(vi::fits_disagreement(one, 0.01), "");
}

TEST(FitsAgreement, FullRankMarginalSdIsTheRowNorm) {
  // d = 2: theta = (mu1, mu2, log L11, L21, log L22)
  const std::vector<double> theta = {0, 0, std::log(2.0), 3.0, std::log(4.0)};
  EXPECT_DOUBLE_EQ(vi::marginal_sds(Family::kFullRank, 2, theta)[0], 2.0);
  EXPECT_DOUBLE_EQ(vi::marginal_sds(Family::kFullRank, 2, theta)[1], 5.0);
  ViReport r;
  r.family = Family::kFullRank;
  r.dim = 2;
  r.best_fit = 1;
  r.theta = {{0, 10.0 + 0.03, 0, 0, 0}, {0, 10.0, std::log(2.0), 3.0, std::log(4.0)}};
  r.stop = {Stop::kBudget, Stop::kBudget};
  EXPECT_EQ(vi::fits_disagreement(r, 0.01), "");  // 0.03 apart with sd 5
  r.theta[0][0] = 4.1;                           // coordinate 1: sd 2, allowance 4.03
  EXPECT_NE(vi::fits_disagreement(r, 0.01).find("coordinate 1, fit 1's mean is 4.1"), std::string::npos);
}

}  // namespace
}  // namespace lockstep
