// The `lockstep` executable: the built-in models and every subcommand (host/cli/run_cli.cpp).
#include "host/cli/run_cli.hpp"

int main(int argc, char** argv) { return lockstep::cli::run_cli(argc, argv); }
