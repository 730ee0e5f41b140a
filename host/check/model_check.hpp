#pragma once
// The checks of `lockstep check` on any registered model (AnyModel), as a report: the
// gradient against finite differences at random unconstrained points (per coordinate, the
// worst relative error), the round trip unconstrain(constrain(q)) = q, a finite log density
// and gradient at every point (the samplers' initial points are drawn the same way), and the
// optional capabilities of the model contract: finite and reproducible draws, a finite log
// prior at prior draws, and so on.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "host/check/finite_differences.hpp"
#include "host/registry/any_model.hpp"

namespace lockstep {
namespace check {

struct ModelCheckOptions {
  int points = 10;           // random unconstrained points
  double radius = 2.0;       // uniform(-radius, radius) per coordinate (Stan's initialization)
  double tolerance = kGradRelTol;   // gradient: |g - fd| <= tolerance * max(1, |g|)
  double round_trip_tolerance = kRoundTripRelTol;  // |q' - q| <= tol * max(1, |q|)
  std::uint64_t seed = 1;
};

/// The worst finite-difference comparison of one unconstrained coordinate over the points.
struct CoordinateReport {
  std::string label;          // "q[3]"
  std::string parameter;      // the output at the same position (q may be its transform)
  double worst_relative = 0;  // max over points of |g - fd| / max(1, |g|)
  int worst_point = 0;        // 1-based
  double analytic = 0, finite_difference = 0;  // at the worst point
  bool ok = true;
};

/// One line of the report: a named check and whether it passed.
struct CheckLine {
  std::string name;
  std::string detail;
  bool ok = true;
};

struct ModelCheckReport {
  std::string model;
  int dim = 0;
  std::vector<CoordinateReport> coordinates;
  std::vector<CheckLine> lines;  // round trip, finite points, capabilities
  bool ok() const;
  int failures() const;
};

/// InputError naming the flag (--points, --radius, --tolerance) for a bad option.
void validate(const ModelCheckOptions& options);

/// Runs every check; never throws for a failed check (the report says so). Points where the
/// log density is not finite are reported and left out of the gradient comparison.
ModelCheckReport check_model(const AnyModel& model, const ModelCheckOptions& options);

/// The report as a table and lines, ending with "check passed" or "check FAILED (n)".
void print_report(std::ostream& out, const ModelCheckReport& report, const ModelCheckOptions& options);

}  // namespace check
}  // namespace lockstep
