// `lockstep summary FILES...` (like CmdStan's stansummary) and `lockstep models`.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
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

namespace {

/// The files to read: PATH.csv stands for PATH_1.csv, PATH_2.csv, ... (what `--output PATH.csv`
/// writes) when it does not exist itself; a netCDF file is refused, naming what reads it.
std::vector<std::string> summary_inputs(const std::vector<std::string>& given) {
  std::vector<std::string> out;
  for (const std::string& f : given) {
    std::error_code ec;
    char magic[4] = {0, 0, 0, 0};
    if (std::ifstream in{f, std::ios::binary}) in.read(magic, 4);
    if (std::memcmp(magic, "\x89HDF", 4) == 0 || std::memcmp(magic, "CDF", 3) == 0 ||
        (f.size() > 3 && f.compare(f.size() - 3, 3, ".nc") == 0))
      throw InputError(f + ": a netCDF (InferenceData) file; lockstep summary reads Stan CSV files (in Python, "
                           "lockstep.summary(arviz.from_netcdf(FILE)) or arviz.summary reads this one)");
    const bool csv = f.size() > 4 && f.compare(f.size() - 4, 4, ".csv") == 0;
    if (csv && !std::filesystem::exists(f, ec)) {
      const std::string stem = f.substr(0, f.size() - 4);
      std::vector<std::string> chains;
      while (std::filesystem::is_regular_file(stem + "_" + std::to_string(chains.size() + 1) + ".csv", ec))
        chains.push_back(stem + "_" + std::to_string(chains.size() + 1) + ".csv");
      if (!chains.empty()) {
        out.insert(out.end(), chains.begin(), chains.end());
        continue;
      }
    }
    out.push_back(f);
  }
  // One file twice would count as two independent chains: R-hat near 1 and the ESS doubled by
  // construction. The same file under two names (a.csv's a_1.csv given again, ./x vs x) too.
  std::map<std::string, std::string> seen;  // canonical path -> as given
  for (const std::string& f : out) {
    std::error_code ec;
    const std::filesystem::path canonical = std::filesystem::weakly_canonical(f, ec);
    const std::string key = ec ? f : canonical.string();
    const auto [at, fresh] = seen.emplace(key, f);
    if (!fresh)
      throw InputError(f + ": given twice" + (at->second == f ? std::string() : " (also as " + at->second + ")") +
                       "; each file is a chain of its own: give it once");
  }
  return out;
}

}  // namespace

int run_summary(const std::vector<std::string>& given, const std::string& summary_json) {
  if (given.empty()) throw InputError("summary: give one or more Stan CSV files");
  const std::vector<std::string> files = summary_inputs(given);
  // The output is checked before anything is read (a summary JSON, never one of the inputs).
  check_output_paths("", summary_json);
  RunInfo info;
  PhaseClock clock;
  const DrawSet draws = io::read_stan_csv(files, &info);
  const double read_seconds = clock.lap();
  // Files written with --superchains carry "# superchain = k": nested R-hat is reported again.
  SummaryReport report = summarize_draws(draws, info.superchain, max_tree_depth_of(info));
  // vi, npe, abc and smc-abc write draws that are no Markov chain: no R-hat; ESS = D, or the
  // weights' effective sample size the run recorded (resampled draws).
  // Several files (independent runs, or a run's chains) pool their draws: the effective
  // sample is the sum of each file's (its recorded effective_draws, else its draw count).
  if (writes_independent_draws(info.algorithm)) {
    const int per_file = draws.n_draws - draws.n_warmup_saved;
    double effective = 0;
    for (double e : info.effective_draws) effective += e > 0 && e < per_file ? e : per_file;
    mark_independent_draws(report, per_file * draws.n_chains, info.algorithm, effective);
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
    if (e.takes_simulated_data) capabilities += (capabilities.empty() ? "" : ", ") + std::string("set_observed");
    std::cout << "  algorithms: " << algorithms << "\n";
    if (!capabilities.empty()) std::cout << "  capabilities: " << capabilities << "\n";
    std::cout << "  sbc: " << (e.takes_simulated_data ? "yes" : "no (needs prior_draw, simulate and set_observed)") << "\n";
    std::cout << "\n";
  }
  return 0;
}

}  // namespace cli
}  // namespace lockstep
