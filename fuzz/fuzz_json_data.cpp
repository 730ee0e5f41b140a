// libFuzzer entry for lockstep::fuzz::json_data (fuzz/fuzz_targets.hpp).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lockstep::fuzz::json_data(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
