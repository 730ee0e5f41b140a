#pragma once
// The `lockstep` command as a library function, so that an executable with models of its own
// has every subcommand (examples/custom_model/main.cpp):
//
//   int main(int argc, char** argv) {
//     return lockstep::cli::run_cli(argc, argv, {lockstep::make_model_entry<MyModel>()});
//   }
#include <vector>

#include <string>

#include "host/cli/commands.hpp"
#include "host/registry/any_model.hpp"

namespace lockstep {
namespace cli {

/// Parses the command line and runs the subcommand: sample, ensemble, study, check, summary,
/// models. `extra_models` are added to the model table first. Returns the exit status: 0 on
/// success, 1 when a run or check fails, 2 for bad input (one line on stderr naming the file,
/// field or flag).
int run_cli(int argc, char** argv, std::vector<ModelEntry> extra_models = {});

/// The same command line run inside another program (the Python package, python/): `args` as
/// after "lockstep" ({"sample", "eight_schools_noncentered", "--chains", "64", ...}); the data
/// in memory (in_process.data) instead of --data, and the draws of sample, ensemble, vi, abc,
/// smc-abc and npe kept in in_process (draws, info, kept = true) instead of written or printed.
/// Throws InputError with the command's one-line message for bad input (exit status 2 in the
/// command), Interrupted or the progress callback's exception when stopped, std::exception for
/// a failure; returns the command's exit status otherwise (study, sbc and check write and print
/// as the command does).
int run_in_process(const std::vector<std::string>& args, InProcess& in_process);

}  // namespace cli
}  // namespace lockstep
