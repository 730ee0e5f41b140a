#pragma once
// ViLanes<Model>: the buffers of variational inference where the lanes run, and one call that
// evaluates n points per fit of K fits at once (kernels/vi/vi_points.hpp: one lane per point,
// or, for many points on the CPU, one lane per block of W points through the model's SIMD
// form) and brings eta, lp and grad (for output draws: eta, lp and the model's outputs) back to
// the host.
#include <chrono>
#include <cstdint>
#include <vector>

#include "host/algorithms/vi/vi_family.hpp"
#include "host/backend/lanes.hpp"
#include "kernels/vi/vi_points.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {
namespace vi {

/// The points of one launch, on the host: [K * n][dim] (fit-major), lp [K * n].
struct PointSet {
  int n_per_fit = 0;
  std::vector<Real> eta, zeta, grad, lp, out;  // zeta and grad: not filled for output draws
};

/// What a launch brings back to the host.
enum class Fetch {
  kGradients,  // eta, zeta, grad and lp: a step's points, starting points
  kDensities,  // lp only: the ELBO estimates
  kOutputs,    // eta, lp and the model's outputs (write_out): output draws
};

/// Operations per coordinate of one log-density gradient, for launch_lanes' work estimate.
constexpr std::ptrdiff_t kWorkPerCoordinate = 64;

template <class Model>
class ViLanes {
 public:
  ViLanes(const Loaded<Model>& m, Family family, int fits)
      : m_(m), family_(family), fits_(fits), dim_(m.model.dim(m.data)), n_out_(m.model.n_out(m.data)) {}

  int dim() const { return dim_; }
  int n_out() const { return n_out_; }

  /// Evaluates n points per fit for the parameters theta[f] (vi_family.hpp layout) at
  /// (seed, iteration, stream); `fetch` says which results come back to p.
  /// `point_mass`: ignore the factor (zeta = mu; for checking starting points).
  /// `first_point`: the points are first_point .. first_point + n - 1 of each fit's stream (a
  /// long run of output draws goes in chunks that reuse the buffers: the same values).
  void evaluate(const std::vector<std::vector<double>>& theta, int n, std::uint64_t seed, std::uint64_t iteration,
                Stream stream, PointSet& p, Fetch fetch = Fetch::kGradients, bool point_mass = false,
                int first_point = 0) {
    const bool with_outputs = fetch == Fetch::kOutputs;
    const int K = static_cast<int>(theta.size());
    const bool full = family_ == Family::kFullRank && !point_mass;
    const int factor_size = full ? dim_ * dim_ : dim_;
    // Host staging, kept between calls (a step's evaluation allocates nothing once warm).
    std::vector<Real>& mu = host_mu_;
    std::vector<Real>& factor = host_factor_;
    std::vector<double>& f = host_f_;
    mu.resize(static_cast<std::size_t>(K) * dim_);
    factor.assign(static_cast<std::size_t>(K) * factor_size, 0);
    f.resize(static_cast<std::size_t>(factor_size));
    for (int k = 0; k < K; ++k) {
      for (int i = 0; i < dim_; ++i) mu[static_cast<std::size_t>(k) * dim_ + i] = static_cast<Real>(theta[k][i]);
      if (point_mass) continue;
      factor_of(family_, dim_, theta[k].data(), f.data());
      for (int i = 0; i < factor_size; ++i) factor[static_cast<std::size_t>(k) * factor_size + i] = static_cast<Real>(f[i]);
    }
    const std::size_t n_points = static_cast<std::size_t>(K) * n;
    ensure(mu_, mu.size());
    ensure(factor_, factor.size());
    ensure(eta_, n_points * dim_);
    ensure(zeta_, n_points * dim_);
    ensure(grad_, n_points * dim_);
    ensure(lp_, n_points);
    if (with_outputs) ensure(out_, n_points * (n_out_ > 0 ? n_out_ : 1));
    mu_.upload(mu.data(), mu.size());
    factor_.upload(factor.data(), factor.size());
    ViPoints<Model> lane;
    lane.model = m_.model;
    lane.data = m_.data;
    lane.mu = backend::raw(mu_);
    lane.factor = backend::raw(factor_);
    lane.full_rank = full;
    lane.dim = dim_;
    lane.n_per_fit = n;
    lane.first_point = first_point;
    lane.seed = seed;
    lane.iteration = iteration;
    lane.stream = stream;
    lane.eta = backend::raw(eta_);
    lane.zeta = backend::raw(zeta_);
    lane.grad = backend::raw(grad_);
    lane.lp = backend::raw(lp_);
    lane.out = with_outputs ? backend::raw(out_) : nullptr;
    lane.n_out = n_out_;
    if (!launch_blocks(lane, n_points, fetch == Fetch::kGradients)) {
      const std::ptrdiff_t work = work_of(n_points);
      const bool serial = work < backend::kSerialHostWork;  // only serial launches are timed
      const auto t0 = serial ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
      backend::launch_lanes(static_cast<int>(n_points), lane, work);
      if (serial)
        point_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                         static_cast<double>(n_points);
    }
    p.n_per_fit = n;
    if (fetch != Fetch::kDensities) download(eta_, n_points * dim_, p.eta);
    if (fetch == Fetch::kGradients) {
      download(zeta_, n_points * dim_, p.zeta);
      download(grad_, n_points * dim_, p.grad);
    }
    download(lp_, n_points, p.lp);
    if (with_outputs) download(out_, n_points * n_out_, p.out);
    evaluations_ += n_points;
  }

