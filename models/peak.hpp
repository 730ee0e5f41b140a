#pragma once
// Peak plus linear background with known heteroscedastic errors (the
// emcee / NumPyro / sbi tutorial):
//
//   f(x; l, m, s, a, b) = l exp(-(m - x)^2 / (2 s^2)) + a + b x,
//   y_n ~ N(f(x_n), y_err_n),  n = 1..N,
//   box prior (--set prior=mcmc, the default): l, m, a, b uniform on (-2, 2), s on (0, 2);
//   --set prior=sbi: the sbi tutorial's BoxUniform, low (0, 0, 0, -1, 0), high (2, 1, 1, 1, 1).
//   The option changes the box for every algorithm (NUTS, the ensemble, ABC, NPE), so they
//   all target the same posterior.
//
// Parameters theta = (l, m, s, a, b), in that order everywhere (outputs, --init-ball).
//
// ---- The ensemble contract (models that support `lockstep ensemble`) --------------------
// Besides the HMC contract of models/eight_schools.hpp, an ensemble-capable model provides
// its density on the CONSTRAINED scale and a prior draw:
//
//   template <class V> LS_HD auto log_density_constrained(const Data&, V theta) const
//       -> typename V::value_type;
//     log p(theta | y) up to a constant; -inf outside the support, produced by a select
//     (kernels/core/box.hpp), never by a branch on T; V is Strided<Real>, Dense<Real> or
//     BlockView<W> (T = Batch<W>).
//   template <class V> LS_HD void prior_draw(const Data&, const Rng& rng,
//                                            std::uint64_t iteration, V theta) const;
//     one draw from the prior (strictly inside the support) for one walker, using only
//     rng's Stream::kInit numbers at `iteration`; V is a one-walker view of Real.
//
// The constrained parameters are the first dim() outputs, in names order: the ensemble
// sampler saves exactly those.
//
// ---- HMC: the unconstrained parameterization ----------------------------------------------
// q_i in R, theta_i = lo_i + (hi_i - lo_i) p_i with p_i = inv_logit(q_i). The uniform prior
// density 1/(hi_i - lo_i) times the Jacobian (hi_i - lo_i) p_i (1 - p_i) leaves
//
//   log p(q | y) = L(theta(q)) + sum_i log(p_i (1 - p_i)),
//   L(theta) = -1/2 sum_n w_n (y_n - f_n)^2,   w_n = 1 / y_err_n^2,
//
// and with r_n = w_n (y_n - f_n), e_n = exp(-(m - x_n)^2 / (2 s^2)), d_n = m - x_n:
//
//   dL/dl = sum r_n e_n,       dL/dm = -(l / s^2) sum r_n e_n d_n,
//   dL/ds = (l / s^3) sum r_n e_n d_n^2,   dL/da = sum r_n,   dL/db = sum r_n x_n,
//   d log p / d q_i = dL/dtheta_i (hi_i - lo_i) p_i (1 - p_i) + (1 - 2 p_i).
//
// With u = e^-|q|: p = 1/(1+u) (q >= 0) or u/(1+u) (q < 0), p (1 - p) = u / (1+u)^2 and
// log(p (1 - p)) = -|q| - 2 log1p(u): one exp and one log1p per parameter, no overflow.
// The constrained density drops the same constant: L(theta) - sum_i log(hi_i - lo_i).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "models/contract/input_error.hpp"
#include "models/contract/model_args.hpp"
#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/box.hpp"
#include "kernels/core/fast_exp.hpp"
#include "kernels/core/ziggurat.hpp"
#include "models/peak_fit.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {
namespace models {

struct PeakData {
  static constexpr int kDim = 5;
  int N;
  const Real* x;  // [N]
  const Real* y;  // [N]
  const Real* w;  // [N] 1 / y_err^2
  const Real* y_err;  // [N] (the simulator's noise)
  Real lo[kDim];  // box: theta_i in (lo_i, hi_i)
  Real hi[kDim];
  Real lo_in[kDim];  // the doubles just inside: nextafter(lo_i, hi_i), nextafter(hi_i, lo_i)
  Real hi_in[kDim];
  Real log_volume;  // sum_i log(hi_i - lo_i)
  double fit_start[kDim];  // the observed data's least-squares fit (models/peak_fit.hpp)
  // The simulator's curve may take its exp in float (Peak::noisy_curve): set by load() where
  // that error stays below kCurveErrorShare of the smallest y_err for every l in the box.
  bool curve_in_float = false;
};

struct Peak {
  using Data = PeakData;
  enum Param : int { kL = 0, kM, kS, kA, kB };
  /// The float curve's bound on |l e - l e_float| / |l| and the share of the smallest y_err
  /// it may be (noisy_curve).
  static constexpr double kFloatCurveError = 3e-7;
  static constexpr double kCurveErrorShare = 1e-4;

