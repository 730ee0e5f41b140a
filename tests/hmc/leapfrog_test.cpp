// Leapfrog integration (kernels/hmc/leapfrog.hpp) on the harmonic oscillator, where
// everything is known in closed form, and on Eight Schools (a non-linear gradient):
//
//   * H(q, p) = q^2/2 + m p^2/2 (std_normal with inverse metric m) is integrated by the
//     kick-drift-kick map, which conserves EXACTLY the shadow Hamiltonian
//         H~ = (1 - h^2 m / 4) q^2/2 + m p^2/2          (h = step size)
//     (solve A^T S A = S for the map's 2x2 matrix A), so the energy error is
//         H - H0 = h^2 m (q^2 - q0^2) / 8               — second order, bounded;
//   * the exact flow is a rotation with angular frequency sqrt(m); leapfrog's global error
//     at a fixed time is O(h^2);
//   * leapfrog is reversible: integrate, flip p, integrate, flip p gives back (q, p);
//   * a block of W = 8 chains (Batch<8>, BlockView) and the same chains one at a time
//     (Real, Strided) give bitwise-identical results.
#include "kernels/hmc/leapfrog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/core/batch.hpp"
#include "kernels/core/strided.hpp"
#include "models/eight_schools.hpp"
#include "models/std_normal.hpp"
#include "tests/build_config.hpp"

