#include "fleet/fleet_dir.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

namespace dlenv::fleet {
namespace {

struct FileResult {
  std::optional<NodeReport> node;
  std::optional<Rejection> rejection;
};

// One read of the whole file, refused unread past the cap; O_NONBLOCK so a FIFO named
// x.json cannot hang the report.
FileResult ReadOne(const std::filesystem::path& path, EnvironmentCache& known) {
  std::string name = path.filename().string();
  auto reject = [&](std::string why) {
    return FileResult{std::nullopt, Rejection{name, std::move(why)}};
  };
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return reject(fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return reject("not a regular file");
  }
  if (static_cast<std::uint64_t>(st.st_size) > kMaxReportBytes) {
    close(fd);
    return reject(fmt::format("{} bytes is larger than any node report ({} at most)", st.st_size,
                              kMaxReportBytes));
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = read(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string err = std::strerror(errno);
      close(fd);
      return reject("read failed: " + err);
    }
    if (n == 0) break;  // shrank while we read: what is there is what we judge
    done += static_cast<std::size_t>(n);
  }
  close(fd);
  text.resize(done);
  ReadOutcome r = ParseFleetReport(text, name, known);
  if (r.node) r.node->mtime_unix = static_cast<std::int64_t>(st.st_mtim.tv_sec);
  return {std::move(r.node), std::move(r.rejection)};
}

}  // namespace

FleetInput ReadFleetDir(const std::filesystem::path& dir, unsigned threads) {
  FleetInput in;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    in.error = fmt::format("{}: cannot read the folder: {}", dir.string(), ec.message());
    return in;
  }
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) {
      in.error = fmt::format("{}: cannot read the folder: {}", dir.string(), ec.message());
      return in;
    }
    std::string name = it->path().filename().string();
    if (name.starts_with(".") || !name.ends_with(".json")) continue;
    files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());

  if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 16u);
  threads = std::min<unsigned>(threads, std::max<std::size_t>(files.size(), 1));
  std::vector<FileResult> results(files.size());
  std::vector<EnvironmentCache> known(threads);
  std::atomic<std::size_t> next{0};
  auto work = [&](unsigned t) {
    for (std::size_t i; (i = next.fetch_add(1)) < files.size();)
      results[i] = ReadOne(files[i], known[t]);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& t : pool) t.join();

  for (auto& r : results) {
    if (r.node) in.nodes.push_back(std::move(*r.node));
    if (r.rejection) in.rejected.push_back(std::move(*r.rejection));
  }
  for (auto& m : known) in.environments.merge(m);
  return in;
}

}  // namespace dlenv::fleet
