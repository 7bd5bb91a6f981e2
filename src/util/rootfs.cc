#include "util/rootfs.h"

#include <algorithm>
#include <system_error>

namespace dlenv::util {

namespace fs = std::filesystem;

RootFs::RootFs(fs::path root) {
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec);
  root_ = (ec ? root : abs).lexically_normal();
  if (root_.string().size() > 1 && root_.string().back() == '/') root_ = root_.parent_path();
}

fs::path RootFs::Host(const fs::path& p) const {
  if (is_host()) return p;
  return root_ / p.relative_path();
}

fs::path RootFs::Inside(const fs::path& real) const {
  if (is_host()) return real;
  fs::path rel = real.lexically_relative(root_);
  if (rel.empty() || *rel.begin() == "..") return real;
  if (rel == ".") return "/";
  return fs::path("/") / rel;
}

fs::path RootFs::Resolve(const fs::path& p) const {
  if (is_host()) return p;
  // Walk component by component, following links inside the root; 40 links at most,
  // the kernel's own limit, so a link loop in a hostile image cannot hang us.
  // One named path: begin() and end() of two temporaries would walk unrelated objects.
  const fs::path relative = p.relative_path();
  std::vector<fs::path> pending(relative.begin(), relative.end());
  std::reverse(pending.begin(), pending.end());
  fs::path inside = "/";
  int links = 0;
  while (!pending.empty()) {
    fs::path part = pending.back();
    pending.pop_back();
    if (part == "." || part.empty()) continue;
    if (part == "..") {
      inside = inside.has_relative_path() ? inside.parent_path() : inside;
      continue;
    }
    fs::path candidate = inside / part;
    std::error_code ec;
    fs::path real = root_ / candidate.relative_path();
    if (fs::is_symlink(fs::symlink_status(real, ec))) {
      // Past the limit, handing the link itself to the OS would let it follow an absolute
      // target out of the root (onto the host's own /usr/local/cuda): resolve to nothing.
      if (++links > 40) return fs::path();
      fs::path target = fs::read_symlink(real, ec);
      if (!ec) {
        const fs::path target_relative = target.relative_path();
        std::vector<fs::path> parts(target_relative.begin(), target_relative.end());
        for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.push_back(*it);
        if (target.is_absolute()) inside = "/";
        continue;
      }
    }
    inside = candidate;
  }
  return root_ / inside.relative_path();
}

fs::path RootFs::Canonical(const fs::path& p) const {
  if (is_host()) {
    std::error_code ec;
    fs::path c = fs::weakly_canonical(p, ec);
    return ec ? p : c;
  }
  return Inside(Resolve(p));
}

bool RootFs::Exists(const fs::path& p) const {
  std::error_code ec;
  return fs::exists(Resolve(p), ec);
}

bool RootFs::IsDirectory(const fs::path& p) const {
  std::error_code ec;
  return fs::is_directory(Resolve(p), ec);
}

bool RootFs::IsRegularFile(const fs::path& p) const {
  std::error_code ec;
  return fs::is_regular_file(Resolve(p), ec);
}

std::optional<std::string> RootFs::ReadFile(const fs::path& p, std::size_t max_bytes) const {
  return Read(p, max_bytes).data;
}

FileRead RootFs::Read(const fs::path& p, std::size_t max_bytes) const {
  fs::path real = Resolve(p);
  // Resolve gives up on a loop of links inside the root.
  if (real.empty()) {
    FileRead loop;
    loop.skipped = "a loop of symbolic links";
    return loop;
  }
  return ReadRegularFile(real, max_bytes);
}

std::vector<std::string> RootFs::ListDir(const fs::path& p) const {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(Resolve(p), ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::string> RootFs::ReadLink(const fs::path& p) const {
  std::error_code ec;
  fs::path parent = Resolve(p.parent_path());
  fs::path target = fs::read_symlink(parent / p.filename(), ec);
  if (ec) return std::nullopt;
  return target.string();
}

}  // namespace dlenv::util
