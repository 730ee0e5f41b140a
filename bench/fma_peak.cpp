// Peak floating-point rate of this CPU, measured: fused multiply-adds on independent registers.
//
//   build/fma_peak [--seconds S] [--threads T]
//
// Method. Each thread keeps K = 16 independent vector accumulators x_k and repeats
// x_k <- x_k * a + b (one FMA = 2 FLOPs per lane) for N rounds. With K independent chains the
// loop is bound by FMA throughput, not latency, as long as K >= latency x FMA ports (4 x 2 = 8 on
// recent x86 cores; Intel 64 and IA-32 Architectures Optimization Reference Manual, "FMA
// latency and throughput" tables). The widest vectors the build enables are used: AVX-512
// (8 doubles / 16 floats per FMA), else AVX2+FMA (4 / 8), else scalar std::fma. a = 1 - 2^-20
// and b = 2^-30 keep every x_k bounded and normal, so no subnormal slow paths occur.
//
// Reports, for double and float, single-thread and all-thread GFLOP/s = 2 x lanes x K x N x
// threads / seconds (best of 3 timed repetitions after one warm-up repetition), plus the ISA
// used, as ONE JSON line on stdout. These are the denominators of bench/run_all's "fraction of
// peak" (bench/flops.md).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__AVX512F__) || defined(__FMA__)
#include <immintrin.h>
#endif

namespace {

constexpr int kAcc = 16;  // independent accumulators per thread

#if defined(__AVX512F__)
const char* kIsa = "avx512";
struct VD {
  __m512d v;
  static constexpr int kLanes = 8;
  static VD set(double x) { return {_mm512_set1_pd(x)}; }
  static VD fma(VD x, VD a, VD b) { return {_mm512_fmadd_pd(x.v, a.v, b.v)}; }
  double sum() const {
    alignas(64) double t[8];
    _mm512_store_pd(t, v);
    double s = 0;
    for (double d : t) s += d;
    return s;
  }
};
struct VF {
  __m512 v;
  static constexpr int kLanes = 16;
  static VF set(float x) { return {_mm512_set1_ps(x)}; }
  static VF fma(VF x, VF a, VF b) { return {_mm512_fmadd_ps(x.v, a.v, b.v)}; }
  double sum() const {
    alignas(64) float t[16];
    _mm512_store_ps(t, v);
    double s = 0;
    for (float f : t) s += f;
    return s;
  }
};
#elif defined(__FMA__)
const char* kIsa = "avx2+fma";
struct VD {
  __m256d v;
  static constexpr int kLanes = 4;
  static VD set(double x) { return {_mm256_set1_pd(x)}; }
  static VD fma(VD x, VD a, VD b) { return {_mm256_fmadd_pd(x.v, a.v, b.v)}; }
  double sum() const {
    alignas(32) double t[4];
    _mm256_store_pd(t, v);
    return t[0] + t[1] + t[2] + t[3];
  }
};
struct VF {
  __m256 v;
  static constexpr int kLanes = 8;
  static VF set(float x) { return {_mm256_set1_ps(x)}; }
  static VF fma(VF x, VF a, VF b) { return {_mm256_fmadd_ps(x.v, a.v, b.v)}; }
  double sum() const {
    alignas(32) float t[8];
    _mm256_store_ps(t, v);
    double s = 0;
    for (float f : t) s += f;
    return s;
  }
};
#else
const char* kIsa = "scalar";
struct VD {
  double v;
  static constexpr int kLanes = 1;
  static VD set(double x) { return {x}; }
  static VD fma(VD x, VD a, VD b) { return {std::fma(x.v, a.v, b.v)}; }
  double sum() const { return v; }
};
struct VF {
  float v;
  static constexpr int kLanes = 1;
  static VF set(float x) { return {x}; }
  static VF fma(VF x, VF a, VF b) { return {std::fma(x.v, a.v, b.v)}; }
  double sum() const { return v; }
};
#endif

/// Runs `rounds` rounds of kAcc FMAs on one thread; returns a checksum so nothing is elided.
template <class V>
double kernel(long rounds, int seed) {
  V x[kAcc];
  for (int k = 0; k < kAcc; ++k) x[k] = V::set(1.0 + 1e-3 * (k + seed));
  const V a = V::set(1.0 - std::ldexp(1.0, -20));
  const V b = V::set(std::ldexp(1.0, -30));
  for (long r = 0; r < rounds; ++r) {
#pragma GCC unroll 16
    for (int k = 0; k < kAcc; ++k) x[k] = V::fma(x[k], a, b);
  }
  double s = 0;
  for (int k = 0; k < kAcc; ++k) s += x[k].sum();
  return s;
}

/// GFLOP/s of `threads` threads each running kernel<V>(rounds); best of 3 after a warm-up.
template <class V>
double measure(int threads, long rounds, double* checksum) {
  double best = 0;
  for (int rep = 0; rep < 4; ++rep) {
    double sink = 0;
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    { sink += kernel<V>(rounds, omp_get_thread_num()); }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    *checksum += sink;
    if (rep == 0) continue;
    const double flops = 2.0 * V::kLanes * kAcc * static_cast<double>(rounds) * threads;
    best = std::max(best, flops / s / 1e9);
  }
  return best;
}

/// Rounds so that one repetition of one thread takes about `seconds`.
template <class V>
long calibrate(double seconds) {
  long rounds = 1 << 16;
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    volatile double s = kernel<V>(rounds, 0);
    (void)s;
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (t > 0.05 || rounds > (1L << 40)) return static_cast<long>(rounds * seconds / std::max(t, 1e-9));
    rounds *= 4;
  }
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0.5;
  int threads = omp_get_num_procs();
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: fma_peak [--seconds S] [--threads T]\n");
      return 2;
    }
  }
  if (!(seconds > 0) || threads < 1) {
    std::fprintf(stderr, "fma_peak: --seconds must be positive and --threads at least 1\n");
    return 2;
  }
  double checksum = 0;
  const long rd = calibrate<VD>(seconds), rf = calibrate<VF>(seconds);
  const double d1 = measure<VD>(1, rd, &checksum), f1 = measure<VF>(1, rf, &checksum);
  const double dn = measure<VD>(threads, rd, &checksum), fn = measure<VF>(threads, rf, &checksum);
  std::printf(
      "{\"isa\": \"%s\", \"accumulators\": %d, \"threads\": %d, \"fp64_gflops_1thread\": %.3f, "
      "\"fp64_gflops_all\": %.3f, \"fp32_gflops_1thread\": %.3f, \"fp32_gflops_all\": %.3f, "
      "\"checksum\": %.6g}\n",
      kIsa, kAcc, threads, d1, dn, f1, fn, checksum);
  return 0;
}
