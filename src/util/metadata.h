#pragma once
// The files of an installed Python distribution: METADATA / PKG-INFO (core metadata, an
// RFC 822 style header block), egg-info's requires.txt, and the RECORD CSV of a wheel.
//
// Hand-written: Python reads these with its `email` and `csv` modules, whose exact quirks
// (continuation lines, where the header block ends, CSV quoting) are what an inventory has
// to match to agree with pip; no Debian C++ library parses either the same way.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dlenv::util {

/// Header fields in file order, read like Python's email.parser (compat32): the block
/// ends at the first empty line or the first line that is not a header; a line starting
/// with a space or tab continues the previous field; a value keeps its continuation lines.
std::vector<std::pair<std::string, std::string>> ParseEmailHeaders(std::string_view text);

struct CoreMetadata {
  std::optional<std::string> name;     // first Name:
  std::optional<std::string> version;  // first Version:
  std::vector<std::string> requires_dist;
};

CoreMetadata ParseCoreMetadata(std::string_view text);

/// An egg-info requires.txt turned into Requires-Dist strings, as pip 23 does for a
/// distribution whose PKG-INFO has none: "[extra:marker]" sections become markers.
std::vector<std::string> RequiresTxtToRequiresDist(std::string_view text);

struct RecordEntry {
  std::string path;
  std::string hash;  // sha256=..., may be empty
  std::optional<long long> size;
};

/// A wheel's RECORD (CSV, Python csv module dialect "excel"). Rows with no path are skipped.
std::vector<RecordEntry> ParseRecord(std::string_view text);

}  // namespace dlenv::util