  LS_HD int dim(const Data&) const { return Data::kDim; }
  LS_HD int n_out(const Data&) const { return Data::kDim; }

  /// L(theta); with kGrad also dL/dtheta into g[0..4].
  template <bool kGrad, class T>
  LS_HD LS_INLINE static T log_likelihood(const Data& d, const T& l, const T& m, const T& s,
                                          const T& a, const T& b, T* g) {
    const T inv_s2 = Real(1) / (s * s);
    const T half_inv_s2 = Real(0.5) * inv_s2;
    T ll = Real(0), s1 = Real(0), s2 = Real(0), s3 = Real(0), sa = Real(0), sb = Real(0);
    for (int n = 0; n < d.N; ++n) {
      const Real x = d.x[n];
      const T dm = m - x;
      const T e = m::exp(-(dm * dm) * half_inv_s2);
      const T resid = d.y[n] - (l * e + a + b * x);
      const T r = resid * d.w[n];
      ll += resid * r;
      if constexpr (kGrad) {
        const T re = r * e;
        s1 += re;
        s2 += re * dm;
        s3 += re * (dm * dm);
        sa += r;
        sb += r * x;
      }
    }
    if constexpr (kGrad) {
      g[kL] = s1;
      g[kM] = -(l * inv_s2) * s2;
      g[kS] = (l * inv_s2) * s3 / s;
      g[kA] = sa;
      g[kB] = sb;
    }
    return Real(-0.5) * ll;
  }

  template <class V, class G>
  LS_HD auto log_density_and_grad(const Data& d, V q, G g) const -> typename V::value_type {
    using T = typename V::value_type;
    T theta[Data::kDim], dtheta[Data::kDim], two_p_minus_1[Data::kDim], lp = Real(0);
    for (int i = 0; i < Data::kDim; ++i) {
      T p, pq, log_pq;
      inv_logit_parts(q[i], p, pq, log_pq);
      const Real width = d.hi[i] - d.lo[i];
      theta[i] = d.lo[i] + width * p;
      dtheta[i] = width * pq;
      two_p_minus_1[i] = Real(2) * p - Real(1);
      lp += log_pq;
    }
    T gl[Data::kDim];
    lp += log_likelihood<true>(d, theta[kL], theta[kM], theta[kS], theta[kA], theta[kB], gl);
    for (int i = 0; i < Data::kDim; ++i) g[i] = gl[i] * dtheta[i] - two_p_minus_1[i];
    return lp;
  }

  /// The ensemble contract: L(theta) - sum_i log(hi_i - lo_i) inside the box, -inf outside.
  template <class V>
  LS_HD auto log_density_constrained(const Data& d, V theta) const -> typename V::value_type {
    using T = typename V::value_type;
    const T lp = likelihood_only(d, theta[kL], theta[kM], theta[kS], theta[kA], theta[kB]) - d.log_volume;
    return restrict_to_box(theta, d.lo, d.hi, Data::kDim, lp);
  }

  /// The ensemble contract: theta_i = lo_i + (hi_i - lo_i) U_i, U_i = uniform i of
  /// (iteration, Stream::kInit), strictly inside the box.
  template <class V>
  LS_HD void prior_draw(const Data& d, const Rng& rng, std::uint64_t iteration, V theta) const {
    double u[Data::kDim];  // uniform(rng, iteration, kInit, i), three Philox calls for the five
    uniforms(rng, iteration, Stream::kInit, 0, Data::kDim, u);
    for (int i = 0; i < Data::kDim; ++i) theta[i] = static_cast<Real>(d.lo[i] + (d.hi[i] - d.lo[i]) * u[i]);
  }

  /// The log prior on the constrained scale: the uniform box, -sum_i log(hi_i - lo_i) inside,
  /// -inf outside (the same select as log_density_constrained).
  template <class V>
  LS_HD auto log_prior(const Data& d, V theta) const -> typename V::value_type {
    using T = typename V::value_type;
    return restrict_to_box(theta, d.lo, d.hi, Data::kDim, T(-d.log_volume));
  }

