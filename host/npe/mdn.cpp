// The mixture density network's forward pass, loss and hand-derived backward pass
// (the math: host/npe/mdn.hpp). Eigen is kept single-threaded here (and by EigenSerial in the
// callers): the trainer splits a batch into fixed chunks across threads
// (host/npe/trainer.cpp), so results never depend on the thread count.
#define EIGEN_DONT_PARALLELIZE
#include "host/npe/mdn.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/core/philox.hpp"
#include "kernels/core/vmath.hpp"

namespace lockstep {
namespace npe {
namespace {

using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;
using MapMat = Eigen::Map<Mat>;
using CMapMat = Eigen::Map<const Mat>;
using CMapVec = Eigen::Map<const Eigen::VectorXd>;
using MapVec = Eigen::Map<Eigen::VectorXd>;

constexpr double kLog2Pi = 1.8378770664093454836;

int layer_in(const MdnShape& s, int l) { return l == 0 ? s.n_x : s.n_hidden; }
int layer_out(const MdnShape& s, int l) { return l == s.n_layers ? s.n_outputs() : s.n_hidden; }

/// Offset of W_l (l = 0..L, 0-based) in the flat parameters; b_l follows W_l.
std::size_t layer_offset(const MdnShape& s, int l) {
  std::size_t at = 0;
  for (int i = 0; i < l; ++i) at += static_cast<std::size_t>(layer_out(s, i)) * (layer_in(s, i) + 1);
  return at;
}

/// tanh in place, vectorizable: tanh(x) = expm1(2x) / (expm1(2x) + 2) with the project's
/// branch-free expm1 (kernels/core/vmath.hpp, < 1 ulp), x clamped to [-20, 20] (tanh(20) is 1
/// in double) so that the quotient never meets inf / inf; NaN stays NaN. std::tanh on doubles
/// is a scalar libm call, ~40x slower, and was most of the training time. The clamps are
/// vm's bitwise selects: with std::min/max or ?: g++ 12 sees control flow and leaves the loop
/// scalar (it was then 30% of the training time); so it runs 8 values per instruction.
void tanh_in_place(double* v, std::size_t n) {
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) {
    double x = vm::detail::select(v[i] > 20.0, 20.0, v[i]);
    x = vm::detail::select(x < -20.0, -20.0, x);
    const double e = vm::expm1(2 * x);
    v[i] = e / (e + 2);
  }
}

/// The layers' activations for a batch (column b = sample b): h[0] = x, h[l] hidden, out.
void forward(const MdnShape& s, const double* params, const double* x, int batch, std::vector<Mat>& h) {
  h.resize(s.n_layers + 2);
  h[0] = CMapMat(x, s.n_x, batch);  // (a copy: the products below read plain matrices)
  for (int l = 0; l <= s.n_layers; ++l) {
    const std::size_t at = layer_offset(s, l);
    const int nin = layer_in(s, l), nout = layer_out(s, l);
    CMapMat w(params + at, nout, nin);
    CMapVec b(params + at + static_cast<std::size_t>(nout) * nin, nout);
    h[l + 1].noalias() = w * h[l];
    h[l + 1].colwise() += b;
    if (l < s.n_layers) tanh_in_place(h[l + 1].data(), static_cast<std::size_t>(h[l + 1].size()));
  }
}

// exp and log below are vm's (kernels/core/vmath.hpp: inline, branch-free, < 1 ulp) rather
// than libm's calls: about 150 of them per pair, 8% of the training time through libm.

/// Unpacks component k of output column o into mu (d), U (d x d, row-major: the upper
/// triangle is written, the part below the diagonal left as it is and never read) and
/// sum_i a_i.
double unpack(const MdnShape& s, const double* o, int k, const double** mu, double* U) {
  const int K = s.n_components, d = s.n_theta, nt = d * (d + 1) / 2;
  *mu = o + K + static_cast<std::size_t>(k) * d;
  const double* c = o + K + K * d + static_cast<std::size_t>(k) * nt;
  double log_det = 0;
  for (int i = 0; i < d; ++i) {
    U[i * d + i] = vm::exp(c[i]);
    log_det += c[i];
  }
  int at = d;
  for (int i = 0; i < d; ++i)
    for (int j = i + 1; j < d; ++j) U[i * d + j] = c[at++];
  return log_det;
}

/// Where U[i][j] (i < j) sits in a component's packed outputs: after the d diagonal entries,
/// the upper triangle row by row.
int upper_at(int d, int i, int j) { return d + i * d - i * (i + 1) / 2 + (j - i - 1); }

double log_sum_exp(const double* v, int n) {
  double m = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < n; ++i) m = std::max(m, v[i]);
  if (!std::isfinite(m)) return m;
  double s = 0;
  for (int i = 0; i < n; ++i) s += vm::exp(v[i] - m);
  return m + vm::log(s);
}

/// exp over v[0..n) in place, 8 values per instruction (vm::exp is branch-free).
void exp_in_place(double* v, int n) {
#pragma omp simd
  for (int i = 0; i < n; ++i) v[i] = vm::exp(v[i]);
}

/// -log q(theta | o) for one output column; with go, dL/do written into go[0..P).
/// U_k is read in place from o (its diagonal exp(a_k) computed for all components in one
/// vectorized pass); the sums run in the order of the formulas in host/npe/mdn.hpp.
double column_loss(const MdnShape& s, const double* o, const double* theta, double* go, std::vector<double>& work) {
  const int K = s.n_components, d = s.n_theta, nt = d * (d + 1) / 2;
  work.resize(static_cast<std::size_t>(K) * (3 * d + 2));
  double* diag = work.data();                              // [K][d]: U_k[i][i] = exp(a_k[i])
  double* z = diag + static_cast<std::size_t>(K) * d;      // [K][d]
  double* delta = z + static_cast<std::size_t>(K) * d;     // [K][d]
  double* l = delta + static_cast<std::size_t>(K) * d;     // [K]
  double* logpi = l + K;                                   // [K]
  const double* mean = o + K;                              // [K][d]
  const double* packed = o + K + K * d;                    // [K][nt]: a_k, then the upper triangle
  for (int k = 0; k < K; ++k)
    for (int i = 0; i < d; ++i) diag[k * d + i] = packed[k * nt + i];
  exp_in_place(diag, K * d);
  const double lse_alpha = log_sum_exp(o, K);
  for (int k = 0; k < K; ++k) {
    const double* ck = packed + static_cast<std::size_t>(k) * nt;
    const double* uk = diag + static_cast<std::size_t>(k) * d;
    double* dk = delta + static_cast<std::size_t>(k) * d;
    double* zk = z + static_cast<std::size_t>(k) * d;
    double log_det = 0;
    for (int i = 0; i < d; ++i) log_det += ck[i];
    for (int j = 0; j < d; ++j) dk[j] = theta[j] - mean[k * d + j];
    double zz = 0;
    int at = d;  // U_k[i][j], j > i, at ck[at], row by row
    for (int i = 0; i < d; ++i) {
      double v = uk[i] * dk[i];
      for (int j = i + 1; j < d; ++j) v += ck[at++] * dk[j];
      zk[i] = v;
      zz += v * v;
    }
    logpi[k] = o[k] - lse_alpha;
    l[k] = logpi[k] - 0.5 * d * kLog2Pi + log_det - 0.5 * zz;
  }
  const double lse = log_sum_exp(l, K);
  const double loss = -lse;
  if (!go) return loss;
  for (int k = 0; k < K; ++k) {
    const double r = vm::exp(l[k] - lse), pi = vm::exp(logpi[k]);
    const double* ck = packed + static_cast<std::size_t>(k) * nt;
    const double* uk = diag + static_cast<std::size_t>(k) * d;
    const double* zk = z + static_cast<std::size_t>(k) * d;
    const double* dk = delta + static_cast<std::size_t>(k) * d;
    go[k] = pi - r;
    double* gmu = go + K + static_cast<std::size_t>(k) * d;
    for (int j = 0; j < d; ++j) {  // -r (U^T z)_j = -r sum_{i <= j} U[i][j] z[i]
      double v = 0;
      for (int i = 0; i < j; ++i) v += ck[upper_at(d, i, j)] * zk[i];
      v += uk[j] * zk[j];
      gmu[j] = -r * v;
    }
    double* gc = go + K + K * d + static_cast<std::size_t>(k) * nt;
    for (int i = 0; i < d; ++i) gc[i] = -r * (1 - zk[i] * dk[i] * uk[i]);
    int at = d;
    for (int i = 0; i < d; ++i)
      for (int j = i + 1; j < d; ++j) gc[at++] = r * zk[i] * dk[j];
  }
  return loss;
}

/// column_loss for kBlock pairs at once, one pair per SIMD lane: T holds the pairs' outputs
/// transposed ([P][kBlock]: T[o * kBlock + w] is output o of pair w), th their thetas
/// ([d][kBlock]); G receives dL/do in the same layout and loss[w] pair w's loss. Every lane runs
/// column_loss's arithmetic in column_loss's order (the loops over a pair's components and
/// coordinates are the same; only an innermost loop over the lanes is added), so the pairs'
/// losses and gradients are column_loss's; the lanes make the exps, the triangular products and
/// the gradient's assembly vector instructions where one pair at a time left them scalar (the
/// per-pair loss was a quarter of the training time).
constexpr int kBlock = 8;

struct BlockWork {
  std::vector<double> diag, z, delta, l, logpi;
};

void block_loss(const MdnShape& s, const double* T, const double* th, double* G, double* loss, BlockWork& w) {
  static constexpr int L = kBlock;  // static: the lambda below uses it without a capture
  const int K = s.n_components, d = s.n_theta, nt = d * (d + 1) / 2;
  w.diag.resize(static_cast<std::size_t>(K) * d * L);
  w.z.resize(static_cast<std::size_t>(K) * d * L);
  w.delta.resize(static_cast<std::size_t>(K) * d * L);
  w.l.resize(static_cast<std::size_t>(K) * L);
  w.logpi.resize(static_cast<std::size_t>(K) * L);
  double* diag = w.diag.data();
  double* z = w.z.data();
  double* delta = w.delta.data();
  double* l = w.l.data();
  double* logpi = w.logpi.data();
  const double* mean = T + static_cast<std::size_t>(K) * L;              // [K][d][L]
  const double* packed = T + static_cast<std::size_t>(K + K * d) * L;    // [K][nt][L]
  for (int k = 0; k < K; ++k)
    for (int i = 0; i < d; ++i) {
      const double* src = packed + static_cast<std::size_t>(k * nt + i) * L;
      double* dst = diag + static_cast<std::size_t>(k * d + i) * L;
#pragma omp simd
      for (int v = 0; v < L; ++v) dst[v] = vm::exp(src[v]);
    }
  // log-sum-exp over n rows of L lanes (log_sum_exp's arithmetic per lane).
  auto lse_rows = [](const double* rows, int n, double* out) {
    double m[L];
    for (int v = 0; v < L; ++v) m[v] = -std::numeric_limits<double>::infinity();
    for (int i = 0; i < n; ++i)
      for (int v = 0; v < L; ++v) m[v] = std::max(m[v], rows[i * L + v]);
    double sum[L] = {};
    for (int i = 0; i < n; ++i)
#pragma omp simd
      for (int v = 0; v < L; ++v) sum[v] += vm::exp(rows[i * L + v] - m[v]);
    for (int v = 0; v < L; ++v) out[v] = std::isfinite(m[v]) ? m[v] + vm::log(sum[v]) : m[v];
  };
  double lse_alpha[L];
  lse_rows(T, K, lse_alpha);
  for (int k = 0; k < K; ++k) {
    const double* ck = packed + static_cast<std::size_t>(k) * nt * L;
    const double* uk = diag + static_cast<std::size_t>(k) * d * L;
    double* dk = delta + static_cast<std::size_t>(k) * d * L;
    double* zk = z + static_cast<std::size_t>(k) * d * L;
    double log_det[L] = {}, zz[L] = {};
    for (int i = 0; i < d; ++i)
      for (int v = 0; v < L; ++v) log_det[v] += ck[i * L + v];
    for (int j = 0; j < d; ++j)
#pragma omp simd
      for (int v = 0; v < L; ++v) dk[j * L + v] = th[j * L + v] - mean[static_cast<std::size_t>(k * d + j) * L + v];
    int at = d;
    for (int i = 0; i < d; ++i) {
      double val[L];
      for (int v = 0; v < L; ++v) val[v] = uk[i * L + v] * dk[i * L + v];
      for (int j = i + 1; j < d; ++j, ++at)
#pragma omp simd
        for (int v = 0; v < L; ++v) val[v] += ck[at * L + v] * dk[j * L + v];
      for (int v = 0; v < L; ++v) {
        zk[i * L + v] = val[v];
        zz[v] += val[v] * val[v];
      }
    }
    for (int v = 0; v < L; ++v) {
      logpi[k * L + v] = T[k * L + v] - lse_alpha[v];
      l[k * L + v] = logpi[k * L + v] - 0.5 * d * kLog2Pi + log_det[v] - 0.5 * zz[v];
    }
  }
  double lse[L];
  lse_rows(l, K, lse);
  for (int v = 0; v < L; ++v) loss[v] = -lse[v];
  if (!G) return;
  for (int k = 0; k < K; ++k) {
    const double* ck = packed + static_cast<std::size_t>(k) * nt * L;
    const double* uk = diag + static_cast<std::size_t>(k) * d * L;
    const double* zk = z + static_cast<std::size_t>(k) * d * L;
    const double* dk = delta + static_cast<std::size_t>(k) * d * L;
    double r[L], pi[L];
#pragma omp simd
    for (int v = 0; v < L; ++v) {
      r[v] = vm::exp(l[k * L + v] - lse[v]);
      pi[v] = vm::exp(logpi[k * L + v]);
      G[k * L + v] = pi[v] - r[v];
    }
    double* gmu = G + static_cast<std::size_t>(K + k * d) * L;
    for (int j = 0; j < d; ++j) {
      double val[L] = {};
      for (int i = 0; i < j; ++i) {
        const double* u = ck + static_cast<std::size_t>(upper_at(d, i, j)) * L;
#pragma omp simd
        for (int v = 0; v < L; ++v) val[v] += u[v] * zk[i * L + v];
      }
#pragma omp simd
      for (int v = 0; v < L; ++v) {
        val[v] += uk[j * L + v] * zk[j * L + v];
        gmu[j * L + v] = -r[v] * val[v];
      }
    }
    double* gc = G + static_cast<std::size_t>(K + K * d + k * nt) * L;
    for (int i = 0; i < d; ++i)
#pragma omp simd
      for (int v = 0; v < L; ++v) gc[i * L + v] = -r[v] * (1 - zk[i * L + v] * dk[i * L + v] * uk[i * L + v]);
    int at = d;
    for (int i = 0; i < d; ++i)
      for (int j = i + 1; j < d; ++j, ++at)
#pragma omp simd
        for (int v = 0; v < L; ++v) gc[at * L + v] = r[v] * zk[i * L + v] * dk[j * L + v];
  }
}

}  // namespace

