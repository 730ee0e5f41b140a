#pragma once
// Reading Stan CSV files (ours and CmdStan's): one file per chain, into a DrawSet.
//
// Format (CmdStan guide, "Stan CSV File Format"): comment lines start with '#' and may
// appear anywhere; the first other non-blank line is the header; every later non-comment
// line is one draw. Columns ending in "__" are sampler statistics (DrawSet::stat_names, in
// file order), the rest parameters, renamed from Stan's CSV spelling: theta.1 -> theta[1],
// theta.2.3 -> theta[2,3]; our own files list the columns whose names carry labels (the glmm's
// r_county.AITKIN.Intercept = r_county[AITKIN,Intercept]) in the preamble's lockstep/names
// section, and those columns get those names back. Values are decimal numbers or nan/inf/+inf/-inf (any case).
//
// Warmup rows: with save_warmup CmdStan writes the warmup draws first, then the comment
// block "# Adaptation terminated / # Step size = ... / # Diagonal elements of inverse mass
// matrix: / # v1, v2, ...", then the sampling draws. So the rows before "# Adaptation
// terminated" are warmup. A file without that block (adaptation off, fixed_param) has
// ceil(num_warmup / thin) leading warmup rows if its preamble says save_warmup = true
// (1), none otherwise.
//
// By default the warmup rows are DROPPED and the DrawSet has n_warmup_saved = 0, so that a
// summary of what was read never mixes warmup into the posterior; keep_warmup keeps them
// (n_warmup_saved set), which makes write -> read an exact round trip of the layout.
//
// RunInfo from the files: model, algorithm, data file, seed, num_warmup, thin from the
// first file's preamble; step size and inverse metric per chain from each file's
// adaptation block (a dense block fills dense_inv_metric, row-major, and inv_metric with
// its diagonal; no block: the step size is the first sampling row's stepsize__ or NaN,
// the metrics empty; a metric is kept only if every file has one); warmup/sampling seconds
// the largest over the files (chains run side by side); divergences counted from
// divergent__ in the sampling rows; gradient_evaluations from our own `lockstep`
// section (0 if unknown); superchain (0-based) from each file's "# superchain = k" line
// (1-based, written with --superchains), kept only when every file has one. RunInfo::config: for our files exactly the `lockstep.config`
// entries that were written; for others every `key = value` of the preamble, keyed by
// its section path ("sample.adapt.delta", "random.seed", "data.file"; "(Default)" removed).
//
// Every error is an InputError whose one-line message names the file (and line): missing
// or unreadable file, no header, a ragged row, a non-numeric value, no draws, and files
// whose columns, warmup draw counts or draw counts differ from the first file's.
#include <string>
#include <vector>

#include "host/core/draw_set.hpp"

namespace lockstep {
namespace io {

struct StanCsvReadOptions {
  bool keep_warmup = false;  // keep saved warmup rows (n_warmup_saved > 0) instead of dropping
};

DrawSet read_stan_csv(const std::vector<std::string>& files, RunInfo* info_out,
                      const StanCsvReadOptions& options = {});

/// The same from texts in memory (one per chain), each with the name its messages use.
struct StanCsvText {
  std::string name;
  std::string text;
};
DrawSet read_stan_csv_texts(const std::vector<StanCsvText>& texts, RunInfo* info_out,
                            const StanCsvReadOptions& options = {});

/// Our parameter name for a Stan CSV column: "theta.2.3" -> "theta[2,3]"; a name whose
/// dotted parts are not all integers is returned unchanged.
std::string from_stan_csv_column_name(const std::string& column);

}  // namespace io
}  // namespace lockstep
