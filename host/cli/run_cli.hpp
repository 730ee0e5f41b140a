#pragma once
// The `lockstep` command as a library function, so that an executable with models of its own
// has every subcommand (examples/custom_model/main.cpp):
//
//   int main(int argc, char** argv) {
//     return lockstep::cli::run_cli(argc, argv, {lockstep::make_model_entry<MyModel>()});
//   }
#include <vector>

#include "host/registry/any_model.hpp"

namespace lockstep {
namespace cli {

/// Parses the command line and runs the subcommand: sample, ensemble, study, check, summary,
/// models. `extra_models` are added to the model table first. Returns the exit status: 0 on
/// success, 1 when a run or check fails, 2 for bad input (one line on stderr naming the file,
/// field or flag).
int run_cli(int argc, char** argv, std::vector<ModelEntry> extra_models = {});

}  // namespace cli
}  // namespace lockstep