EigenSerial::EigenSerial() : saved_(Eigen::nbThreads()) { Eigen::setNbThreads(1); }
EigenSerial::~EigenSerial() { Eigen::setNbThreads(saved_); }

int MdnShape::n_outputs() const { return n_components * (1 + n_theta + n_theta * (n_theta + 1) / 2); }

int MdnShape::n_params() const { return static_cast<int>(layer_offset(*this, n_layers + 1)); }

std::vector<double> init_params(const MdnShape& s, std::uint64_t seed) {
  std::vector<double> p(static_cast<std::size_t>(s.n_params()), 0.0);
  const Rng rng{seed, 0};
  std::uint32_t n = 0;  // weights: uniforms of iteration 0; means: normals of iteration 1
  for (int l = 0; l <= s.n_layers; ++l) {
    const std::size_t at = layer_offset(s, l);
    const int nin = layer_in(s, l), nout = layer_out(s, l);
    const double limit = std::sqrt(6.0 / (nin + nout)) * (l == s.n_layers ? 0.1 : 1.0);
    for (std::size_t i = 0; i < static_cast<std::size_t>(nin) * nout; ++i)
      p[at + i] = limit * (2 * uniform(rng, 0, Stream::kInit, n++) - 1);
  }
  const std::size_t b_out = layer_offset(s, s.n_layers) + static_cast<std::size_t>(s.n_outputs()) * s.n_hidden;
  const int K = s.n_components, d = s.n_theta;
  for (int i = 0; i < K * d; ++i) p[b_out + K + i] = normal(rng, 1, Stream::kInit, static_cast<std::uint32_t>(i));
  return p;
}