  /// The simulator: one y per data point, with the likelihood's noise model,
  ///   y_n = f(x_n; theta) + y_err_n z_n,   z_n ~ N(0, 1) = ziggurat_normal(rng, iteration, kSimulate, n)
  /// (kernels/core/ziggurat.hpp: exact normals at about a third of Box-Muller's cost).
  LS_HD int n_simulated(const Data& d) const { return d.N; }
  template <class V, class O>
  LS_HD void simulate(const Data& d, V theta, const Rng& rng, std::uint64_t iteration, O out) const {
    noisy_curve(d, theta[kL], theta[kM], theta[kS], theta[kA], theta[kB], rng, iteration, Stream::kSimulate, out);
  }

  /// ABC's regression adjustment (host/algorithms/abc/regression_adjustment.hpp): a data
  /// set's summary statistics are its weighted least-squares fit (l, m, s, a, b), by
  /// Levenberg-Marquardt from the observed data's fit (models/peak_fit.hpp).
  LS_HD int n_adjustment_statistics(const Data&) const { return Data::kDim; }
  LS_HD void adjustment_statistics(const Data& d, const Real* x, double* out) const {
    peak_fit(d, x, d.fit_start, kFitIterations, out);
  }

  /// Posterior predictive (`--predict`): y_rep_n = f(x_n; theta(q)) + y_err_n z_n with z_n =
  /// ziggurat_normal(rng, iteration, kGenerated, n): the simulator at the draw, on its own stream.
  LS_HD int n_generated(const Data& d) const { return d.N; }
  template <class V, class O>
  LS_HD void generated_quantities(const Data& d, V q, const Rng& rng, std::uint64_t iteration, O out) const {
    Real theta[Data::kDim];
    for (int i = 0; i < Data::kDim; ++i) {
      Real p, pq, log_pq;
      inv_logit_parts(static_cast<Real>(q[i]), p, pq, log_pq);
      theta[i] = d.lo[i] + (d.hi[i] - d.lo[i]) * p;
    }
    noisy_curve(d, theta[kL], theta[kM], theta[kS], theta[kA], theta[kB], rng, iteration, Stream::kGenerated, out);
  }

  /// Outputs theta = (l, m, s, a, b) from q, strictly inside the box (clamp_inside: for
  /// |q| > ~37 the transform itself rounds to the box's edge).
  template <class V, class O>
  LS_HD void write_out(const Data& d, V q, O out) const {
    using T = typename V::value_type;
    for (int i = 0; i < Data::kDim; ++i) {
      T p, pq, log_pq;
      inv_logit_parts(q[i], p, pq, log_pq);
      out[i] = clamp_inside(d.lo[i] + (d.hi[i] - d.lo[i]) * p, d.lo_in[i], d.hi_in[i]);
    }
  }

  /// Unconstrained point from outputs (l, m, s, a, b); host only. InputError outside the box.
  static std::vector<double> unconstrain(const Loaded<Peak>& m, const std::vector<double>& out) {
    static const char* const kNames[Data::kDim] = {"l", "m", "s", "a", "b"};
    std::vector<double> q(Data::kDim);
    for (int i = 0; i < Data::kDim; ++i) {
      const double lo = m.data.lo[i], hi = m.data.hi[i], t = out.at(i);
      if (!(t > lo && t < hi))
        throw InputError(std::string(kNames[i]) + ": initial value " + DataSource::format_number(t) +
                         " is outside the prior box (" + DataSource::format_number(lo) + ", " +
                         DataSource::format_number(hi) + ")");
      const double p = (t - lo) / (hi - lo);
      q[i] = std::log(p) - std::log1p(-p);
    }
    return q;
  }

  static ModelInfo info() {
    ModelInfo i;
    i.name = "peak";
    i.summary =
        "Peak plus background: y ~ N(l exp(-(x-m)^2/(2 s^2)) + a + b x, y_err); uniform box "
        "prior (prior=mcmc: l, m, a, b in (-2, 2), s in (0, 2); prior=sbi: low (0,0,0,-1,0), "
        "high (2,1,1,1,1)); supports `ensemble`";
    i.options = {{"prior", "mcmc",
                  "the uniform box: mcmc (l, m, a, b in (-2, 2), s in (0, 2)) or sbi (the sbi "
                  "tutorial's BoxUniform: low 0, 0, 0, -1, 0; high 2, 1, 1, 1, 1)"}};
    i.data_fields = {{"N", "number of points (positive integer; a CSV file gives it as its row count)"},
                     {"x", "abscissae, length N"},
                     {"y", "measurements, length N"},
                     {"y_err", "known standard errors of y, length N, positive"}};
    i.parameters = "l, m, s, a, b";
    return i;
  }

