// The algorithm table, built from the algorithm list. (The _lanes suffix: the descriptors'
// headers include the samplers, which nvcc compiles under the CUDA backend.)
#include "host/registry/algorithm_table.hpp"

#include <type_traits>

#include "host/algorithms/algorithm_list.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace {

// A::kRunSettings when the descriptor has it, else 0.
template <class A, class = void>
struct RunSettingsOf {
  static constexpr unsigned value = 0;
};
template <class A>
struct RunSettingsOf<A, std::void_t<decltype(A::kRunSettings)>> {
  static constexpr unsigned value = A::kRunSettings;
};

template <class A>
AlgorithmInfo info_of() {
  AlgorithmInfo i;
  i.name = A::kName;
  i.command = A::kCommand;
  i.summary = A::summary();
  i.needs = A::kNeeds;
  i.flags = A::flags();
  i.validate = [](const RunSettings& s, const AlgorithmOptions& o) { (void)A::configure(s, o); };
  i.run_settings = RunSettingsOf<A>::value;
  return i;
}

template <class... As>
std::vector<AlgorithmInfo> table_of(AlgorithmList<As...>) {
  return {info_of<As>()...};
}

std::string join_names(const std::vector<const AlgorithmInfo*>& v) {
  std::string s;
  for (const AlgorithmInfo* a : v) s += (s.empty() ? "" : ", ") + a->name;
  return s;
}

}  // namespace

bool AlgorithmInfo::has_flag(const std::string& flag) const {
  for (const FlagSpec& f : flags)
    if (f.flag == flag) return true;
  return false;
}

const std::vector<AlgorithmInfo>& algorithm_table() {
  static const std::vector<AlgorithmInfo> t = table_of(Algorithms{});
  return t;
}

std::vector<const AlgorithmInfo*> command_algorithms(const std::string& command) {
  std::vector<const AlgorithmInfo*> out;
  for (const AlgorithmInfo& a : algorithm_table())
    if (a.command == command) out.push_back(&a);
  return out;
}

const AlgorithmInfo& find_algorithm(const std::string& name, const std::string& command) {
  const std::vector<const AlgorithmInfo*> mine = command_algorithms(command);
  for (const AlgorithmInfo* a : mine)
    if (a->name == name) return *a;
  throw InputError("--algorithm: '" + name + "' is not one of: " + join_names(mine));
}

std::vector<FlagSpec> command_flags(const std::string& command) {
  std::vector<FlagSpec> out;
  for (const AlgorithmInfo* a : command_algorithms(command))
    for (const FlagSpec& f : a->flags) {
      bool seen = false;
      for (const FlagSpec& g : out) seen = seen || g.flag == f.flag;
      if (!seen) out.push_back(f);
    }
  return out;
}

void refuse_unused_flags(const AlgorithmInfo& algorithm, const AlgorithmOptions& options) {
  for (const auto& kv : options.all()) {
    if (algorithm.has_flag(kv.first)) continue;
    std::vector<const AlgorithmInfo*> users;
    for (const AlgorithmInfo* a : command_algorithms(algorithm.command))
      if (a->has_flag(kv.first)) users.push_back(a);
    throw InputError(kv.first + ": not used by --algorithm " + algorithm.name +
                     (users.empty() ? std::string() : " (a flag of: " + join_names(users) + ")"));
  }
}

void refuse_unhonoured_settings(const AlgorithmInfo& algorithm, const std::vector<GivenSetting>& given) {
  static const char* const kBitNames[] = {"kInit", "kThin", "kSaveWarmup", "kCheckpoint", "kRanks"};
  for (const GivenSetting& g : given) {
    if ((algorithm.run_settings & g.bit) == g.bit) continue;
    std::string bit = "?";
    for (int k = 0; k < 5; ++k)
      if (g.bit == (1u << k)) bit = kBitNames[k];
    throw InputError(g.flag + ": not honoured by --algorithm " + algorithm.name +
                     " (its descriptor's kRunSettings leaves out run_settings::" + bit + ")");
  }
}

}  // namespace lockstep
