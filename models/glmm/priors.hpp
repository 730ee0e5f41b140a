#pragma once
// Priors of the glmm family: brms's classes and names, parsed from --prior (host), and their
// log densities with derivatives (device: LS_HD, over Real or Batch<W>).
//
//   class       what it covers                                  e.g.
//   Intercept   the intercept column of the design               Intercept ~ normal(0, 10)
//   b           every other fixed coefficient                    b ~ normal(0, 1)
//   b_<coef>    one of them, by its output name without b_       b_floor ~ normal(0, 1)
//   sd          every scale of a varying effect                  sd ~ half_normal(0, 1)
//   sd_<g>      the scales of grouping factor g                  sd_county ~ exponential(1)
//   sd_<g>__<c> one scale                                        sd_county__floor ~ half_cauchy(0, 1)
//   sigma       the residual scale (gaussian)                    sigma ~ exponential(1)
// The most specific prior wins; one target twice is an error, so is a target the formula lacks.
//
// Distributions (arguments are numbers):
//   coefficients: normal(mu, s), student_t(nu, mu, s), cauchy(mu, s), flat
//   scales:       half_normal(0, s), half_cauchy(0, s), half_student_t(nu, 0, s), exponential(rate),
//                 flat (improper on (0, inf)); also normal / student_t / cauchy, truncated at 0
//                 as brms does for a class with a lower bound.
//
// Defaults (brms's, from the response y): Intercept ~ student_t(3, m, S) with m = median(y)
// rounded to one decimal and S = max(2.5, mad(y) rounded to one decimal), b ~ flat,
// sd ~ half_student_t(3, 0, S), sigma ~ half_student_t(3, 0, S). brms puts the Intercept prior
// on the intercept of centred predictors; here it is on the intercept of the design as given.
//
// Log densities (up to constants), t = (x - mu) / s:
//   normal      -t^2 / 2                       d/dx = -t / s
//   student_t   -(nu + 1)/2 log(1 + t^2/nu)    d/dx = -(nu + 1) t / (s (nu + t^2))   (cauchy: nu = 1)
//   exponential -rate x                        d/dx = -rate
// A scale s = exp(u) is sampled as u: its log density is log p(s) + u (the log-Jacobian), and
// d/du = s d/ds log p(s) + 1.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/parse_number.hpp"
#include "models/glmm/number_text.hpp"

