#pragma once
// Stan CSV output, one file per chain, laid out as CmdStan (>= 2.33) writes it, so that
// arviz.from_cmdstan, cmdstanpy.from_csv, CmdStan's stansummary and our own reader load it.
//
// File k (1-based) of base "out.csv" is "out_k.csv" (CmdStan's per-chain naming; used even
// for one chain so that scripts can always glob out_*.csv). Each file holds
//
//   # lockstep_version = 0.2.0          comment preamble: first a `lockstep` section
//   # lockstep                          (algorithm, gradient_evaluations and every
//   #   algorithm = nuts                RunInfo::config entry), then CmdStan's indented
//   #   gradient_evaluations = ...      key = value layout: model, the sample block
//   #   config                          derived from DrawSet/RunInfo (num_samples,
//   #     key = value                   num_warmup, save_warmup, thin, algorithm/engine/
//   # model = NAME                      max_depth/metric), id, data file, seed, output.
//   # method = sample (Default)         (ArviZ and CmdStanPy flatten these into one map
//   #   sample                          where the last key wins: CmdStan's keys come
//   #     num_samples = ...             last so that a config entry cannot shadow them.)
//   ...
//   # superchain = 2                    after `# id = k`, only with RunInfo::superchain
//                                       (--superchains): this chain's superchain, 1-based
//                                       like the id
//   lp__,accept_stat__,...,theta.1,...  header: sampler statistics (DrawSet::stat_names
//                                       order) then parameters, theta[2,3] -> theta.2.3
//   <n_warmup_saved warmup rows>
//   # Adaptation terminated             only when RunInfo::step_size has this chain
//   # Step size = 0.7661369
//   # Diagonal elements of inverse mass matrix:
//   # 0.5675, 1.234                     (RunInfo::dense_inv_metric, if given, instead as
//                                       "# Elements of inverse mass matrix:" + one line per row)
//   <sampling rows>
//   #
//   #  Elapsed Time: 1.2 seconds (Warm-up)
//   #                3.4 seconds (Sampling)
//   #                4.6 seconds (Total)
//   #
//
// Numbers are printed as C's printf("%.{sig_figs}g") would print them (default 8
// significant digits, CmdStan 2.37's default `sig_figs = 8`; non-finite values as
// nan/inf/-inf), through format_general() below, several times faster than std::to_chars
// with a precision. All files are written to temporaries (in parallel over chains, OpenMP) and
// renamed into place only after every one was written: a failure leaves no file.
#include <string>
#include <vector>

#include "host/core/draw_set.hpp"

namespace lockstep {
namespace io {

struct StanCsvWriteOptions {
  int sig_figs = 8;          // significant digits, 1..17 (17 round-trips every double)
  std::string version;  // written as `# lockstep_version = ...`; empty: this build's (LOCKSTEP_VERSION)
};

/// Paths of the per-chain files for a base path: "dir/out.csv" -> "dir/out_1.csv", ...
/// (a base without ".csv" gets "_k.csv" appended).
std::vector<std::string> stan_csv_paths(const std::string& base_path, int n_chains);

/// Writes one Stan CSV file per chain (see the file comment). Throws std::invalid_argument
/// if the DrawSet or RunInfo are inconsistent (sizes, per-chain vectors, num_warmup/thin vs
/// n_warmup_saved) before touching the disk, std::runtime_error naming the file on an I/O
/// failure (then no file of the set exists at its path).
void write_stan_csv(const std::string& base_path, const DrawSet& draws, const RunInfo& info,
                    const StanCsvWriteOptions& options = {});

/// Stan CSV column name of a parameter: "theta[2,3]" -> "theta.2.3", "mu" -> "mu".
std::string stan_csv_column_name(const std::string& name);

/// Writes x as printf("%.*g", sig_figs, x) would (C locale) and returns the end; `out` needs
/// 32 bytes. NaN is "nan" (whatever its sign), infinities "inf"/"-inf". Fast path for
/// sig_figs <= 12: scale by an exact power of ten (one correctly rounded double operation)
/// and round once; values within that operation's error of a rounding tie, subnormals,
/// |x| outside about 10^(sig_figs-23)..10^(sig_figs+22) and sig_figs > 12 go to
/// std::to_chars (exact, several times slower).
char* format_general(double x, int sig_figs, char* out);

}  // namespace io
}  // namespace lockstep
