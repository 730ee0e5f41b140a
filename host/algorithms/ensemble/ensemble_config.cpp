// Parsing and checks of EnsembleConfig (see ensemble_config.hpp).
#include "host/algorithms/ensemble/ensemble_config.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "host/core/text.hpp"
#include "models/contract/data_source.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/parse_number.hpp"

namespace lockstep {

std::string move_name(ensemble::MoveKind kind) {
  switch (kind) {
    case ensemble::MoveKind::kStretch: return "stretch";
    case ensemble::MoveKind::kDifferentialEvolution: return "de";
    case ensemble::MoveKind::kWalk: return "walk";
  }
  return "?";
}

std::vector<WeightedMove> parse_moves(const std::string& spec) {
  const std::string usage = " (moves: stretch, de, walk, or a mixture such as stretch:0.8,de:0.2)";
  if (trim(spec).empty()) throw InputError("--move: empty" + usage);
  std::vector<WeightedMove> out;
  for (const std::string& item : split(spec, ',')) {
    const std::size_t colon = item.find(':');
    const std::string name(trim(item.substr(0, colon)));
    WeightedMove m;
    if (name == "stretch") {
      m.kind = ensemble::MoveKind::kStretch;
    } else if (name == "de") {
      m.kind = ensemble::MoveKind::kDifferentialEvolution;
    } else if (name == "walk") {
      m.kind = ensemble::MoveKind::kWalk;
    } else {
      throw InputError("--move: unknown move '" + name + "'" + usage);
    }
    if (colon != std::string::npos) {
      const std::string w(trim(item.substr(colon + 1)));
      if (!parse_real(w, m.weight) || !(m.weight > 0))
        throw InputError("--move: weight of '" + name + "' must be a positive number, found '" + w + "'");
    }
    for (const WeightedMove& o : out)
      if (o.kind == m.kind) throw InputError("--move: '" + name + "' is listed twice");
    out.push_back(m);
  }
  return out;
}

std::string moves_to_string(const std::vector<WeightedMove>& moves) {
  if (moves.size() == 1) return move_name(moves[0].kind);
  std::string s;
  for (const WeightedMove& m : moves) s += (s.empty() ? "" : ",") + move_name(m.kind) + ":" + DataSource::format_number(m.weight);
  return s;
}

std::vector<double> parse_number_list(const std::string& text, const std::string& flag) {
  std::vector<double> out;
  const std::vector<std::string> items = split(text, ',');
  for (std::size_t i = 0; i < items.size(); ++i) {
    double v = 0;
    if (!parse_real(items[i], v))
      throw InputError(flag + ": value " + std::to_string(i + 1) + " ('" + items[i] + "') is not a finite number");
    out.push_back(v);
  }
  return out;
}

EnsembleConfig ensemble_config_from(const RunSettings& settings, const AlgorithmOptions& o) {
  EnsembleConfig c;
  c.seed = settings.seed;
  c.threads = settings.threads;
  c.ranks = settings.ranks;
  c.checkpoint = settings.checkpoint;
  c.walkers = o.get_int("--walkers", c.walkers, 2, 0x7FFFFF00);
  c.steps = o.get_int("--steps", c.steps, 1, 0x7FFFFFFF);
  c.discard = o.get_int("--discard", c.discard, 0, 0x7FFFFFFF);
  c.thin = o.get_int("--thin", c.thin, 1, 0x7FFFFFFF);
  if (c.discard >= c.steps)
    throw InputError("--discard: must be between 0 and --steps - 1, found " + std::to_string(c.discard));
  c.moves = parse_moves(o.get_text("--move", "stretch"));
  if (o.given("--init-ball")) c.init_ball = parse_number_list(o.get_text("--init-ball", ""), "--init-ball");
  c.init_scale = o.get_positive("--init-scale", c.init_scale);
  if (o.given("--init-scale") && !o.given("--init-ball"))
    throw InputError("--init-scale: the spread of --init-ball; give --init-ball too (without it the walkers start "
                     "from prior draws)");
  return c;
}

void check_ensemble_config(const EnsembleConfig& cfg, int dim, const std::vector<std::string>& names) {
  if (cfg.ensembles < 1) throw InputError("--ensembles: must be at least 1, found " + std::to_string(cfg.ensembles));
  if (cfg.walkers < 2 || cfg.walkers % 2 != 0)
    throw InputError("--walkers: " + std::to_string(cfg.walkers) +
                     " walkers; the red/blue update needs an even number (two equal halves), at least 2");
  if (cfg.walkers < 2 * dim)
    throw InputError("--walkers: " + std::to_string(cfg.walkers) + " walkers for " + std::to_string(dim) +
                     " parameters; need at least 2 x " + std::to_string(dim) + " = " + std::to_string(2 * dim) +
                     " (fewer walkers than twice the dimension stay in a lower-dimensional subspace)");
  const long long total = static_cast<long long>(cfg.walkers) * cfg.ensembles;
  if (total > 0x7FFFFF00LL)
    throw InputError("--walkers: " + std::to_string(total) + " walkers in all; at most 2147483392 are supported");
  if (cfg.steps < 1) throw InputError("--steps: must be at least 1, found " + std::to_string(cfg.steps));
  if (cfg.discard < 0) throw InputError("--discard: must not be negative, found " + std::to_string(cfg.discard));
  if (cfg.discard >= cfg.steps)
    throw InputError("--discard: " + std::to_string(cfg.discard) + " discards every one of the " +
                     std::to_string(cfg.steps) + " steps; it must be less than --steps");
  if (cfg.thin < 1) throw InputError("--thin: must be at least 1, found " + std::to_string(cfg.thin));
  if (cfg.thin > cfg.steps - cfg.discard)
    throw InputError("--thin: " + std::to_string(cfg.thin) + " is more than the " + std::to_string(cfg.steps - cfg.discard) +
                     " steps after --discard; it must be at most --steps - --discard");
  if (cfg.moves.empty()) throw InputError("--move: no move given");
  const int h = cfg.walkers / 2;
  for (const WeightedMove& m : cfg.moves) {
    if (!(m.weight > 0) || !std::isfinite(m.weight))
      throw InputError("--move: weight of '" + move_name(m.kind) + "' must be a positive number");
    if (m.kind == ensemble::MoveKind::kDifferentialEvolution && h < 2)
      throw InputError("--move de: needs at least 4 walkers per ensemble (two distinct helpers in the other half), found " +
                       std::to_string(cfg.walkers));
    if (m.kind == ensemble::MoveKind::kWalk) {
      if (h < 2)
        throw InputError("--move walk: needs at least 4 walkers per ensemble (a covariance of the other half), found " +
                         std::to_string(cfg.walkers));
      const int s = cfg.move_params.walk_helpers;
      if (s != 0 && (s < 2 || s > h || s > ensemble::kMaxWalkHelpers))
        throw InputError("walk helpers: " + std::to_string(s) + " helpers; must be 0 (the whole other half) or 2.." +
                         std::to_string(h < ensemble::kMaxWalkHelpers ? h : ensemble::kMaxWalkHelpers));
    }
    if (m.kind == ensemble::MoveKind::kStretch && !(cfg.move_params.stretch_a > 1))
      throw InputError("stretch scale a: must be greater than 1, found " + DataSource::format_number(cfg.move_params.stretch_a));
  }
  if (!cfg.init_ball.empty()) {
    if (static_cast<int>(cfg.init_ball.size()) != dim) {
      std::string list;
      for (int i = 0; i < dim && i < static_cast<int>(names.size()); ++i) list += (i ? ", " : "") + names[i];
      throw InputError("--init-ball: expected " + std::to_string(dim) + " values (" + list + "), found " +
                       std::to_string(cfg.init_ball.size()));
    }
    for (std::size_t i = 0; i < cfg.init_ball.size(); ++i)
      if (!std::isfinite(cfg.init_ball[i]))
        throw InputError("--init-ball: value " + std::to_string(i + 1) + " is not finite");
    if (!(cfg.init_scale > 0) || !std::isfinite(cfg.init_scale))
      throw InputError("--init-scale: must be a positive number, found " + DataSource::format_number(cfg.init_scale));
  }
}

}  // namespace lockstep
