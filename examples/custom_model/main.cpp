// custom_lockstep: the lockstep command with one extra model, built against an installed
// lockstep (find_package(lockstep)). Every subcommand works as in `lockstep`: sample,
// ensemble, study, check, summary, models; `custom_lockstep models` lists the built-in models
// and logistic_regression.
#include "host/cli/run_cli.hpp"
#include "host/registry/model_entry.hpp"

#include "logistic_regression.hpp"

int main(int argc, char** argv) {
  return lockstep::cli::run_cli(argc, argv, {lockstep::make_model_entry<LogisticRegression>()});
}
