#pragma once
// A JSON text parsed with every object's keys checked for repeats, and nesting bounded:
// nlohmann keeps the last of a repeated key silently (a data, init or reference file with
// "theta[1]" twice would then mean whichever came last), and its reading and freeing of nested
// arrays recurses once per level (30,000 levels overflowed the stack). Used by every JSON input
// (host/io/json_data.cpp, host/diagnostics/reference_posterior.cpp).
#include <string>
#include <unordered_set>
#include <vector>

#include "models/contract/input_error.hpp"

namespace lockstep {

constexpr int kMaxJsonDepth = 64;

/// Json::parse(text) (nlohmann::json or ordered_json); InputError "ORIGIN: field 'K' is given
/// twice" or "ORIGIN: arrays or objects nested deeper than 64 levels". Parse errors are
/// nlohmann's exceptions, for the caller to word.
template <class Json>
Json parse_json_no_duplicates(const std::string& text, const std::string& origin) {
  int depth = 0;
  std::vector<std::unordered_set<std::string>> keys;  // hashed: 200,000 keys in linear time
  const typename Json::parser_callback_t check = [&](int, typename Json::parse_event_t event, Json& parsed) {
    using E = typename Json::parse_event_t;
    if (event == E::object_start || event == E::array_start) {
      if (++depth > kMaxJsonDepth)
        throw InputError(origin + ": arrays or objects nested deeper than " + std::to_string(kMaxJsonDepth) +
                         " levels");
    }
    if (event == E::object_end || event == E::array_end) --depth;
    if (event == E::object_start) keys.emplace_back();
    if (event == E::object_end) keys.pop_back();
    if (event == E::key) {
      const std::string& key = parsed.template get_ref<const std::string&>();
      if (!keys.back().insert(key).second) throw InputError(origin + ": field '" + key + "' is given twice");
    }
    return true;
  };
  return Json::parse(text, check, /*allow_exceptions=*/true, /*ignore_comments=*/false);
}

}  // namespace lockstep
