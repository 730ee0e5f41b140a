// vmath_bench: throughput of the project's branch-free exp/log (kernels/core/vmath.hpp)
// against glibc's scalar std::exp/std::log, in the shapes models use them.
//
//   vmath_bench [seconds_per_case]      (default 0.3)
//
// First validates vm::exp/vm::log (double and float) on a sample against long-double std::
// references (max error must be <= 1 ulp, else exit status 1 and no timings); then prints
// evaluations per second (best of 7 interleaved rounds over a 16384-element, L2-resident
// array; interleaving makes load from other processes hit every case alike)
// for:
//   std::exp scalar loop          glibc, one call per element (does not vectorize without
//                                 -ffast-math, which the project never uses)
//   vm::exp scalar (no SIMD)       the same loop with vectorization disabled: what one GPU
//                                 thread / one lane does
//   vm::exp array loop             a plain loop over the array, auto-vectorized
//   vm::exp Batch<8>               through lockstep::Batch<8>, as models over T = Batch<8> do
// and the same for log, plus float array loops.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "kernels/core/batch.hpp"
#include "kernels/core/vmath.hpp"

namespace {

namespace m = lockstep::m;
namespace vm = lockstep::vm;
using B8 = lockstep::Batch<8>;

constexpr int kN = 16384;  // elements per pass (128 KiB of doubles: stays in L2)

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto p = line.find(':');
      return p == std::string::npos ? line : line.substr(p + 2);
    }
  }
  return "unknown";
}

std::string isa() {
  std::string s;
#if defined(__AVX512F__)
  s += "avx512f ";
#endif
#if defined(__AVX2__)
  s += "avx2 ";
#endif
#if defined(__FMA__)
  s += "fma ";
#endif
#if defined(__SSE4_1__)
  s += "sse4.1 ";
#endif
  return s.empty() ? "baseline" : s;
}

std::uint64_t state = 0x243f6a8885a308d3ull;
double uniform(double a, double b) {
  state = state * 6364136223846793005ull + 1442695040888963407ull;
  return a + (b - a) * ((state >> 11) * 0x1p-53);
}

/// Error in ulps of the double nearest to the long-double reference.
double ulp_error(double got, long double ref) {
  const double r = static_cast<double>(ref);
  if (!std::isfinite(r)) return got == r ? 0.0 : INFINITY;
  int e;
  std::frexp(r == 0.0 ? 0x1p-1022 : std::fabs(r), &e);
  const long double ulp = std::ldexp(1.0L, e - 53 < -1074 ? -1074 : e - 53);
  return static_cast<double>(std::fabs(got - ref) / ulp);
}
double ulp_error_f(float got, double ref) {
  const float r = static_cast<float>(ref);
  if (!std::isfinite(r)) return got == r ? 0.0 : INFINITY;
  int e;
  std::frexp(r == 0.0f ? 0x1p-126 : std::fabs(ref), &e);
  return std::fabs(got - ref) / std::ldexp(1.0, e - 24 < -149 ? -149 : e - 24);
}

bool validate() {
  double we = 0, wl = 0, wef = 0, wlf = 0;
  for (int i = 0; i < 200000; ++i) {
    const double x = uniform(-745.0, 709.7);
    we = std::fmax(we, ulp_error(vm::exp(x), std::exp(static_cast<long double>(x))));
    const double y = std::exp2(uniform(-1074.0, 1023.9));
    wl = std::fmax(wl, ulp_error(vm::log(y), std::log(static_cast<long double>(y))));
    const float xf = static_cast<float>(uniform(-103.0, 88.7));
    wef = std::fmax(wef, ulp_error_f(vm::exp(xf), std::exp(static_cast<double>(xf))));
    const float yf = static_cast<float>(std::exp2(uniform(-149.0, 127.9)));
    if (yf > 0.0f) wlf = std::fmax(wlf, ulp_error_f(vm::log(yf), std::log(static_cast<double>(yf))));
  }
  const bool special = vm::exp(-INFINITY) == 0.0 && vm::exp(INFINITY) == INFINITY &&
                       std::isnan(vm::exp(NAN)) && vm::log(0.0) == -INFINITY &&
                       std::isnan(vm::log(-1.0)) && vm::log(INFINITY) == INFINITY;
  std::printf("validation (200000 points each): max error exp %.3f ulp, log %.3f ulp, "
              "expf %.3f ulp, logf %.3f ulp; special values %s\n",
              we, wl, wef, wlf, special ? "ok" : "WRONG");
  return we <= 1.0 && wl <= 1.0 && wef <= 1.0 && wlf <= 1.0 && special;
}

// ---- the timed kernels (noinline so each is measured as written) ------------------------

