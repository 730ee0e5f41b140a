#pragma once
// Small text and seed helpers the readers, parsers and commands share.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lockstep {

/// s without leading and trailing spaces, tabs and carriage returns.
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

/// Whether s ends with suffix (".csv", ".nc").
inline bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// The pieces of s between separators, each trimmed ("a, b," -> {"a", "b", ""}).
inline std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.emplace_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  return out;
}

/// The SplitMix64 finalizer of x + golden gamma (Steele, Lea & Flood 2014, "Fast splittable
/// pseudorandom number generators"): well-mixed 64-bit values from consecutive inputs, for
/// deriving seeds and reproducible test points.
inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace lockstep