  unsigned long long gradient_evaluations() const { return evaluations_; }
  /// A resumed run continues the count of the run it resumes.
  void set_gradient_evaluations(unsigned long long n) { evaluations_ = n; }

 private:
  /// Many points (ELBO estimates, output draws) in the CPU shape: W at a time through the
  /// model's SIMD form (ViPointBlocks). False (nothing launched) for few points or W = 1.
  bool launch_blocks(const ViPoints<Model>& lane, std::size_t n_points, bool keep_grad) {
    if constexpr (kInLaneWidth > 1) {
      if (n_points < kBlockPoints) return false;
      constexpr int W = kInLaneWidth;
      const std::size_t n_blocks = (n_points + W - 1) / W;
      ensure(scratch_, n_blocks * 2 * static_cast<std::size_t>(dim_) * W);
      ViPointBlocks<Model, W> blocks{lane, static_cast<int>(n_points), backend::raw(scratch_), keep_grad};
      backend::launch_lanes(static_cast<int>(n_blocks), blocks);
      return true;
    } else {
      (void)lane;
      (void)n_points;
      (void)keep_grad;
      return false;
    }
  }

  /// Work estimate for launch_lanes' serial/parallel choice on the host (it never changes the
  /// results). A point's cost grows with the model's data (a GLMM's rows), which its dimension
  /// does not show, so once a launch has run serially its measured time per point decides: the
  /// host's threads when the launch would take kParallelSeconds or more on one, where an
  /// OpenMP region's fork and join (about a microsecond on an idle machine) is the smaller cost.
  /// Before any measurement: some tens of operations per coordinate of a gradient.
  std::ptrdiff_t work_of(std::size_t n_points) const {
    if (point_seconds_ <= 0)
      return static_cast<std::ptrdiff_t>(n_points) * (dim_ + n_out_ + 1) * kWorkPerCoordinate;
    return static_cast<double>(n_points) * point_seconds_ >= kParallelSeconds ? backend::kSerialHostWork : 0;
  }
  static constexpr double kParallelSeconds = 4e-6;
  /// From this many points a launch evaluates them in SIMD blocks (ViPointBlocks): a step's
  /// few gradient points stay one per lane (a block of W would mostly compute padding), the
  /// ELBO estimates' and the output draws' hundreds go W at a time.
  static constexpr std::size_t kBlockPoints = 4 * static_cast<std::size_t>(kInLaneWidth);

  static void ensure(backend::DeviceVector<Real>& v, std::size_t n) {
    if (v.size() < n || v.empty()) v.assign(n > 0 ? n : 1, 0);
  }
  static void download(const backend::DeviceVector<Real>& v, std::size_t n, std::vector<Real>& to) {
    to.resize(n);
    if (n > 0) v.download(to.data(), n);
  }

  const Loaded<Model>& m_;
  Family family_;
  int fits_;
  int dim_, n_out_;
  backend::DeviceVector<Real> mu_, factor_, eta_, zeta_, grad_, lp_, out_, scratch_;
  std::vector<Real> host_mu_, host_factor_;
  std::vector<double> host_f_;
  unsigned long long evaluations_ = 0;
  double point_seconds_ = 0;  // measured seconds per point of the last serial launch (0: none yet)
};

}  // namespace vi
}  // namespace lockstep
