// `lockstep check MODEL --data FILE [--set k=v]`: the model's gradient against finite
// differences, its transform round trip, a finite log density at initial points, and its
// optional capabilities (host/check/model_check.hpp). Exit status 1 when a check fails.
#include <iostream>
#include <memory>

#include "host/check/model_check.hpp"
#include "host/cli/commands.hpp"

namespace lockstep {
namespace cli {

int run_check(const CheckOptions& o) {
  check_threads(o.threads);
  select_backend(o.backend);
  check::ModelCheckOptions c;
  c.points = o.points;
  c.radius = o.radius;
  c.tolerance = o.tolerance;
  c.seed = o.seed >= 0 ? static_cast<std::uint64_t>(o.seed) : 1;  // reproducible by default
  if (o.seed < -1) resolve_seed(o.seed);  // the one-line error for a bad --seed
  check::validate(c);
  const std::unique_ptr<AnyModel> model = load_model_for(o);
  const check::ModelCheckReport report = check::check_model(*model, c);
  check::print_report(std::cout, report, c);
  return report.ok() ? 0 : 1;
}

}  // namespace cli
}  // namespace lockstep
