#pragma once
// The one way dlenv reads a file it finds in the world (a site-packages, /proc, /etc, a
// lock file): it never blocks on a FIFO or a device, reads only regular files, and never
// reads past a cap sized for what the file can sanely hold.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace dlenv::util {

struct FileRead {
  /// The contents, at most max_bytes of them; nullopt when the file was not read.
  std::optional<std::string> data;
  /// The file is longer than max_bytes: data holds its first max_bytes.
  bool truncated = false;
  /// Nothing is there (ENOENT, ENOTDIR): the common, unremarkable case.
  bool missing = false;
  /// Why the file was not read ("a named pipe (FIFO), not a regular file", "cannot open:
  /// Permission denied"); empty when it was read or is missing.
  std::string skipped;
  /// What fstat said of a regular file (0 for /proc and /sys files and when not opened).
  std::int64_t size = 0;
  std::int64_t mtime_unix = 0;
};

/// Opens `path` with O_NONBLOCK|O_CLOEXEC|O_NOCTTY (a FIFO or a terminal cannot block us),
/// checks with fstat that it is a regular file (not a FIFO, a device such as /dev/zero, a
/// socket or a folder), then reads at most max_bytes. /proc and /sys files are regular
/// files whose size fstat reports as 0; they are read to their end, up to the cap.
FileRead ReadRegularFile(const std::filesystem::path& path, std::size_t max_bytes);

/// What kind of file st_mode is, in words ("a named pipe (FIFO)", "a character device").
std::string DescribeFileType(unsigned mode);

}  // namespace dlenv::util
