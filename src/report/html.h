#pragma once
// HTML's text escaping, for every self-contained report dlenv writes (bench, compare, fleet).

#include <string>
#include <string_view>

namespace dlenv::report {

/// `s` safe inside an element or a double- or single-quoted attribute.
std::string EscapeHtml(std::string_view s);

}  // namespace dlenv::report
