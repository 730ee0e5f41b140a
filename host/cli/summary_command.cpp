// `lockstep summary FILES...` (like CmdStan's stansummary) and `lockstep models`.
#include <cstdlib>
#include <iostream>

#include "host/backend/lanes.hpp"
#include "host/parallel/ranks.hpp"
#include "host/cli/commands.hpp"
#include "host/cli/process_clock.hpp"
#include "host/cli/summary_report.hpp"
#include "models/contract/input_error.hpp"
#include "host/io/stan_csv_reader.hpp"
#include "host/registry/any_model.hpp"

namespace lockstep {
namespace cli {

int run_summary(const std::vector<std::string>& files, const std::string& summary_json) {
  if (files.empty()) throw InputError("summary: give one or more Stan CSV files");
  // The output is checked before anything is read (a summary JSON, never one of the inputs).
  check_output_paths("", summary_json);
  RunInfo info;
  PhaseClock clock;
  const DrawSet draws = io::read_stan_csv(files, &info);
  const double read_seconds = clock.lap();
  // Files written with --superchains carry "# superchain = k": nested R-hat is reported again.
  SummaryReport report = summarize_draws(draws, info.superchain);
  // vi, npe, abc and smc-abc write draws that are no Markov chain: no R-hat; ESS = D, or the
  // weights' effective sample size the run recorded (resampled draws).
  if (writes_independent_draws(info.algorithm)) {
    double effective = 0;
    for (const auto& kv : info.config)
      if (kv.first == "effective_draws") effective = std::atof(kv.second.c_str());
    mark_independent_draws(report, draws.n_draws - draws.n_warmup_saved, info.algorithm, effective);
  }
  const double summary_seconds = clock.lap();
  std::cout << files.size() << " chain" << (files.size() == 1 ? "" : "s") << ", "
            << draws.n_draws - draws.n_warmup_saved << " draws each\n";
  for (const auto& kv : info.config)
    if (kv.first == "incomplete") std::cout << "Warning: an interrupted run's draws so far (" << kv.second << ")\n";
  std::cout << "\n";
  print_summary(std::cout, report);
  const double end_to_end = seconds_since_start();
  std::cout << format_end_to_end(end_to_end, {{"reading", read_seconds}, {"summary", summary_seconds}}) << "\n";
  if (!summary_json.empty())
    write_summary_json(summary_json, report, info,
                       {{"chains", draws.n_chains},
                        {"end_to_end_seconds", end_to_end},
                        {"read_seconds", read_seconds},
                        {"summary_seconds", summary_seconds}});
  return 0;
}

int run_info() {
  std::cout << "lockstep " << LOCKSTEP_VERSION << "\n"
            << "build: " << (backend::is_cuda_build() ? "cuda" : "cpu") << "\n"
            << "backend: " << backend::place_name(backend::lanes_place()) << " (where the lanes run by default)\n"
            << "cuda_devices: " << backend::cuda_device_count() << "\n"
            << "lanes: " << backend::describe_backend() << ", " << backend::kLaneWidth << " chain(s) per lane\n"
            << "real: " << (sizeof(Real) == 8 ? "double" : "float") << "\n"
            << "mpi: "
            << (parallel::Ranks::built_with_mpi() ? "yes (mpirun -np R lockstep ... splits a run over R ranks)" : "no")
            << ", ranks: " << parallel::Ranks::world().size() << "\n";
  return 0;
}

int run_models() {
  for (const ModelEntry& e : model_table()) {
    const ModelInfo& i = e.info;
    std::cout << i.name << "\n  " << i.summary << "\n  parameters: " << i.parameters << "\n";
    if (!i.options.empty()) {
      std::cout << "  options (--set key=value):\n";
      for (const auto& opt : i.options)
        std::cout << "    " << opt.name << " (default " << opt.default_value << "): " << opt.help << "\n";
    }
    if (!i.flags.empty()) {
      std::cout << "  flags of its own:\n";
      for (const auto& f : i.flags)
        std::cout << "    " << f.flag << " " << f.value_name << (f.repeatable ? " (repeatable)" : "") << ": " << f.help
                  << "\n";
    }
    if (i.data_fields.empty()) {
      std::cout << "  data: none\n";
    } else {
      std::cout << "  data fields (--data FILE: JSON, or CSV with one column per field):\n";
      for (const auto& f : i.data_fields) std::cout << "    " << f.name << ": " << f.help << "\n";
    }
    std::string algorithms, capabilities;
    for (const std::string& a : e.algorithms) algorithms += (algorithms.empty() ? "" : ", ") + a;
    for (Capability c : e.capabilities) capabilities += (capabilities.empty() ? "" : ", ") + capability_name(c);
    std::cout << "  algorithms: " << algorithms << "\n";
    if (!capabilities.empty()) std::cout << "  capabilities: " << capabilities << "\n";
    std::cout << "\n";
  }
  return 0;
}

}  // namespace cli
}  // namespace lockstep
