#pragma once
// Posterior predictive draws (`lockstep sample MODEL ... --predict`): for every post-warmup
// draw of every chain, one replicated data set y_rep from the model's generated_quantities,
// and the posterior predictive p-values of four statistics of the data (BDA3 section 6.3).
//
// Random numbers: y_rep of post-warmup draw k of chain c is drawn with Rng{seed, c} at
// iteration k from Stream::kGenerated only (the model's contract), so it is a pure function of
// (seed, chain, draw) and of the draw itself, whatever the number of chains or the backend.
// Saved warmup draws (--save-warmup) get theirs too, as CmdStan writes generated quantities for
// them: warmup draw k at iteration 2^32 + k (kWarmupPredictiveIteration), a counter no
// post-warmup draw reaches, so saving the warmup leaves every post-warmup y_rep as it was.
// The draws' outputs are taken back to the unconstrained scale (AnyModel::unconstrain) and
// evaluated a slab of chains at a time, one lane per draw.
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "host/core/draw_set.hpp"
#include "host/registry/any_model.hpp"

namespace lockstep {
namespace cli {

/// --predict's checks, one line naming --predict when they fail; every command with --predict
/// (sample, vi, abc, smc-abc, npe) makes both: before loading, that the model has generated
/// quantities; after, that they replicate its observed data.
void check_predict_capability(const std::string& model_name);
void check_predict_replicates(const AnyModel& model, const std::string& model_name);

/// --newdata (every command with --predict): the model of the rows to replicate, from the file
/// `path` or the rows in memory (the Python package), or null when neither is given. One line
/// naming --newdata for: --newdata without --predict, both a file and rows in memory, a model
/// that cannot predict new rows, or a table without rows. Its notes (Loaded::notes: new
/// grouping levels) are printed on stderr.
std::unique_ptr<AnyModel> newdata_rows(const AnyModel& model, bool predict, const std::string& path,
                                       const DataSource* in_memory = nullptr);

/// The Philox iteration of saved warmup draw 0's y_rep (warmup draw k: this + k).
constexpr std::uint64_t kWarmupPredictiveIteration = std::uint64_t{1} << 32;

/// Appends y_rep[1..N] to `draws` (names, values; n_predictive, observed_name, observed set),
/// for saved warmup draws as well. `rows`: the model of the rows to replicate (`--newdata`:
/// AnyModel::with_newdata; its observed data may be empty), else `model` itself. InputError
/// (naming --predict) when the model has no generated quantities that replicate data.
void add_posterior_predictive(const AnyModel& model, std::uint64_t seed, DrawSet& draws,
                              const AnyModel* rows = nullptr);

/// Pr(T(y_rep) >= T(y)) over the post-warmup draws, for T = mean, sd (n - 1 divisor), min,
/// max of the N values of a data set.
struct PpcStatistic {
  std::string name;
  double observed = 0;   // T(y)
  double rep_mean = 0;   // mean of T(y_rep) over the draws
  double rep_sd = 0;     // sd of T(y_rep) over the draws
  double p_value = 0;    // Pr(T(y_rep) >= T(y))
};
std::vector<PpcStatistic> posterior_predictive_p_values(const DrawSet& draws);

/// The statistics of one data set: {mean, sd, min, max}.
std::vector<double> data_statistics(const double* y, int n, int stride = 1);

void print_ppc(std::ostream& out, const DrawSet& draws, const std::vector<PpcStatistic>& stats);

}  // namespace cli
}  // namespace lockstep