double mdn_loss(const MdnShape& s, const double* params, const double* x, const double* theta, int batch,
                double* grad) {
  // Per-thread buffers, reused across calls (same sizes: no allocation after the first).
  thread_local std::vector<Mat> h;
  thread_local Mat g, prev;
  thread_local std::vector<double> work;
  forward(s, params, x, batch, h);
  const Mat& out = h[s.n_layers + 1];
  const int P = s.n_outputs(), d = s.n_theta;
  g.resize(grad ? P : 0, grad ? batch : 0);
  thread_local std::vector<double> tb, thb, gb;
  thread_local BlockWork bw;
  tb.resize(static_cast<std::size_t>(P) * kBlock);
  thb.resize(static_cast<std::size_t>(d) * kBlock);
  gb.resize(static_cast<std::size_t>(P) * kBlock);
  double total = 0;
  int b = 0;
  for (; b + kBlock <= batch; b += kBlock) {  // kBlock pairs side by side (block_loss)
    for (int v = 0; v < kBlock; ++v) {
      const double* col = out.data() + static_cast<std::size_t>(b + v) * P;
      for (int o = 0; o < P; ++o) tb[static_cast<std::size_t>(o) * kBlock + v] = col[o];
      for (int j = 0; j < d; ++j) thb[static_cast<std::size_t>(j) * kBlock + v] = theta[static_cast<std::size_t>(b + v) * d + j];
    }
    double loss[kBlock];
    block_loss(s, tb.data(), thb.data(), grad ? gb.data() : nullptr, loss, bw);
    for (int v = 0; v < kBlock; ++v) total += loss[v];
    if (grad)
      for (int v = 0; v < kBlock; ++v) {
        double* col = g.data() + static_cast<std::size_t>(b + v) * P;
        for (int o = 0; o < P; ++o) col[o] = gb[static_cast<std::size_t>(o) * kBlock + v];
      }
  }
  for (; b < batch; ++b)
    total += column_loss(s, out.data() + static_cast<std::size_t>(b) * P, theta + static_cast<std::size_t>(b) * d,
                         grad ? g.data() + static_cast<std::size_t>(b) * P : nullptr, work);
  if (!grad) return total;
  for (int l = s.n_layers; l >= 0; --l) {
    const std::size_t at = layer_offset(s, l);
    const int nin = layer_in(s, l), nout = layer_out(s, l);
    MapMat gw(grad + at, nout, nin);
    MapVec gb(grad + at + static_cast<std::size_t>(nout) * nin, nout);
    gw.noalias() += g * h[l].transpose();
    // The bias gradient by a plain loop in column order: Eigen's vectorized rowwise().sum()
    // takes a different path for the rows before an alignment boundary, so its rounding would
    // depend on where the heap put g.
    // (Vectorized over r, which leaves every gb[r]'s sum in the same order.)
    const double* gd = g.data();
    double* gbd = gb.data();
    for (int b = 0; b < g.cols(); ++b) {
      const double* col = gd + static_cast<std::size_t>(b) * nout;
#pragma omp simd
      for (int r = 0; r < nout; ++r) gbd[r] += col[r];
    }
    if (l == 0) break;
    CMapMat w(params + at, nout, nin);
    prev.noalias() = w.transpose() * g;
    g = prev.array() * (1 - h[l].array().square());
  }
  return total;
}

