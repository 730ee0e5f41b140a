#pragma once
// The one-line message of the InputError a call throws (the text a user sees after
// "lockstep: "); a test failure, and "", when it throws none.
#include <gtest/gtest.h>

#include <string>

#include "models/contract/input_error.hpp"

namespace lockstep {
namespace testing {

template <class F>
std::string input_error_of(F fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

}  // namespace testing
}  // namespace lockstep
