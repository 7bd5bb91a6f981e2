#pragma once
// One conda-meta/<name>-<version>-<build>.json record: what conda (or mamba) installed.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::util {

struct CondaMetaRecord {
  std::string name;
  std::string version;
  std::string build;
  std::optional<std::string> channel;
  std::optional<std::string> requested_spec;  // set when the user asked for it by name
  /// The *.dist-info / *.egg-info folders among its files
  /// (lib/python3.11/site-packages/x.dist-info), which tie the record to the Python distribution
  /// pip sees.
  std::vector<std::string> python_metadata_dirs;
  /// The shared libraries it put directly in the environment's lib/ (libcudnn.so.9,
  /// libcudnn.so.9.1.0), by file name: the copies the loader finds first in a conda env.
  std::vector<std::string> libraries;
};

/// nullopt when the text is not a JSON object with string name, version and build.
std::optional<CondaMetaRecord> ParseCondaMeta(std::string_view text);

}  // namespace dlenv::util
