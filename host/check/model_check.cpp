#include "host/check/model_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include <Eigen/Dense>

#include "host/check/finite_differences.hpp"
#include "host/run/improper_prior.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace check {
namespace {

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}

bool all_finite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

void add(ModelCheckReport& r, const std::string& name, bool ok, const std::string& detail) {
  r.lines.push_back({name, detail, ok});
}

/// Round trip and finiteness at the points; returns the points with a finite density.
std::vector<std::vector<double>> check_points(const AnyModel& model, const std::vector<std::vector<double>>& points,
                                              const ModelCheckOptions& o, ModelCheckReport& r) {
  std::vector<std::vector<double>> finite;
  int bad = 0;
  double worst_trip = 0;
  std::string trip_error;
  for (const auto& q : points) {
    std::vector<double> g;
    const double lp = model.log_density_and_grad(q, g);
    if (std::isfinite(lp) && all_finite(g))
      finite.push_back(q);
    else
      ++bad;
    try {
      const std::vector<double> back = model.unconstrain(model.constrain(q));
      for (std::size_t i = 0; i < q.size(); ++i) {
        const double e = std::fabs(back.at(i) - q[i]) / std::max(1.0, std::fabs(q[i]));
        worst_trip = std::max(worst_trip, e == e ? e : INFINITY);
      }
    } catch (const std::exception& e) {
      trip_error = e.what();
    }
  }
  add(r, "finite log density and gradient", bad == 0,
      std::to_string(points.size() - bad) + " of " + std::to_string(points.size()) + " points uniform(-" +
          num(o.radius) + ", " + num(o.radius) + ")");
  if (!trip_error.empty())
    add(r, "unconstrain(constrain(q)) = q", false, "unconstrain refused a constrained point: " + trip_error);
  else
    add(r, "unconstrain(constrain(q)) = q", worst_trip <= o.round_trip_tolerance,
        "max relative error " + num(worst_trip) + " (tolerance " + num(o.round_trip_tolerance) + ")");
  return finite;
}

void check_gradient(const AnyModel& model, const std::vector<std::vector<double>>& points,
                    const ModelCheckOptions& o, ModelCheckReport& r) {
  const int dim = model.dim();
  r.coordinates.assign(dim, CoordinateReport{});
  for (int i = 0; i < dim; ++i) {
    r.coordinates[i].label = "q[" + std::to_string(i + 1) + "]";
    r.coordinates[i].parameter = i < static_cast<int>(model.names().size()) ? model.names()[i] : "";
  }
  const LogDensityFn f = [&model](const std::vector<double>& q, std::vector<double>* grad) {
    std::vector<double> g;
    const double lp = model.log_density_and_grad(q, g);
    if (grad) *grad = g;
    return lp;
  };
  for (std::size_t k = 0; k < points.size(); ++k) {
    const std::vector<CoordinateCheck> c = compare_gradient(f, points[k]);
    for (int i = 0; i < dim; ++i) {
      CoordinateReport& cr = r.coordinates[i];
      // Judged beyond the float differencing floor (0 in double: there this is c.relative).
      const double judged = std::max(0.0, c[i].relative - c[i].rounding_floor);
      if (k == 0 || !(judged <= cr.worst_relative)) {
        cr.worst_relative = judged;
        cr.worst_point = static_cast<int>(k) + 1;
        cr.analytic = c[i].analytic;
        cr.finite_difference = c[i].finite_difference;
      }
    }
  }
  for (CoordinateReport& cr : r.coordinates) cr.ok = !points.empty() && cr.worst_relative <= o.tolerance;
}

