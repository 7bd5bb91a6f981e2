#pragma once
// Reading a folder of node reports (the adapter between the file system and the pure
// report reader): every *.json file that is not hidden (writers' temporary files start with
// a dot), read once with its size capped, parsed on all cores.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "fleet/report_reader.h"

namespace dlenv::fleet {

struct FleetInput {
  std::vector<NodeReport> nodes;  // in file name order
  std::vector<Rejection> rejected;
  EnvironmentCache environments;  // each environment seen, by content hash
  std::string error;              // the folder itself could not be read
};

/// `threads` 0: one per core, at most 16.
FleetInput ReadFleetDir(const std::filesystem::path& dir, unsigned threads = 0);

}  // namespace dlenv::fleet
