#pragma once
// Compatibility facts, loaded from the JSON data files in knowledge/data that the build
// embeds in the binary. Each table carries its source; the report shows the data's date.

#include <optional>
#include <string>
#include <vector>

#include "util/dotted_version.h"

namespace dlenv::knowledge {

struct ToolkitDriverRow {
  util::DottedVersion cuda;       // 12.4
  util::DottedVersion ga_driver;  // 550.54.14
};

struct MinorCompatRow {
  int cuda_major = 0;
  util::DottedVersion min_driver;
};

struct ArchRow {
  std::optional<int> cc_major;            // a whole major
  std::optional<util::DottedVersion> cc;  // or one exact compute capability
  std::string name;
};

struct Knowledge {
  std::string date;
  std::vector<ToolkitDriverRow> toolkit_minimum_driver;
  std::string toolkit_minimum_driver_source;
  std::vector<MinorCompatRow> minor_compat;
  std::string minor_compat_source;
  std::vector<ArchRow> architectures;

  /// The driver a CUDA release needs with its own features (the GA minimum of Table 3);
  /// nullopt for a release not in the table.
  std::optional<util::DottedVersion> GaDriverFor(const util::DottedVersion& cuda) const;
  /// The lowest driver that runs anything built with this CUDA major, by minor-version
  /// compatibility; nullopt where the rule does not apply (CUDA 10 and earlier).
  std::optional<util::DottedVersion> MinorCompatDriverFor(int cuda_major) const;
  std::optional<std::string> ArchitectureName(int cc_major, int cc_minor) const;
};

/// Parses a knowledge document; throws std::runtime_error with a message on malformed data.
Knowledge ParseKnowledge(const std::string& cuda_driver_json);
/// The tables compiled into this binary (parsed once).
const Knowledge& BuiltinKnowledge();

}  // namespace dlenv::knowledge