namespace lockstep {
namespace hmc {
namespace {

constexpr int W = 8;

/// Parameter-major storage of dim x W chains, as the sampler lays it out (n_pad = W).
struct Block {
  int dim;
  std::vector<Real> q, p, g, minv;
  explicit Block(int d) : dim(d), q(d * W), p(d * W), g(d * W), minv(d * W, 1) {}
  Real& at(std::vector<Real>& v, int i, int c) { return v[static_cast<std::size_t>(i) * W + c]; }
  BlockView<W> view(std::vector<Real>& v) { return BlockView<W>{v.data(), W}; }
  Strided<Real> chain(std::vector<Real>& v, int c) { return Strided<Real>{v.data() + c, W}; }
};

/// Gradient at q for every chain (scalar evaluation), returns log densities.
template <class Model>
std::vector<Real> init_grad(const Model& model, const typename Model::Data& data, Block& b) {
  std::vector<Real> lp(W);
  for (int c = 0; c < W; ++c) lp[c] = model.log_density_and_grad(data, b.chain(b.q, c), b.chain(b.g, c));
  return lp;
}

/// n_steps of leapfrog for all W chains as one block.
template <class Model>
std::vector<Real> run_block(const Model& model, const typename Model::Data& data, Block& b,
                            const std::vector<Real>& eps, int n_steps, const std::vector<Real>& lp0) {
  Batch<W> e, lp;
  for (int w = 0; w < W; ++w) {
    e[w] = eps[w];
    lp[w] = lp0[w];
  }
  const Batch<W> out = leapfrog(model, data, b.dim, b.view(b.q), b.view(b.p), b.view(b.g),
                                DiagMetric{b.view(b.minv), b.dim}, e, n_steps, lp);
  return std::vector<Real>(out.v, out.v + W);
}

/// The same, one chain at a time through scalar views.
template <class Model>
std::vector<Real> run_scalar(const Model& model, const typename Model::Data& data, Block& b,
                             const std::vector<Real>& eps, int n_steps, const std::vector<Real>& lp0) {
  std::vector<Real> out(W);
  for (int c = 0; c < W; ++c)
    out[c] = leapfrog(model, data, b.dim, b.chain(b.q, c), b.chain(b.p, c), b.chain(b.g, c),
                      DiagMetric{b.chain(b.minv, c), b.dim}, eps[c], n_steps, lp0[c]);
  return out;
}

/// Deterministic, varied starting points.
void fill_start(Block& b, double scale) {
  for (int i = 0; i < b.dim; ++i)
    for (int c = 0; c < W; ++c) {
      b.at(b.q, i, c) = scale * std::sin(1.3 * i + 0.7 * c + 0.1);
      b.at(b.p, i, c) = scale * std::cos(0.9 * i - 1.1 * c + 0.4);
      b.at(b.minv, i, c) = 0.5 + 0.25 * ((i + c) % 5);  // 0.5 .. 1.5
    }
}

const models::StdNormal kStd;

TEST(Leapfrog, ShadowHamiltonianIsConservedExactly) {
  const int dim = 3;
  const models::StdNormalData data{dim};
  Block b(dim);
  fill_start(b, 1.5);
  std::vector<Real> eps(W);
  for (int c = 0; c < W; ++c) eps[c] = 0.05 + 0.15 * c;  // up to 1.1; h^2 m <= 1.82 < 4 (stable)
  std::vector<Real> lp = init_grad(kStd, data, b);
  auto shadow = [&](int i, int c) {
    const double q = b.at(b.q, i, c), p = b.at(b.p, i, c), m = b.at(b.minv, i, c);
    const double h = eps[c];
    return (1 - h * h * m / 4) * q * q / 2 + m * p * p / 2;
  };
  std::vector<double> h0(dim * W);
  for (int i = 0; i < dim; ++i)
    for (int c = 0; c < W; ++c) h0[i * W + c] = shadow(i, c);
  for (int step = 1; step <= 300; ++step) {
    lp = run_block(kStd, data, b, eps, 1, lp);
    for (int i = 0; i < dim; ++i)
      for (int c = 0; c < W; ++c) {
        const double gap = std::fabs(shadow(i, c) - h0[i * W + c]);
        ASSERT_LE(gap, testing::real_tol(1e-12) * h0[i * W + c])
            << "chain " << c << " dim " << i << " step " << step << " eps " << eps[c]
            << ": shadow energy moved by " << gap << " from " << h0[i * W + c];
      }
  }
}

/// Max |H - H0| over `n` unit leapfrog calls of size h, and |q(T) - q_exact(T)| at T = n h,
/// for one chain of the 1-d oscillator with inverse metric m.
struct OscillatorRun {
  double max_energy_error = 0, final_error = 0, bound = 0;
};
OscillatorRun oscillate(double h, int n, double m, double q0, double p0, bool batch) {
  const models::StdNormalData data{1};
  Block b(1);
  for (int c = 0; c < W; ++c) {
    b.at(b.q, 0, c) = q0;
    b.at(b.p, 0, c) = p0;
    b.at(b.minv, 0, c) = m;
  }
  std::vector<Real> eps(W, h);
  std::vector<Real> lp = init_grad(kStd, data, b);
  const double e0 = q0 * q0 / 2 + m * p0 * p0 / 2;
  OscillatorRun r;
  double max_q2 = q0 * q0;
  for (int k = 0; k < n; ++k) {
    lp = batch ? run_block(kStd, data, b, eps, 1, lp) : run_scalar(kStd, data, b, eps, 1, lp);
    const double q = b.at(b.q, 0, 3), p = b.at(b.p, 0, 3);
    r.max_energy_error = std::max(r.max_energy_error, std::fabs(q * q / 2 + m * p * p / 2 - e0));
    max_q2 = std::max(max_q2, q * q);
  }
  const double w = std::sqrt(m), t = h * n;
  const double q_exact = q0 * std::cos(w * t) + w * p0 * std::sin(w * t);
  r.final_error = std::fabs(b.at(b.q, 0, 3) - q_exact);
  r.bound = h * h * m * max_q2 / 8;  // from the shadow Hamiltonian: |H - H0| <= h^2 m max q^2/8
  return r;
}

TEST(Leapfrog, EnergyAndTrajectoryErrorsAreSecondOrder) {
  for (bool batch : {true, false}) {
    const double m = 0.7, q0 = 1.2, p0 = -0.4, T = 3.0;
    std::vector<OscillatorRun> runs;
    // In float the energy error at h = T / 240 (~1e-5) is within a few hundred eps of the
    // rounding of the energy itself, so the halvings stop at T / 120 there.
    const std::vector<int> steps = testing::kRealIsFloat ? std::vector<int>{30, 60, 120} : std::vector<int>{30, 60, 120, 240};
    for (int n : steps) runs.push_back(oscillate(T / n, n, m, q0, p0, batch));
    for (std::size_t k = 0; k < runs.size(); ++k)
      EXPECT_LE(runs[k].max_energy_error, runs[k].bound * (1 + testing::real_tol(1e-9)))
          << (batch ? "Batch<8>" : "scalar") << " run " << k;
    for (std::size_t k = 1; k < runs.size(); ++k) {
      const double energy_ratio = runs[k - 1].max_energy_error / runs[k].max_energy_error;
      const double traj_ratio = runs[k - 1].final_error / runs[k].final_error;
      // halving h divides both errors by 4 (second order), up to O(h^2) corrections
      EXPECT_NEAR(energy_ratio, 4.0, 0.2) << (batch ? "Batch<8>" : "scalar") << " halving " << k;
      EXPECT_NEAR(traj_ratio, 4.0, 0.2) << (batch ? "Batch<8>" : "scalar") << " halving " << k;
    }
    // absolute size: the phase error of leapfrog is w^3 h^2 T / 24, so |q - q_exact| is
    // about that times the amplitude
    const double h = T / steps.back(), w = std::sqrt(m);
    const double amplitude = std::sqrt(q0 * q0 + m * p0 * p0);
    EXPECT_LT(runs.back().final_error, 2 * w * w * w * h * h * T / 24 * amplitude)
        << (batch ? "Batch<8>" : "scalar");
  }
}

TEST(Leapfrog, BatchAndScalarViewsAgreeBitwise) {
  const int dim = 7;
  const models::StdNormalData data{dim};
  Block a(dim);
  fill_start(a, 2.0);
  Block s = a;
  std::vector<Real> eps(W);
  for (int c = 0; c < W; ++c) eps[c] = 0.1 + 0.09 * c;
  std::vector<Real> lpa = init_grad(kStd, data, a), lps = init_grad(kStd, data, s);
  lpa = run_block(kStd, data, a, eps, 17, lpa);
  lps = run_scalar(kStd, data, s, eps, 17, lps);
  for (int c = 0; c < W; ++c) {
    EXPECT_EQ(lpa[c], lps[c]) << "chain " << c;
    for (int i = 0; i < dim; ++i) {
      EXPECT_EQ(a.at(a.q, i, c), s.at(s.q, i, c)) << "q chain " << c << " dim " << i;
      EXPECT_EQ(a.at(a.p, i, c), s.at(s.p, i, c)) << "p chain " << c << " dim " << i;
      EXPECT_EQ(a.at(a.g, i, c), s.at(s.g, i, c)) << "grad chain " << c << " dim " << i;
    }
  }
}

TEST(Leapfrog, FusedStepsEqualRepeatedSingleSteps) {
  // leapfrog(n) fuses the inner half kicks; mathematically the same map as n calls of one step
  const int dim = 5;
  const models::StdNormalData data{dim};
  Block a(dim);
  fill_start(a, 1.0);
  Block s = a;
  std::vector<Real> eps(W, 0.2);
  std::vector<Real> lpa = init_grad(kStd, data, a), lps = init_grad(kStd, data, s);
  lpa = run_block(kStd, data, a, eps, 25, lpa);
  for (int k = 0; k < 25; ++k) lps = run_block(kStd, data, s, eps, 1, lps);
  for (int c = 0; c < W; ++c)
    for (int i = 0; i < dim; ++i) {
      EXPECT_NEAR(a.at(a.q, i, c), s.at(s.q, i, c), testing::real_tol(1e-13)) << "chain " << c << " dim " << i;
      EXPECT_NEAR(a.at(a.p, i, c), s.at(s.p, i, c), testing::real_tol(1e-13)) << "chain " << c << " dim " << i;
    }
}

/// Forward n steps, flip p, n steps back, flip p: must return to the start.
template <class Model>
void check_reversible(const Model& model, const typename Model::Data& data, Block& b,
                      const std::vector<Real>& eps, int n, bool batch, double tol, const char* what) {
  const Block start = b;
  std::vector<Real> lp0 = init_grad(model, data, b);
  std::vector<Real> lp = batch ? run_block(model, data, b, eps, n, lp0) : run_scalar(model, data, b, eps, n, lp0);
  double moved = 0;
  for (std::size_t k = 0; k < b.q.size(); ++k) moved = std::max(moved, static_cast<double>(std::fabs(b.q[k] - start.q[k])));
  EXPECT_GT(moved, 0.1) << what << ": the trajectory should go somewhere";
  for (auto& x : b.p) x = -x;
  lp = batch ? run_block(model, data, b, eps, n, lp) : run_scalar(model, data, b, eps, n, lp);
  for (auto& x : b.p) x = -x;
  for (int c = 0; c < W; ++c) {
    EXPECT_NEAR(lp[c], lp0[c], tol * (1 + std::fabs(lp0[c]))) << what << " chain " << c;
    for (int i = 0; i < b.dim; ++i) {
      const std::size_t k = static_cast<std::size_t>(i) * W + c;
      EXPECT_NEAR(b.q[k], start.q[k], tol) << what << (batch ? " Batch<8>" : " scalar") << " q chain " << c << " dim " << i;
      EXPECT_NEAR(b.p[k], start.p[k], tol) << what << (batch ? " Batch<8>" : " scalar") << " p chain " << c << " dim " << i;
    }
  }
}

TEST(Leapfrog, ReversibleOnStdNormal) {
  for (bool batch : {true, false}) {
    const models::StdNormalData data{6};
    Block b(6);
    fill_start(b, 1.0);
    std::vector<Real> eps(W);
    for (int c = 0; c < W; ++c) eps[c] = 0.05 + 0.1 * c;
    check_reversible(kStd, data, b, eps, 40, batch, testing::real_tol(1e-12), "std_normal");
  }
}

TEST(Leapfrog, ReversibleOnEightSchools) {
  // Non-centered Eight Schools: tau = exp(u) couples every coordinate non-linearly.
  const Real y[8] = {28, 8, -3, 7, -1, 1, 18, 12};
  const Real sigma[8] = {15, 10, 16, 11, 9, 11, 10, 18};
  Real inv_var[8];
  for (int j = 0; j < 8; ++j) inv_var[j] = Real(1) / (sigma[j] * sigma[j]);
  const models::EightSchoolsData data{8, y, sigma, inv_var, models::EightSchoolsPriors::kPosteriordb, 0, nullptr, nullptr};
  const models::EightSchoolsNoncentered model;
  for (bool batch : {true, false}) {
    Block b(10);
    fill_start(b, 1.0);
    std::vector<Real> eps(W);
    for (int c = 0; c < W; ++c) eps[c] = 0.02 + 0.03 * c;
    check_reversible(model, data, b, eps, 30, batch, testing::real_tol(1e-12), "eight_schools_noncentered");
  }
}

}  // namespace
}  // namespace hmc
}  // namespace lockstep