  static Loaded<Peak> load(ModelArgs& args) {
    const DataSource& src = args.data();
    const long N = src.positive_int("N");
    const std::vector<double> x = src.reals_of_size("x", N);
    const std::vector<double> y = src.reals_of_size("y", N);
    const std::vector<double> err = src.positive_reals_of_size("y_err", N);
    std::vector<double> w(err.size());
    for (std::size_t n = 0; n < err.size(); ++n) w[n] = 1.0 / (err[n] * err[n]);
    Loaded<Peak> out;
    out.data.N = static_cast<int>(N);
    out.data.x = args.upload(x);
    out.data.y = args.upload(y);
    out.data.w = args.upload(w);
    out.data.y_err = args.upload(err);
    const bool sbi_box = args.option_choice("prior", {"mcmc", "sbi"}) == "sbi";
    static const double kMcmcLo[Data::kDim] = {-2, -2, 0, -2, -2}, kMcmcHi[Data::kDim] = {2, 2, 2, 2, 2};
    static const double kSbiLo[Data::kDim] = {0, 0, 0, -1, 0}, kSbiHi[Data::kDim] = {2, 1, 1, 1, 1};
    const double* lo = sbi_box ? kSbiLo : kMcmcLo;
    const double* hi = sbi_box ? kSbiHi : kMcmcHi;
    double log_volume = 0;
    for (int i = 0; i < Data::kDim; ++i) {
      out.data.lo[i] = static_cast<Real>(lo[i]);
      out.data.hi[i] = static_cast<Real>(hi[i]);
      out.data.lo_in[i] = std::nextafter(out.data.lo[i], out.data.hi[i]);
      out.data.hi_in[i] = std::nextafter(out.data.hi[i], out.data.lo[i]);
      log_volume += std::log(hi[i] - lo[i]);
    }
    const double l_bound = std::max(std::fabs(lo[kL]), std::fabs(hi[kL]));
    out.data.curve_in_float =
        kFloatCurveError * l_bound <= kCurveErrorShare * *std::min_element(err.begin(), err.end());
    out.data.log_volume = static_cast<Real>(log_volume);
    out.names = {"l", "m", "s", "a", "b"};
    out.generated_names = indexed_names("y_rep", static_cast<int>(N));
    out.observed_name = "y";
    out.observed = y;
    out.sbi_observed = y;  // what ABC and NPE condition on: simulate() gives y's layout
    out.sbi_scale = err;   // ABC's per-point scale: the known noise sd y_err
    struct {
      int N;
      const double* x;
      const double* w;
    } host{static_cast<int>(N), x.data(), w.data()};
    peak_observed_fit(host, y.data(), out.data.fit_start);
    return out;
  }

 private:
  /// f(x_n; l, m, s, a, b) + y_err_n z_n, z_n = ziggurat_normal(rng, iteration, stream, n), for
  /// the points in chunks of up to 8 kInLaneWidth: ziggurat_normals() draws a chunk's normals
  /// from one Philox call (the same bits as one ziggurat_normal() each), and the curve takes
  /// exp_upto_709 (kernels/core/fast_exp.hpp, < 2 ulp; its argument -(m - x)^2 / (2 s^2) is
  /// <= 0) in a loop that vectorizes. Every simulation stays a pure function of (seed, index).
  ///
  /// Where Data::curve_in_float is set, e_n = exp(-(m - x_n)^2 / (2 s^2)) is taken in float
  /// (exp_upto_88f: twice the lanes a vector, a quarter of a simulation's time saved): the
  /// argument rounded to float moves e by at most max_t |t| e^t 2^-24 = 2.2e-8, the float exp
  /// adds 2 ulp (2.4e-7 e), so |l e - l e_float| <= kFloatCurveError |l| (3e-7; the test
  /// Peak.FloatCurveStaysWithinItsBound measures it), which load() allows only where it is at
  /// most kCurveErrorShare (1e-4) of the smallest y_err for every l of the prior's box: a shift
  /// of the simulated mean 10^4 times smaller than its noise. Otherwise (tiny y_err) the
  /// curve stays in double (exp_upto_709, < 2 ulp).
  template <class O>
  LS_HD static void noisy_curve(const Data& d, Real l, Real m, Real s, Real a, Real b, const Rng& rng,
                                std::uint64_t iteration, Stream stream, O out) {
    constexpr int kChunk = 8 * kInLaneWidth;  // points per pass (a buffer of normals)
    const Real neg_half_inv_s2 = Real(-0.5) / (s * s);
    for (int n0 = 0; n0 < d.N; n0 += kChunk) {
      const int count = d.N - n0 < kChunk ? d.N - n0 : kChunk;
      double z[kChunk];
      ziggurat_normals<kInLaneWidth>(rng, iteration, stream, static_cast<std::uint32_t>(n0), count, z);
      Real e[kChunk];
      if (d.curve_in_float) {
        float t[kChunk];  // three loops, so the float one runs at the float vector width
        for (int k = 0; k < count; ++k) {
          const Real dm = m - d.x[n0 + k];
          t[k] = static_cast<float>((dm * dm) * neg_half_inv_s2);
        }
        for (int k = 0; k < count; ++k) t[k] = exp_upto_88f(t[k]);
        for (int k = 0; k < count; ++k) e[k] = static_cast<Real>(t[k]);
      } else {
        for (int k = 0; k < count; ++k) {
          const Real dm = m - d.x[n0 + k];
          e[k] = exp_upto_709((dm * dm) * neg_half_inv_s2);
        }
      }
      Real y[kChunk];
      for (int k = 0; k < count; ++k)
        y[k] = l * e[k] + a + b * d.x[n0 + k] + d.y_err[n0 + k] * static_cast<Real>(z[k]);
      for (int k = 0; k < count; ++k) out[n0 + k] = y[k];
    }
  }