Mixture mixture_at(const MdnShape& s, const double* params, const double* x) {
  const EigenSerial serial;
  std::vector<Mat> h;
  forward(s, params, x, 1, h);
  const double* o = h[s.n_layers + 1].data();
  Mixture m;
  m.k = s.n_components;
  m.d = s.n_theta;
  const int K = m.k, d = m.d;
  m.log_weight.resize(K);
  m.mean.resize(static_cast<std::size_t>(K) * d);
  m.chol.resize(static_cast<std::size_t>(K) * d * d);
  m.log_det.resize(K);
  const double lse = log_sum_exp(o, K);
  for (int k = 0; k < K; ++k) {
    m.log_weight[k] = o[k] - lse;
    const double* mu;
    m.log_det[k] = unpack(s, o, k, &mu, m.chol.data() + static_cast<std::size_t>(k) * d * d);
    std::copy(mu, mu + d, m.mean.begin() + static_cast<std::size_t>(k) * d);
  }
  return m;
}

void mixture_component_log_densities(const Mixture& m, const double* theta, double* l) {
  const int d = m.d;
  for (int k = 0; k < m.k; ++k) {
    const double* U = m.chol.data() + static_cast<std::size_t>(k) * d * d;
    const double* mu = m.mean.data() + static_cast<std::size_t>(k) * d;
    double zz = 0;
    for (int i = 0; i < d; ++i) {
      double v = 0;
      for (int j = i; j < d; ++j) v += U[i * d + j] * (theta[j] - mu[j]);
      zz += v * v;
    }
    l[k] = m.log_weight[k] - 0.5 * d * kLog2Pi + m.log_det[k] - 0.5 * zz;
  }
}

