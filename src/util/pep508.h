#pragma once
// Dependency specifications (PEP 508): "requests[socks]>=2.5,<4; python_version >= '3.8'".
// Parsed and evaluated the way pip 23's vendored `packaging` does, enough to reproduce
// what `pip check` reports. Hand-written: no Debian C++ library parses PEP 508, and the
// grammar is a page long.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/pep440.h"

namespace dlenv::util {

/// Marker variables and their values (python_version -> 3.11, extra -> "").
using MarkerEnvironment = std::map<std::string, std::string>;

/// The marker values of a CPython `python_version` (3.11 or 3.11.2) on this Linux machine.
MarkerEnvironment LinuxMarkerEnvironment(std::string_view python_version,
                                         std::string_view kernel_release = "");

class Marker {
 public:
  /// nullopt on a syntax error (or nesting deeper than is sane).
  static std::optional<Marker> Parse(std::string_view text);
  /// A variable missing from `env` counts as the empty string.
  bool Evaluate(const MarkerEnvironment& env) const;
  /// As packaging prints it: python_version >= "3.8" and extra == "socks".
  std::string ToString() const;

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
};

struct Requirement {
  std::string name;
  std::vector<std::string> extras;
  SpecifierSet specifier;
  std::string url;  // after "@", empty when absent
  std::optional<Marker> marker;

  /// As str(packaging.requirements.Requirement(...)), which is what `pip check` prints.
  std::string ToString() const;
};

/// nullopt when the text is not a valid PEP 508 requirement.
std::optional<Requirement> ParseRequirement(std::string_view text);

}  // namespace dlenv::util