/// The other views the samplers evaluate the model through (AnyModel::View) against the Dense
/// one at every finite point: the same log density and gradient up to rounding (a view may sum
/// in another order or take the vector transcendentals), so within the gradient tolerance of
/// max(1, |value|). A model that gives one view a path of its own (`if constexpr` on the view
/// type) and gets it wrong there samples another posterior with some samplers only, which the
/// finite differences, taken through the Dense view, never see.
void check_views(const AnyModel& model, const std::vector<std::vector<double>>& points, const ModelCheckOptions& o,
                 ModelCheckReport& r) {
  if (points.empty()) return;
  std::vector<double> lp_dense(points.size());
  std::vector<std::vector<double>> g_dense(points.size());
  for (std::size_t k = 0; k < points.size(); ++k) lp_dense[k] = model.log_density_and_grad(points[k], g_dense[k]);
  const std::pair<AnyModel::View, std::string> views[] = {
      {AnyModel::View::kStrided, "strided view (warmup, GPU)"},
      {AnyModel::View::kBlock, "SIMD block view (static HMC, ChEES, ensemble)"}};
  for (const auto& [view, label] : views) {
    if (view == AnyModel::View::kBlock && kGpuShape) continue;  // one chain per lane: the strided view
    std::vector<std::vector<double>> g;
    const std::vector<double> lp = model.log_density_and_grad_through(view, points, g);
    double worst = 0;
    std::string where;
    for (std::size_t k = 0; k < points.size(); ++k) {
      auto compare = [&](double a, double b, const std::string& what) {
        double e = std::fabs(a - b) / std::max(1.0, std::fabs(a));
        if (!(e == e)) e = INFINITY;
        if (e > worst) {
          worst = e;
          where = what + " at point " + std::to_string(k + 1) + ": " + num(b) + " where the Dense view gives " + num(a);
        }
      };
      compare(lp_dense[k], lp[k], "log density");
      for (std::size_t i = 0; i < g_dense[k].size(); ++i)
        compare(g_dense[k][i], g[k][i], "gradient q[" + std::to_string(i + 1) + "]");
    }
    const bool ok = worst <= o.tolerance;
    add(r, label + " = Dense view", ok,
        "max relative difference " + num(worst) + " at " + std::to_string(points.size()) + " points (tolerance " +
            num(o.tolerance) + ")" + (ok ? "" : "; worst: " + where));
  }
}

