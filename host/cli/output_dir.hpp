#pragma once
// What the commands that write a directory of results (`study`, `sbc`) share: the directory,
// and the plot drawn by a Python script from the CSV they write.
#include <string>

namespace lockstep {
namespace cli {

/// The directory exists (created if missing) and DIR/first_file can be written; InputError
/// naming --output otherwise (`contents`, e.g. "ranks.csv and sbc.svg", for the message when
/// no directory is given).
void prepare_output_dir(const std::string& dir, const std::string& first_file, const std::string& contents);
/// The same in a run over MPI ranks (host/parallel/ranks.hpp): rank 0 alone makes the directory
/// (it alone writes), and its refusal is every rank's InputError (rank 0's message).
void prepare_output_dir_on_rank0(const std::string& dir, const std::string& first_file, const std::string& contents);

/// Removes an earlier run's plot from the output folder before this run's CSV replaces the
/// earlier CSV: a plot must never stand beside a CSV it does not show (with --no-plot, or when
/// the plot cannot be made, none stands there).
void remove_earlier_plot(const std::string& svg);

/// Runs scripts/<script> CSV SVG (matplotlib; $LOCKSTEP_PLOT_SCRIPT overrides the path, else
/// the script next to the build or install tree) and prints one line either way: the plot was
/// written, or why not (the CSV is complete regardless).
void make_plot(const std::string& script, const std::string& csv, const std::string& svg);

/// The path of scripts/<name> next to the build tree or in the install's share/lockstep/ ("" if
/// none is readable); $LOCKSTEP_PLOT_SCRIPT instead when honor_env.
std::string find_plot_script(const std::string& name, bool honor_env = true);
/// `s` in single quotes for /bin/sh.
std::string shell_quote(const std::string& s);

}  // namespace cli
}  // namespace lockstep