__attribute__((noinline)) void std_exp(const double* x, double* y) {
  for (int i = 0; i < kN; ++i) y[i] = std::exp(x[i]);
}
__attribute__((noinline)) void std_log(const double* x, double* y) {
  for (int i = 0; i < kN; ++i) y[i] = std::log(x[i]);
}
__attribute__((noinline, optimize("no-tree-vectorize", "no-tree-slp-vectorize"))) void
m_exp_scalar(const double* x, double* y) {
  for (int i = 0; i < kN; ++i) y[i] = vm::exp(x[i]);
}
__attribute__((noinline, optimize("no-tree-vectorize", "no-tree-slp-vectorize"))) void
m_log_scalar(const double* x, double* y) {
  for (int i = 0; i < kN; ++i) y[i] = vm::log(x[i]);
}
__attribute__((noinline)) void m_exp_array(const double* __restrict x, double* __restrict y) {
  for (int i = 0; i < kN; ++i) y[i] = vm::exp(x[i]);
}
__attribute__((noinline)) void m_log_array(const double* __restrict x, double* __restrict y) {
  for (int i = 0; i < kN; ++i) y[i] = vm::log(x[i]);
}
__attribute__((noinline)) void m_exp_batch(const B8* x, B8* y) {
  for (int i = 0; i < kN / 8; ++i) y[i] = m::exp(x[i]);
}
__attribute__((noinline)) void m_log_batch(const B8* x, B8* y) {
  for (int i = 0; i < kN / 8; ++i) y[i] = m::log(x[i]);
}
__attribute__((noinline)) void std_expf(const float* x, float* y) {
  for (int i = 0; i < kN; ++i) y[i] = std::exp(x[i]);
}
__attribute__((noinline)) void std_logf(const float* x, float* y) {
  for (int i = 0; i < kN; ++i) y[i] = std::log(x[i]);
}
__attribute__((noinline)) void m_expf_array(const float* __restrict x, float* __restrict y) {
  for (int i = 0; i < kN; ++i) y[i] = vm::exp(x[i]);
}
__attribute__((noinline)) void m_logf_array(const float* __restrict x, float* __restrict y) {
  for (int i = 0; i < kN; ++i) y[i] = vm::log(x[i]);
}

double sink = 0.0;

/// One timed case: `passes` calls of `pass` (kN evaluations each) take about the
/// requested time; `best` is the best rate seen over the interleaved rounds.
struct Case {
  const char* name;
  std::function<void()> pass;
  long passes = 1;
  double best = 0.0;
};

double seconds_of(const Case& c, long passes) {
  const auto t0 = std::chrono::steady_clock::now();
  for (long p = 0; p < passes; ++p) c.pass();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Calibrates every case, then runs `rounds` rounds that time each case once in turn, so
/// that load from other processes on a shared machine hits all cases alike; keeps the best.
void measure(std::vector<Case>& cases, double seconds, int rounds) {
  for (Case& c : cases) {
    while (seconds_of(c, c.passes) < seconds / 4 && c.passes < (1L << 30)) c.passes *= 2;
    c.passes *= 4;
  }
  for (int r = 0; r < rounds; ++r) {
    for (Case& c : cases) {
      const double dt = seconds_of(c, c.passes);
      c.best = std::fmax(c.best, static_cast<double>(c.passes) * kN / dt);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 0.3;
  std::string cmd;
  for (int i = 0; i < argc; ++i) cmd += (i ? " " : "") + std::string(argv[i]);
  std::printf("command: %s\nmachine: %s\ncompiler: g++ %s, ISA macros: %s\n", cmd.c_str(),
              cpu_model().c_str(), __VERSION__, isa().c_str());
  if (!(seconds > 0.0)) {
    std::fprintf(stderr, "vmath_bench: seconds_per_case must be > 0, got '%s'\n", argv[1]);
    return 2;
  }
  if (!validate()) {
    std::fprintf(stderr, "vmath_bench: validation failed, no timings reported\n");
    return 1;
  }

  std::vector<B8> xe(kN / 8), xl(kN / 8), y(kN / 8);
  std::vector<float> xef(kN), xlf(kN), yf(kN);
  double* pxe = &xe[0][0];
  double* pxl = &xl[0][0];
  double* py = &y[0][0];
  for (int i = 0; i < kN; ++i) {
    pxe[i] = uniform(-700.0, 700.0);
    pxl[i] = std::exp2(uniform(-1000.0, 1000.0));
    xef[i] = static_cast<float>(uniform(-85.0, 85.0));
    xlf[i] = static_cast<float>(std::exp2(uniform(-120.0, 120.0)));
  }
  // The timed kernels must agree with the validated scalar routine, lane for lane.
  m_exp_batch(xe.data(), y.data());
  for (int i = 0; i < kN; ++i) {
    if (!(py[i] == vm::exp(pxe[i]))) {
      std::fprintf(stderr, "vmath_bench: Batch<8> exp differs from scalar at %d\n", i);
      return 1;
    }
  }

  std::vector<Case> cases = {
      {"std::exp scalar loop", [&] { std_exp(pxe, py); }},
      {"vm::exp scalar (no SIMD)", [&] { m_exp_scalar(pxe, py); }},
      {"vm::exp array loop (auto-vectorized)", [&] { m_exp_array(pxe, py); }},
      {"vm::exp Batch<8>", [&] { m_exp_batch(xe.data(), y.data()); }},
      {"std::log scalar loop", [&] { std_log(pxl, py); }},
      {"vm::log scalar (no SIMD)", [&] { m_log_scalar(pxl, py); }},
      {"vm::log array loop (auto-vectorized)", [&] { m_log_array(pxl, py); }},
      {"vm::log Batch<8>", [&] { m_log_batch(xl.data(), y.data()); }},
      {"std::exp float scalar loop", [&] { std_expf(xef.data(), yf.data()); }},
      {"vm::exp float array loop", [&] { m_expf_array(xef.data(), yf.data()); }},
      {"std::log float scalar loop", [&] { std_logf(xlf.data(), yf.data()); }},
      {"vm::log float array loop", [&] { m_logf_array(xlf.data(), yf.data()); }},
  };
  constexpr int kRounds = 7;
  measure(cases, seconds, kRounds);
  std::printf("evaluations per second (double unless noted; best of %d interleaved rounds of "
              "~%.2f s; %d-element array):\n", kRounds, seconds, kN);
  for (const Case& c : cases) std::printf("  %-36s %8.1f M evals/s\n", c.name, c.best / 1e6);
  std::printf("speed-up of m:: Batch<8> over std:: scalar: exp %.2fx, log %.2fx\n",
              cases[3].best / cases[0].best, cases[7].best / cases[4].best);
  sink += py[kN / 2] + yf[kN / 2];
  std::printf("(checksum %g)\n", sink);
  return 0;
}