/// Draws at indices 0..n-1 are finite, and the same (seed, index) gives the same draw.
template <class Draw>
void check_draws(ModelCheckReport& r, const std::string& name, int n, Draw draw) {
  bool finite = true, same = true;
  std::string error;
  try {
    for (int k = 0; k < n; ++k) {
      const std::vector<double> a = draw(static_cast<std::uint32_t>(k)), b = draw(static_cast<std::uint32_t>(k));
      finite = finite && all_finite(a);
      same = same && a == b;
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty())
    add(r, name, false, error);
  else
    add(r, name, finite && same,
        std::string(finite ? "finite" : "NOT finite") + " at " + std::to_string(n) + " draws, " +
            (same ? "reproducible from (seed, index)" : "NOT reproducible from (seed, index)"));
}

/// The constrained density is the unconstrained one less the transform's log Jacobian:
///   log p(q) = log p_c(theta(q)) + log |det d theta / d q| + const,
/// so log p(q) - log |J(q)| - log p_c(theta(q)) must be the same number at every point (the two
/// densities may drop different constants). J by central differences of theta(q) (the first
/// dim() outputs, the contract's constrained parameters), its log determinant by LU (Eigen).
/// A constrained density that forgets a term (a likelihood's -N log sigma) samples another
/// posterior with the ensemble, which no finiteness check sees.
template <class ThetaOf>
void check_constrained_density(const AnyModel& model, const std::vector<std::vector<double>>& points,
                               const ThetaOf& theta_of, ModelCheckReport& r) {
  const int dim = model.dim();
  // Real = float (the float build): theta(q) and the densities carry float rounding, so a
  // wider step and a tolerance from float's epsilon.
  constexpr double kEps = std::numeric_limits<Real>::epsilon();
  constexpr double kStepRelative = sizeof(Real) < sizeof(double) ? 1e-3 : 1e-5;
  std::vector<double> offsets, g;
  double scale = 1;
  for (const auto& q : points) {
    const double lu = model.log_density_and_grad(q, g);
    const double lc = model.log_density_constrained(theta_of(q));
    if (!std::isfinite(lu) || !std::isfinite(lc)) continue;
    Eigen::MatrixXd jac(dim, dim);
    for (int j = 0; j < dim; ++j) {
      const double h = kStepRelative * std::max(1.0, std::fabs(q[j]));
      std::vector<double> up = q, down = q;
      up[j] += h;
      down[j] -= h;
      const std::vector<double> a = theta_of(up), b = theta_of(down);
      for (int i = 0; i < dim; ++i) jac(i, j) = (a[i] - b[i]) / (2 * h);
    }
    const Eigen::PartialPivLU<Eigen::MatrixXd> lu_of(jac);
    double log_det = 0;
    for (int i = 0; i < dim; ++i) log_det += std::log(std::fabs(lu_of.matrixLU()(i, i)));
    if (!std::isfinite(log_det)) continue;
    offsets.push_back(lu - log_det - lc);
    scale = std::max({scale, std::fabs(lu), std::fabs(lc)});
  }
  if (offsets.size() < 2) return;
  const auto [lo, hi] = std::minmax_element(offsets.begin(), offsets.end());
  // Differencing noise (the Jacobian's entries: eps / step relative, dim of them in the log
  // determinant) and the densities' rounding (eps |lp|); ~1e-6 in double, ~1e-2 in float.
  const double spread = *hi - *lo,
               tolerance = 1e-6 + 1e-8 * scale + 20.0 * dim * kEps / kStepRelative + 100.0 * kEps * scale;
  char text[200];
  std::snprintf(text, sizeof text, "log density - log|Jacobian| - log_density_constrained varies by %.3g over %zu "
                "points (tolerance %.3g)", spread, offsets.size(), tolerance);
  add(r, "log_density_constrained = log density - log|Jacobian|", spread <= tolerance, text);
}

void check_capabilities(const AnyModel& model, const std::vector<std::vector<double>>& points,
                        const ModelCheckOptions& o, ModelCheckReport& r) {
  const int dim = model.dim();
  const int n = std::max(1, o.points);
  auto theta_of = [&](const std::vector<double>& q) {
    const std::vector<double> out = model.constrain(q);
    return std::vector<double>(out.begin(), out.begin() + std::min<std::size_t>(dim, out.size()));
  };
  if (model.has(Capability::kLogDensityConstrained)) {
    int finite = 0;
    for (const auto& q : points) finite += std::isfinite(model.log_density_constrained(theta_of(q)));
    add(r, "log_density_constrained", finite == static_cast<int>(points.size()),
        "finite at " + std::to_string(finite) + " of " + std::to_string(points.size()) + " constrained points");
    check_constrained_density(model, points, theta_of, r);
  }
  std::vector<std::vector<double>> prior;
  // A parameter with an improper prior (the glmm's flat) has NaN prior draws: reported, and the
  // checks that need prior draws use the random points instead.
  const std::string improper =
      model.has(Capability::kPriorDraw) ? improper_prior_names(model.prior_draw(o.seed, 0), model.names()) : "";
  if (!improper.empty()) {
    add(r, "prior_draw", true, "no draws: improper prior for " + improper);
  } else if (model.has(Capability::kPriorDraw)) {
    check_draws(r, "prior_draw", n, [&](std::uint32_t k) { return model.prior_draw(o.seed, k); });
    for (int k = 0; k < n; ++k) prior.push_back(model.prior_draw(o.seed, static_cast<std::uint32_t>(k)));
    int inside = 0;
    std::string error;
    for (const auto& theta : prior) {
      try {
        std::vector<double> outputs = theta, g;
        outputs.resize(model.names().size(), 0.0);
        const double lp = model.log_density_and_grad(model.unconstrain(outputs), g);
        inside += std::isfinite(lp);
      } catch (const std::exception& e) {
        error = e.what();
      }
    }
    add(r, "prior draws inside the support", inside == n,
        error.empty() ? std::to_string(inside) + " of " + std::to_string(n) + " have a finite posterior log density"
                      : "unconstrain refused a prior draw: " + error);
  }
  if (model.has(Capability::kLogPrior)) {
    const auto& at = prior.empty() ? points : prior;
    int finite = 0;
    for (const auto& p : at) finite += std::isfinite(model.log_prior(prior.empty() ? theta_of(p) : p));
    add(r, "log_prior", finite == static_cast<int>(at.size()),
        "finite at " + std::to_string(finite) + " of " + std::to_string(at.size()) +
            (prior.empty() ? " constrained points" : " prior draws"));
  }
  if (model.has(Capability::kSimulate)) {
    const auto& at = prior.empty() ? points : prior;
    check_draws(r, "simulate", static_cast<int>(at.size()), [&](std::uint32_t k) {
      return model.simulate(prior.empty() ? theta_of(at[k]) : at[k], o.seed, k);
    });
  }
  if (model.has(Capability::kGeneratedQuantities) && !points.empty()) {
    check_draws(r, "generated_quantities", static_cast<int>(points.size()),
                [&](std::uint32_t k) { return model.generated_quantities(points[k], o.seed, k); });
    const bool replicates = !model.observed_name().empty() && model.observed().size() == model.generated_names().size();
    add(r, "generated quantities replicate observed data", replicates,
        replicates ? "'" + model.observed_name() + "', " + std::to_string(model.observed().size()) + " values"
                   : "load() sets no Loaded::observed_name and observed of the generated quantities' size ("
                     + std::to_string(model.generated_names().size()) + "): `sample --predict` refuses the model");
  }
}

}  // namespace

