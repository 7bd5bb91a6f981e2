#pragma once
// APT's configuration files (apt.conf(5)): /etc/apt/apt.conf and /etc/apt/apt.conf.d/*, read
// without running apt-config (a --root image may have no apt). Only what dlenv asks is kept:
// scalar values and lists, by their full, case-insensitive key (Unattended-Upgrade::
// Package-Blacklist).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::util {

class AptConfig {
 public:
  /// Adds one file's text, as apt does when it reads the files in order: a later scalar
  /// replaces an earlier one, list items are appended, `#clear KEY;` empties a key. Returns
  /// the first syntax error ("line 3: ..."); what was read before it is kept.
  std::optional<std::string> Parse(std::string_view text);

  /// The value `KEY "value";` set, nullopt when none did.
  std::optional<std::string> Scalar(std::string_view key) const;
  /// The items of `KEY { "a"; "b"; };`, in order.
  std::vector<std::string> List(std::string_view key) const;

 private:
  struct Entry {
    std::optional<std::string> value;
    std::vector<std::string> items;
  };
  std::map<std::string, Entry> entries_;  // keys lower-cased
};

/// Whether apt reads a file of /etc/apt/apt.conf.d with this name: letters, digits, '_', '-'
/// and '.', and no extension or ".conf" (apt.conf(5), Dir::Ignore-Files-Silently aside).
bool AptReadsConfPart(std::string_view file_name);

}  // namespace dlenv::util
