#include "util/atomic_write.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dlenv::util {
namespace {

// Writes `contents` to a new temporary file in `target`'s folder; returns its path or an error.
std::pair<std::string, std::string> WriteTemp(const std::filesystem::path& target,
                                              const std::string& contents) {
  std::filesystem::path dir = target.parent_path().empty() ? "." : target.parent_path();
  // fmt rather than string operator+: g++ 12 at -O3 warns falsely (-Wrestrict, GCC bug 105329).
  std::string tmpl = (dir / fmt::format(".{}.tmp-XXXXXX", target.filename().string())).string();
  int fd = mkstemp(tmpl.data());
  if (fd < 0)
    return {"", fmt::format("{}: cannot create a file in {}: {}", target.string(), dir.string(),
                            std::strerror(errno))};
  std::size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string err = fmt::format("{}: write failed: {}", target.string(), std::strerror(errno));
      close(fd);
      unlink(tmpl.c_str());
      return {"", err};
    }
    done += static_cast<std::size_t>(n);
  }
  // mkstemp creates 0600; generated files are meant to be shared like any other.
  if (fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
    std::string err = fmt::format("{}: {}", target.string(), std::strerror(errno));
    close(fd);
    unlink(tmpl.c_str());
    return {"", err};
  }
  if (close(fd) != 0) {
    std::string err = fmt::format("{}: {}", target.string(), std::strerror(errno));
    unlink(tmpl.c_str());
    return {"", err};
  }
  return {tmpl, ""};
}

}  // namespace

std::string WriteFilesAtomically(
    const std::vector<std::pair<std::filesystem::path, std::string>>& files) {
  std::vector<std::string> temps;
  auto discard = [&] {
    for (const auto& t : temps) unlink(t.c_str());
  };
  for (const auto& [target, contents] : files) {
    std::error_code ec;
    if (std::filesystem::is_directory(target, ec)) {
      discard();
      return fmt::format("{}: is a folder, not a file", target.string());
    }
    auto [temp, error] = WriteTemp(target, contents);
    if (!error.empty()) {
      discard();
      return error;
    }
    temps.push_back(temp);
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (std::rename(temps[i].c_str(), files[i].first.c_str()) != 0) {
      std::string err = fmt::format("{}: cannot move into place: {}", files[i].first.string(),
                                    std::strerror(errno));
      for (std::size_t j = i; j < temps.size(); ++j) unlink(temps[j].c_str());
      return err;
    }
  }
  return "";
}

}  // namespace dlenv::util
