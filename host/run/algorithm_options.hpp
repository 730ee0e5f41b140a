#pragma once
// The flags of one algorithm (FlagSpec: declared by the algorithm itself, so that adding an
// algorithm adds its flags to the command without touching the CLI) and the values a user
// gave for them (AlgorithmOptions: typed accessors whose errors name the flag, InputError).
#include <map>
#include <set>
#include <string>
#include <vector>

namespace lockstep {

/// One command-line flag of an algorithm, e.g. {"--steps", "L", "Mean leapfrog steps ...", "10"}.
struct FlagSpec {
  std::string flag;          // with the dashes: "--max-depth"
  std::string value_name;    // "N"; empty for a switch (a flag without a value)
  std::string help;
  std::string default_text;  // for help and `lockstep models`; empty: none
  bool is_switch() const { return value_name.empty(); }
};

/// Values given for algorithm flags, by flag ("--steps" -> "20"; a switch -> "true").
class AlgorithmOptions {
 public:
  AlgorithmOptions() = default;
  explicit AlgorithmOptions(std::map<std::string, std::string> given) : given_(std::move(given)) {}

  void set(const std::string& flag, const std::string& value) { given_[flag] = value; }
  bool given(const std::string& flag) const { return given_.count(flag) != 0; }
  const std::map<std::string, std::string>& all() const { return given_; }

  /// An integer in [min_value, max_value]; `fallback` when not given.
  int get_int(const std::string& flag, int fallback, int min_value, int max_value) const;
  /// A finite number; `fallback` when not given.
  double get_real(const std::string& flag, double fallback) const;
  /// A number strictly inside (lo, hi).
  double get_real_open(const std::string& flag, double fallback, double lo, double hi) const;
  /// A positive finite number.
  double get_positive(const std::string& flag, double fallback) const;
  /// One of `allowed`; `fallback` when not given.
  std::string get_choice(const std::string& flag, const std::string& fallback,
                         const std::vector<std::string>& allowed) const;
  /// Free text; `fallback` when not given.
  std::string get_text(const std::string& flag, const std::string& fallback) const;
  /// A switch: true when given.
  bool get_switch(const std::string& flag) const { return given(flag); }

 private:
  std::map<std::string, std::string> given_;
};

}  // namespace lockstep