namespace lockstep {
namespace models {
namespace glmm {

enum PriorKind : int { kFlat = 0, kNormal = 1, kStudentT = 2, kExponential = 3 };

/// log p(x) of a coefficient prior (par = nu, mu, s) and its derivative.
template <class T>
LS_HD LS_INLINE T coef_log_prior(int kind, const Real* par, const T& x, T& dx) {
  if (kind == kNormal) {
    const Real inv_s = Real(1) / par[2];
    const T t = (x - par[1]) * inv_s;
    dx = -t * inv_s;
    return Real(-0.5) * t * t;
  }
  if (kind == kStudentT) {
    const Real nu = par[0], inv_s = Real(1) / par[2];
    const T t = (x - par[1]) * inv_s;
    const T t2 = t * t;
    dx = -(nu + Real(1)) * inv_s * t / (nu + t2);
    return Real(-0.5) * (nu + Real(1)) * m::log1p(t2 * (Real(1) / nu));
  }
  dx = T(Real(0));
  return T(Real(0));
}

/// log p(s) + u of a scale s = exp(u) (par = nu, mu, s0; exponential: rate in par[2]) and its
/// derivative in u.
template <class T>
LS_HD LS_INLINE T scale_log_prior(int kind, const Real* par, const T& s, const T& u, T& du) {
  if (kind == kExponential) {
    const T rs = par[2] * s;
    du = Real(1) - rs;
    return u - rs;
  }
  T dx;
  const T lp = coef_log_prior(kind, par, s, dx);
  du = Real(1) + dx * s;
  return lp + u;
}

/// A parsed distribution.
struct PriorSpec {
  int kind = kFlat;
  Real nu = 0, mu = 0, s = 1;  // exponential: s is the rate
  std::string text;            // as printed: "normal(0, 10)"
};

inline std::string prior_number(double x) { return number_text(x); }

/// Parses "normal(0, 10)" for a coefficient (scale = false) or a scale; `flag` names the
/// --prior for messages.
inline PriorSpec parse_distribution(const std::string& text, bool scale, const std::string& flag) {
  auto bad = [&](const std::string& what) -> PriorSpec { throw InputError(flag + ": " + what); };
  std::string t;
  for (char c : text)
    if (c != ' ' && c != '\t') t += c;
  std::string name = t;
  std::vector<double> args;
  const std::size_t open = t.find('(');
  if (open != std::string::npos) {
    if (t.back() != ')') bad("expected a distribution such as normal(0, 1), found '" + text + "'");
    name = t.substr(0, open);
    std::string inner = t.substr(open + 1, t.size() - open - 2);
    if (!inner.empty()) {
      std::size_t start = 0;
      while (true) {
        const std::size_t comma = inner.find(',', start);
        const std::string a = inner.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        double v;
        if (!parse_real(a, v)) bad("'" + a + "' is not a number (in " + name + ")");
        args.push_back(v);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
  }
  const std::string coef_list = "normal(mu, s), student_t(nu, mu, s), cauchy(mu, s), flat";
  const std::string scale_list =
      "half_normal(0, s), half_cauchy(0, s), half_student_t(nu, 0, s), exponential(rate), flat";
  auto need = [&](std::size_t n, const char* form) {
    if (args.size() != n)
      bad(name + " takes " + std::to_string(n) + (n == 1 ? " argument" : " arguments") + ": " + form);
  };
  auto positive = [&](double v, const char* what) {
    if (!(v > 0)) bad(name + ": " + what + " must be positive, found " + prior_number(v));
  };
  PriorSpec p;
  if (name == "flat") {
    if (open != std::string::npos && !args.empty()) bad("flat takes no arguments");
    p.kind = kFlat;
  } else if (name == "normal" || name == "half_normal") {
    if (name == "half_normal" && !scale) bad("half_normal is a prior for scales; coefficients take " + coef_list);
    need(2, "(mu, s)");
    positive(args[1], "the scale s");
    if (name == "half_normal" && args[0] != 0) bad("half_normal's location must be 0, found " + prior_number(args[0]));
    p.kind = kNormal;
    p.mu = args[0];
    p.s = args[1];
  } else if (name == "cauchy" || name == "half_cauchy") {
    if (name == "half_cauchy" && !scale) bad("half_cauchy is a prior for scales; coefficients take " + coef_list);
    need(2, "(mu, s)");
    positive(args[1], "the scale s");
    if (name == "half_cauchy" && args[0] != 0) bad("half_cauchy's location must be 0, found " + prior_number(args[0]));
    p.kind = kStudentT;
    p.nu = 1;
    p.mu = args[0];
    p.s = args[1];
  } else if (name == "student_t" || name == "half_student_t") {
    if (name == "half_student_t" && !scale) bad("half_student_t is a prior for scales; coefficients take " + coef_list);
    need(3, "(nu, mu, s)");
    positive(args[0], "the degrees of freedom nu");
    positive(args[2], "the scale s");
    if (name == "half_student_t" && args[1] != 0)
      bad("half_student_t's location must be 0, found " + prior_number(args[1]));
    p.kind = kStudentT;
    p.nu = args[0];
    p.mu = args[1];
    p.s = args[2];
  } else if (name == "exponential") {
    if (!scale) bad("exponential is a prior for scales; coefficients take " + coef_list);
    need(1, "(rate)");
    positive(args[0], "the rate");
    p.kind = kExponential;
    p.s = args[0];
  } else {
    bad("unknown distribution '" + name + "' (" + (scale ? "scales take " + scale_list : "coefficients take " + coef_list) + ")");
  }
  // The canonical text.
  std::string a;
  for (std::size_t i = 0; i < args.size(); ++i) a += (i ? ", " : "") + prior_number(args[i]);
  p.text = name == "flat" ? "flat" : name + "(" + a + ")";
  return p;
}

/// One --prior "target ~ distribution", split.
struct PriorStatement {
  std::string target;
  std::string distribution;
  std::string flag;  // --prior "..." for messages
};

inline PriorStatement split_prior(const std::string& text) {
  PriorStatement st;
  st.flag = "--prior \"" + text + "\"";
  const std::size_t tilde = text.find('~');
  if (tilde == std::string::npos) throw InputError(st.flag + ": expected 'class ~ distribution', e.g. 'b ~ normal(0, 1)'");
  auto strip = [](std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(s.begin());
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    return s;
  };
  st.target = strip(text.substr(0, tilde));
  st.distribution = strip(text.substr(tilde + 1));
  if (st.target.empty()) throw InputError(st.flag + ": no class before '~'");
  if (st.distribution.empty()) throw InputError(st.flag + ": no distribution after '~'");
  return st;
}

}  // namespace glmm
}  // namespace models
}  // namespace lockstep