  /// L(theta) alone (the ensemble's hot loop). One chain: log_likelihood<false>. W chains:
  /// the same arithmetic written point-outer, chain-inner over plain arrays, which g++ keeps
  /// in registers (the Batch<W> temporaries of the generic form cost ~1.8x here), with
  /// exp_upto_709 (< 2 ulp, under half the operations of m::exp; kernels/ensemble/
  /// fast_exp.hpp; the argument is <= 0 or NaN): the two forms agree to ~1e-15 relative.
  LS_HD LS_INLINE static Real likelihood_only(const Data& d, Real l, Real m, Real s, Real a, Real b) {
    return log_likelihood<false, Real>(d, l, m, s, a, b, nullptr);
  }
  template <int W>
  LS_HD LS_INLINE static Batch<W> likelihood_only(const Data& d, const Batch<W>& l, const Batch<W>& m,
                                                  const Batch<W>& s, const Batch<W>& a, const Batch<W>& b) {
    Real neg_half_inv_s2[W], ll[W];  // -1/(2 s^2): (dm^2)(-h) is exactly -(dm^2 h), one op fewer
    for (int w = 0; w < W; ++w) {
      neg_half_inv_s2[w] = Real(-0.5) / (s.v[w] * s.v[w]);
      ll[w] = Real(0);
    }
    for (int n = 0; n < d.N; ++n) {
      const Real x = d.x[n], y = d.y[n], wn = d.w[n];
      for (int w = 0; w < W; ++w) {
        const Real dm = m.v[w] - x;
        const Real e = exp_upto_709((dm * dm) * neg_half_inv_s2[w]);
        const Real resid = y - (l.v[w] * e + a.v[w] + b.v[w] * x);
        ll[w] += resid * (resid * wn);
      }
    }
    Batch<W> r;
    for (int w = 0; w < W; ++w) r.v[w] = Real(-0.5) * ll[w];
    return r;
  }

  /// p = inv_logit(q), p (1 - p) and log(p (1 - p)) from u = e^-|q| (see the file comment);
  /// the sign of q picks p by a select.
  LS_HD LS_INLINE static void inv_logit_parts(Real q, Real& p, Real& pq, Real& log_pq) {
    const Real aq = vm::abs(q);
    const Real u = vm::exp(-aq);  // vm::: the Batch overload below loops over lanes
    const Real inv = Real(1) / (Real(1) + u);
    p = q < Real(0) ? u * inv : inv;
    pq = u * inv * inv;
    log_pq = -aq - Real(2) * vm::log1p(u);
  }
  template <int W>
  LS_HD LS_INLINE static void inv_logit_parts(const Batch<W>& q, Batch<W>& p, Batch<W>& pq,
                                              Batch<W>& log_pq) {
    for (int w = 0; w < W; ++w) inv_logit_parts(q.v[w], p.v[w], pq.v[w], log_pq.v[w]);
  }
};

}  // namespace models
}  // namespace lockstep
