#pragma once
// The error texts under tests/error-texts: captured by running the real wheels (or a
// framework's own format string, when it cannot run here); the first line of each file says
// how it was produced and is not part of the text.

#include <string>

namespace dlenv::testing {

/// The text of tests/error-texts/NAME.txt without its first (comment) line.
std::string ErrorText(const std::string& name);

}  // namespace dlenv::testing
