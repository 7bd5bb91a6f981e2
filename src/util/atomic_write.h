#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace dlenv::util {

/// Writes each file whole or not at all: every one goes first to a temporary file beside
/// its target, and only when all were written and flushed are they renamed into place, so
/// an error (a full disk, a missing folder) leaves the old files as they were. Returns an
/// error message naming the file, empty on success.
std::string WriteFilesAtomically(
    const std::vector<std::pair<std::filesystem::path, std::string>>& files);

}  // namespace dlenv::util
