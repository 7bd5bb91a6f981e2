#include "util/read_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace dlenv::util {

std::string DescribeFileType(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "a regular file";
    case S_IFDIR:
      return "a folder";
    case S_IFIFO:
      return "a named pipe (FIFO)";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFSOCK:
      return "a socket";
    case S_IFLNK:
      return "a symbolic link";
    default:
      return "a special file";
  }
}

FileRead ReadRegularFile(const std::filesystem::path& path, std::size_t max_bytes) {
  FileRead r;
  max_bytes = std::min<std::size_t>(max_bytes, SIZE_MAX - 1);  // max_bytes + 1 below
  // O_NONBLOCK: open() on a FIFO with no writer would wait forever without it.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT || e == ENOTDIR) {
      r.missing = true;
    } else if (e == ENXIO) {
      r.skipped = "a socket or a device without a reader, not a regular file";
    } else if (e == ELOOP) {
      r.skipped = "a loop of symbolic links";
    } else {
      r.skipped = fmt::format("cannot open: {}", std::strerror(e));
    }
    return r;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    r.skipped = fmt::format("cannot stat: {}", std::strerror(errno));
    ::close(fd);
    return r;
  }
  if (!S_ISREG(st.st_mode)) {
    r.skipped = DescribeFileType(st.st_mode) + ", not a regular file";
    ::close(fd);
    return r;
  }
  r.size = static_cast<std::int64_t>(st.st_size);
  r.mtime_unix = static_cast<std::int64_t>(st.st_mtim.tv_sec);
  std::string data;
  // st_size is 0 for /proc files: start small and grow, never past the cap (+1 byte to tell
  // a file of exactly max_bytes from a longer one).
  std::size_t want = max_bytes + 1;
  if (st.st_size > 0) want = std::min<std::size_t>(want, static_cast<std::size_t>(st.st_size) + 1);
  data.resize(std::min<std::size_t>(want, 64u << 10));
  std::size_t have = 0;
  for (;;) {
    if (have == data.size()) {
      if (data.size() >= max_bytes + 1) break;
      data.resize(std::min<std::size_t>(max_bytes + 1, data.size() * 2));
    }
    ssize_t n = ::read(fd, data.data() + have, data.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r.skipped = fmt::format("cannot read: {}", std::strerror(errno));
      ::close(fd);
      return r;
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (have > max_bytes) {
    r.truncated = true;
    have = max_bytes;
  }
  data.resize(have);
  data.shrink_to_fit();
  r.data = std::move(data);
  return r;
}

}  // namespace dlenv::util
