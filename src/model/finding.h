#pragma once

#include <string>
#include <string_view>

namespace dlenv::model {

enum class Severity { kInfo, kWarning, kError };

std::string_view SeverityName(Severity s);

/// A diagnosis with a stable id (documented in docs/findings.md), the evidence that
/// triggered it and a command or step the user can paste.
struct Finding {
  std::string id;
  Severity severity = Severity::kInfo;
  std::string title;
  std::string evidence;
  std::string fix;
};

}  // namespace dlenv::model
