#pragma once
// The one exception type for bad user input. Its message is a single line that names the
// file, field, option or flag and says what is wrong; the CLI prints it and exits with 2.
#include <stdexcept>
#include <string>

namespace lockstep {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace lockstep