bool ModelCheckReport::ok() const { return failures() == 0; }

int ModelCheckReport::failures() const {
  int n = 0;
  for (const auto& c : coordinates) n += !c.ok;
  for (const auto& l : lines) n += !l.ok;
  return n;
}

void validate(const ModelCheckOptions& o) {
  if (o.points < 1) throw InputError("--points: must be at least 1, found " + std::to_string(o.points));
  if (!(o.radius > 0) || !std::isfinite(o.radius)) throw InputError("--radius: must be a positive number");
  if (!(o.tolerance > 0)) throw InputError("--tolerance: must be positive");
}

ModelCheckReport check_model(const AnyModel& model, const ModelCheckOptions& o) {
  validate(o);
  ModelCheckReport r;
  r.model = model.info().name;
  r.dim = model.dim();
  PointGenerator gen(o.seed);
  std::vector<std::vector<double>> points;
  for (int k = 0; k < o.points; ++k) points.push_back(gen.point(r.dim, -o.radius, o.radius));
  const std::vector<std::vector<double>> finite = check_points(model, points, o, r);
  check_gradient(model, finite, o, r);
  check_views(model, finite, o, r);
  check_capabilities(model, finite, o, r);
  return r;
}

void print_report(std::ostream& out, const ModelCheckReport& r, const ModelCheckOptions& o) {
  out << "lockstep check: model " << r.model << ", " << r.dim << " unconstrained coordinates, " << o.points
      << " points uniform(-" << num(o.radius) << ", " << num(o.radius) << "), seed " << o.seed << "\n\n";
  out << "Gradient against finite differences (Richardson-extrapolated central differences):\n";
  char line[256];
  std::snprintf(line, sizeof line, "  %-8s %-18s %12s %6s %15s %15s\n", "coord", "parameter", "max rel err",
                "point", "analytic", "finite diff");
  out << line;
  for (const CoordinateReport& c : r.coordinates) {
    std::snprintf(line, sizeof line, "  %-8s %-18s %12.3g %6d %15.8g %15.8g  %s\n", c.label.c_str(),
                  c.parameter.c_str(), c.worst_relative,
                  c.worst_point, c.analytic, c.finite_difference, c.ok ? "ok" : "FAILED");
    out << line;
  }
  out << "  (relative error |g - fd| / max(1, |g|)"
      << (sizeof(Real) < sizeof(double) ? " beyond float differencing's floor 4 eps max(1, |lp|) / h" : "")
      << ", tolerance " << num(o.tolerance)
      << "; parameter: the output at the coordinate's position, of which the coordinate may be a transform)\n\n";
  for (const CheckLine& l : r.lines) out << "  " << (l.ok ? "ok      " : "FAILED  ") << l.name << ": " << l.detail << "\n";
  const int f = r.failures();
  out << "\n" << (f == 0 ? std::string("check passed") : "check FAILED (" + std::to_string(f) + " failed)") << "\n";
}

}  // namespace check
}  // namespace lockstep
