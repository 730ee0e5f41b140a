// Helpers every model-running command shares: output names, draws writers, --set, --seed,
// --threads and loading the model.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <map>
#include <memory>
#include <stdexcept>
#include <random>

#include "host/backend/lanes.hpp"
#include "host/backend/place.hpp"
#include "host/cli/commands.hpp"
#include "host/core/input_file.hpp"
#include "host/core/text.hpp"
#include "host/io/atomic_file.hpp"
#include "host/io/csv_data.hpp"
#include "host/io/netcdf_writer.hpp"
#include "host/io/stan_csv_writer.hpp"
#include "host/parallel/ranks.hpp"
#include "host/registry/any_model.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_args.hpp"

namespace lockstep {
namespace cli {

void check_output_paths(const std::string& output, const std::string& summary) {
  if (!output.empty() && !ends_with(output, ".csv") && !ends_with(output, ".nc"))
    throw InputError("--output " + output + ": the name must end in .csv (Stan CSV) or .nc (netCDF InferenceData)");
  if (!summary.empty() && !ends_with(summary, ".json"))
    throw InputError("--summary " + summary + ": the name must end in .json");
  if (!output.empty()) io::check_writable(output, "--output");
  if (!summary.empty()) io::check_writable(summary, "--summary");
}

void check_chain_files(const std::string& output, int chains) {
  if (!ends_with(output, ".csv")) return;
  for (const std::string& path : io::stan_csv_paths(output, chains)) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      throw InputError("--output " + output + ": cannot write chain file " + path + ": is a directory");
    io::check_not_input(path, "--output");
  }
}

std::string written_draws_line(const std::string& output, int chains) {
  if (!ends_with(output, ".csv")) return "Draws written to " + output;
  const std::vector<std::string> paths = io::stan_csv_paths(output, chains);
  if (paths.size() == 1) return "Draws written to " + paths[0];
  return "Draws written to " + paths.front() + " .. " + paths.back() + " (one Stan CSV file per chain)";
}

void check_draws_memory(long long draws, std::size_t values_per_draw, std::size_t n_predictive) {
  const double available = static_cast<double>(backend::available_memory_bytes());
  if (!(available > 0)) return;
  // Measured (vi normal_mean, 2e6 draws): ~31 bytes per value and draw with Stan CSV output,
  // ~21 with netCDF (the lanes' buffer, the draws, their shuffled copy, the summary's sort, the
  // file's text), and ~33 per y_rep value; 48 per value and 64 per draw leave room.
  const double gib = 1073741824.0;
  const double draws_bytes = static_cast<double>(draws) * (48.0 * static_cast<double>(values_per_draw) + 64);
  const double predictive_bytes = 48.0 * static_cast<double>(draws) * static_cast<double>(n_predictive);
  char buf[512];
  if (draws_bytes > available) {
    std::snprintf(buf, sizeof buf,
                  "--draws %lld: the draws (%zu values each) need about %.2f GiB but only %.2f GiB are available on "
                  "%s; use fewer draws",
                  draws, values_per_draw, draws_bytes / gib, available / gib,
                  backend::lanes_on_device() ? "the device" : "this machine");
    throw InputError(buf);
  }
  if (draws_bytes + predictive_bytes > available) {
    std::snprintf(buf, sizeof buf,
                  "--predict: y_rep (%zu values x %lld draws) needs about %.2f GiB, the run %.2f GiB in all, but only "
                  "%.2f GiB are available on %s; use fewer draws",
                  n_predictive, draws, predictive_bytes / gib, (draws_bytes + predictive_bytes) / gib, available / gib,
                  backend::lanes_on_device() ? "the device" : "this machine");
    throw InputError(buf);
  }
}

std::vector<OutputFile> output_files(const std::string& output, int chains) {
  std::vector<OutputFile> out;
  if (output.empty()) return out;
  if (!ends_with(output, ".csv")) return {{output, "--output"}};
  for (const std::string& path : io::stan_csv_paths(output, chains)) out.push_back({path, "--output"});
  return out;
}

void check_distinct_outputs(const std::vector<OutputFile>& files) {
  std::map<std::string, const OutputFile*> seen;
  for (const OutputFile& f : files) {
    if (f.path.empty()) continue;
    std::error_code ec;
    std::filesystem::path key = std::filesystem::weakly_canonical(f.path, ec);
    if (ec) key = std::filesystem::absolute(f.path, ec).lexically_normal();
    const auto [at, fresh] = seen.emplace(key.string(), &f);
    if (fresh) continue;
    const OutputFile& first = *at->second;
    throw InputError(f.flag + " " + f.path + ": " + (first.flag == f.flag ? "named twice" : first.flag + " writes that file too") +
                     (first.path != f.path ? " (as " + first.path + ")" : "") + "; give another name");
  }
}

void write_draws(const std::string& output, const DrawSet& draws, const RunInfo& info) {
  if (output.empty()) return;
  if (ends_with(output, ".nc"))
    io::write_inference_data_netcdf(output, draws, info);
  else
    io::write_stan_csv(output, draws, info);
}

void refuse_files_in_process(const ModelOptions& o, const std::vector<std::pair<std::string, std::string>>& files) {
  if (!o.in_process) return;
  for (const auto& f : files)
    if (!f.second.empty()) throw InputError(f.first + ": not available in process (the draws are returned)");
}

bool keep_in_process(const ModelOptions& o, DrawSet& draws, const RunInfo& info) {
  if (!o.in_process) return false;
  o.in_process->draws = std::move(draws);
  o.in_process->info = info;
  o.in_process->kept = true;
  return true;
}

Progress* run_progress(const ModelOptions& o, Progress* display) {
  return o.in_process && o.in_process->progress ? o.in_process->progress : display;
}

std::uint64_t resolve_seed(long long seed) {
  if (seed < -1) throw InputError("--seed: must be a non-negative integer");
  return seed >= 0 ? static_cast<std::uint64_t>(seed) : std::random_device{}();
}

void check_threads(int threads) { backend::check_threads(threads); }

void select_backend(const std::string& flag) {
  const char* env = std::getenv("LOCKSTEP_BACKEND");
  const std::string name = flag.empty() && env ? env : flag;
  if (name == "cuda") {
    try {
      backend::use_place(backend::Place::kDevice);
    } catch (const std::invalid_argument& e) {
      throw InputError(std::string(flag.empty() ? "LOCKSTEP_BACKEND=cuda: " : "--backend cuda: ") + e.what());
    }
  } else if (name == "cpu") {
    backend::use_place(backend::Place::kHost);
  } else if (name.empty()) {
    if (backend::is_cuda_build() && !backend::lanes_on_device())
      std::fprintf(stderr, "lockstep: no CUDA device found (cudaGetDeviceCount reports 0); the lanes run on the CPU\n");
  } else {
    throw InputError(std::string(flag.empty() ? "LOCKSTEP_BACKEND" : "--backend") + ": '" + name +
                     "' is not one of: cpu, cuda");
  }
}

std::unique_ptr<AnyModel> load_model_for(const ModelOptions& o, const std::string& algorithm) {
  const ModelEntry& entry = find_model(o.model);
  if (!algorithm.empty()) require_algorithm(entry, algorithm);
  std::map<std::string, std::string> options = parse_set_options(o.set);
  std::vector<std::pair<std::string, std::string>> origins;
  for (const auto& kv : o.model_flags) {
    const ModelFlagInfo* mine = nullptr;
    for (const ModelFlagInfo& f : entry.info.flags)
      if (f.flag == kv.first) mine = &f;
    if (!mine) {
      std::string users;
      for (const ModelEntry& e : model_table())
        for (const ModelFlagInfo& f : e.info.flags)
          if (f.flag == kv.first) users += (users.empty() ? "" : ", ") + e.info.name;
      throw InputError(kv.first + ": not a flag of model '" + o.model + "' (a flag of: " + users + ")");
    }
    if (kv.second.size() > 1 && !mine->repeatable) throw InputError(kv.first + ": give it once");
    if (options.count(mine->option))
      throw InputError(kv.first + ": given as --set " + mine->option + " too; give it once");
    std::string joined;
    for (std::size_t i = 0; i < kv.second.size(); ++i) joined += (i ? "\n" : "") + kv.second[i];
    options[mine->option] = joined;
    origins.push_back({kv.first, mine->option});
  }
  if (!o.data.empty() && entry.info.data_fields.empty())
    throw InputError("--data " + o.data + ": model '" + o.model + "' takes no data (`lockstep models`); leave --data out");
  std::unique_ptr<DataSource> data;
  if (!o.data.empty()) data = load_data_file(o.data);
  const DataSource* source = o.in_process && o.in_process->data ? o.in_process->data : data.get();
  if (o.in_process && o.in_process->data && !o.data.empty())
    throw InputError("--data: give the data in memory or as a file, not both");
  ModelArgs args(o.model, options, source);
  for (const auto& fo : origins) args.set_flag_origin(fo.first, fo.second);
  std::unique_ptr<AnyModel> model = entry.make(args);
  if (parallel::Ranks::world().is_root())
    for (const std::string& note : model->notes()) std::fprintf(stderr, "lockstep: note: %s\n", note.c_str());
  return model;
}

DrawSet leading_draws(const DrawSet& full, int n_draws, int n_warmup_saved) {
  DrawSet part;
  part.names = full.names;
  part.stat_names = full.stat_names;
  part.n_warmup_saved = n_warmup_saved;
  part.resize(full.n_chains, n_draws);
  const int C = full.n_chains, D = full.n_draws;
  // [quantity][chain][draw]: each chain's first n_draws draws, from a draw stride of D to n_draws
  auto first = [&](const DrawValues& from, std::size_t quantities, DrawValues& to) {
    for (std::size_t q = 0; q < quantities; ++q)
      for (int c = 0; c < C; ++c)
        for (int d = 0; d < n_draws; ++d)
          to[draw_offset(static_cast<int>(q), c, d, C, n_draws)] = from[draw_offset(static_cast<int>(q), c, d, C, D)];
  };
  first(full.values, full.names.size(), part.values);
  first(full.stats, full.stat_names.size(), part.stats);
  return part;
}

}  // namespace cli
}  // namespace lockstep