double mixture_log_density(const Mixture& m, const double* theta) {
  double on_stack[64] = {};  // no allocation for K <= 64 (the truncated rounds call this per candidate)
  std::vector<double> on_heap;
  double* l = on_stack;
  if (m.k > 64) {
    on_heap.resize(static_cast<std::size_t>(m.k));
    l = on_heap.data();
  }
  mixture_component_log_densities(m, theta, l);
  return log_sum_exp(l, m.k);
}

void mixture_moments(const Mixture& m, std::vector<double>& mean, std::vector<double>& cov) {
  const int d = m.d;
  mean.assign(d, 0.0);
  cov.assign(static_cast<std::size_t>(d) * d, 0.0);
  std::vector<double> inv(static_cast<std::size_t>(d) * d);
  for (int k = 0; k < m.k; ++k) {
    const double pi = std::exp(m.log_weight[k]);
    const double* U = m.chol.data() + static_cast<std::size_t>(k) * d * d;
    const double* mu = m.mean.data() + static_cast<std::size_t>(k) * d;
    // Column j of U^-1 by back substitution on the unit vector e_j.
    for (int j = 0; j < d; ++j)
      for (int i = d - 1; i >= 0; --i) {
        double v = i == j ? 1.0 : 0.0;
        for (int l = i + 1; l < d; ++l) v -= U[i * d + l] * inv[l * d + j];
        inv[i * d + j] = v / U[i * d + i];
      }
    for (int i = 0; i < d; ++i) {
      mean[i] += pi * mu[i];
      for (int j = 0; j < d; ++j) {
        double sig = 0;
        for (int l = 0; l < d; ++l) sig += inv[i * d + l] * inv[j * d + l];
        cov[i * d + j] += pi * (sig + mu[i] * mu[j]);
      }
    }
  }
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) cov[i * d + j] -= mean[i] * mean[j];
}

void mixture_draw(const Mixture& m, double u, const double* eps, double* theta) {
  const int d = m.d;
  int k = m.k - 1;
  double c = 0;
  for (int i = 0; i < m.k; ++i) {
    c += std::exp(m.log_weight[i]);
    if (u < c) {
      k = i;
      break;
    }
  }
  const double* U = m.chol.data() + static_cast<std::size_t>(k) * d * d;
  const double* mu = m.mean.data() + static_cast<std::size_t>(k) * d;
  // Back substitution: U e = eps, then theta = mu + e (Cov(e) = U^-1 U^-T = Sigma_k).
  for (int i = d - 1; i >= 0; --i) {
    double v = eps[i];
    for (int j = i + 1; j < d; ++j) v -= U[i * d + j] * theta[j];
    theta[i] = v / U[i * d + i];
  }
  for (int i = 0; i < d; ++i) theta[i] += mu[i];
}

}  // namespace npe
}  // namespace lockstep
