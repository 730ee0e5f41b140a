#pragma once
// The run-time view of the algorithm list (host/algorithms/algorithm_list.hpp): names, the
// command each belongs to, help, flags, and a validator of its settings — what the commands
// need to offer an algorithm without compiling it against a model.
#include <string>
#include <vector>

#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"

namespace lockstep {

struct AlgorithmInfo {
  std::string name;
  std::string command;  // "sample" (chosen with --algorithm, also by `study`) or its own command
  std::string summary;
  std::string needs;    // what a model must provide, for messages
  std::vector<FlagSpec> flags;
  /// Builds the algorithm's config from the settings and flags and discards it: InputError
  /// naming the flag for a bad value, before any data is read.
  void (*validate)(const RunSettings& settings, const AlgorithmOptions& options) = nullptr;
  unsigned run_settings = 0;  // run_settings:: bits its run honours
  bool has_flag(const std::string& flag) const;
};

/// Every algorithm, in the list's order.
const std::vector<AlgorithmInfo>& algorithm_table();

/// The algorithms of a command, in order (the first is the default).
std::vector<const AlgorithmInfo*> command_algorithms(const std::string& command);

/// The algorithm `name` of `command`; InputError naming --algorithm and listing the choices.
const AlgorithmInfo& find_algorithm(const std::string& name, const std::string& command = "sample");

/// The flags of all algorithms of a command, each once (first declaration wins), in order.
std::vector<FlagSpec> command_flags(const std::string& command);

/// InputError for a given flag that the chosen algorithm does not use ("--steps: not used by
/// --algorithm nuts (a flag of: hmc)"), so that no flag is silently ignored.
void refuse_unused_flags(const AlgorithmInfo& algorithm, const AlgorithmOptions& options);

/// A shared flag that was given, and the run_settings:: bit it needs.
struct GivenSetting {
  std::string flag;  // "--init", "--superchains", ..., or "mpirun" for a run split over ranks
  unsigned bit;
};
/// InputError for the first given setting the algorithm's run does not honour ("--init: not
/// honoured by --algorithm rwm (its descriptor's kRunSettings leaves out run_settings::kInit)").
void refuse_unhonoured_settings(const AlgorithmInfo& algorithm, const std::vector<GivenSetting>& given);

}  // namespace lockstep
