#pragma once
// ModelArgs: what a model is built from — its options (`--set key=value`) and its data.
// Models read options through typed accessors; ModelArgs remembers which keys were read
// so that a misspelt option is reported instead of silently ignored. Data arrays go to the
// backend through upload() (models never allocate device memory themselves).
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/contract/data_source.hpp"
#include "models/contract/data_store.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/parse_number.hpp"

namespace lockstep {

class ModelArgs {
 public:
  ModelArgs(std::string model, std::map<std::string, std::string> options, const DataSource* data)
      : model_(std::move(model)), options_(std::move(options)), data_(data) {}

  const std::string& model() const { return model_; }

  /// The data set; an InputError if the model needs data and none was given.
  const DataSource& data() const {
    if (!data_) throw InputError("--data: model '" + model_ + "' needs a data file");
    return *data_;
  }
  bool has_data() const { return data_ != nullptr; }

  /// Copies values to the backend (models/contract/data_store.hpp); the pointer stays valid
  /// while the loaded model lives (Loaded<Model>::store keeps the store).
  const Real* upload(const std::vector<double>& values) { return store()->upload(values); }
  const int* upload_ints(const std::vector<long>& values) { return store()->upload_ints(values); }
  /// The store the uploads went to (created on first use).
  const std::shared_ptr<DataStore>& store() {
    if (!store_) store_ = make_backend_data_store();
    return store_;
  }

  long option_int(const std::string& key, long fallback, long min_value, long max_value = kMaxOptionInt) {
    auto it = find(key);
    if (it == options_.end()) return fallback;
    long v = 0;
    if (!parse_integer(it->second, v)) bad(key, "'" + it->second + "' is not an integer");
    if (v < min_value) bad(key, "must be at least " + std::to_string(min_value));
    if (v > max_value) bad(key, "must be at most " + std::to_string(max_value) + ", found " + it->second);
    return v;
  }
  /// The default upper bound of an integer option; a dimension option says its own (kMaxDim).
  static constexpr long kMaxOptionInt = 2147483647L;
  /// The largest dimension an option may ask for: a model of a million parameters has a
  /// million output names and per-chain vectors of that size; beyond it, a typo such as
  /// dim=1000000000 would spend minutes building names before the memory check could refuse it.
  static constexpr long kMaxDim = 1000000L;

  double option_real(const std::string& key, double fallback) {
    auto it = find(key);
    if (it == options_.end()) return fallback;
    double v = 0;
    if (!parse_real(it->second, v)) bad(key, "'" + it->second + "' is not a finite number");
    return v;
  }

  /// Free text (e.g. a formula); `fallback` when not given.
  std::string option_text(const std::string& key, const std::string& fallback) {
    auto it = find(key);
    return it == options_.end() ? fallback : it->second;
  }

  /// Every value of a repeatable option (a model flag given several times arrives as the
  /// values joined by newlines); empty when not given.
  std::vector<std::string> option_list(const std::string& key) {
    std::vector<std::string> out;
    auto it = find(key);
    if (it == options_.end()) return out;
    std::string cur;
    for (char c : it->second)
      if (c == '\n') {
        out.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    out.push_back(cur);
    return out;
  }

  /// One of a fixed set of words; the first is the default.
  std::string option_choice(const std::string& key, const std::vector<std::string>& allowed) {
    auto it = find(key);
    if (it == options_.end()) return allowed.front();
    for (const auto& a : allowed)
      if (a == it->second) return a;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    bad(key, "'" + it->second + "' is not one of: " + list);
  }

  /// Throws for any option no accessor asked for (call after the model is built).
  void reject_unused() const {
    for (const auto& kv : options_)
      if (!used_.count(kv.first))
        throw InputError("--set " + kv.first + ": model '" + model_ + "' has no option '" +
                         kv.first + "' (see `lockstep models`)");
  }

 private:
  std::map<std::string, std::string>::const_iterator find(const std::string& key) {
    used_.insert(key);
    return options_.find(key);
  }
  [[noreturn]] void bad(const std::string& key, const std::string& what) const {
    throw InputError(flag_of(key) + ": " + what);
  }
  /// How the user spelt option `key`: its model flag (--formula) or --set key.
  std::string flag_of(const std::string& key) const {
    for (const auto& f : flag_keys_)
      if (f.second == key) return f.first;
    return "--set " + key;
  }

 public:
  /// Records that option `key` came from model flag `flag` (for messages).
  void set_flag_origin(const std::string& flag, const std::string& key) { flag_keys_.push_back({flag, key}); }

 private:
  std::vector<std::pair<std::string, std::string>> flag_keys_;

  std::string model_;
  std::map<std::string, std::string> options_;
  const DataSource* data_;
  std::set<std::string> used_;
  std::shared_ptr<DataStore> store_;
};

}  // namespace lockstep
