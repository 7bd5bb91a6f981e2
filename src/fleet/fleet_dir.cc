#include "fleet/fleet_dir.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "util/read_file.h"

namespace dlenv::fleet {
namespace {

struct FileResult {
  std::optional<NodeReport> node;
  std::optional<Rejection> rejection;
};

// One read through the project's file reader (a FIFO named x.json cannot hang the report),
// refused past the cap.
FileResult ReadOne(const std::filesystem::path& path, EnvironmentCache& known) {
  std::string name = path.filename().string();
  auto reject = [&](std::string why) {
    return FileResult{std::nullopt, Rejection{name, std::move(why)}};
  };
  util::FileRead f = util::ReadRegularFile(path, kMaxReportBytes);
  if (!f.data) return reject(f.missing ? "cannot open: No such file or directory" : f.skipped);
  if (f.truncated) {
    return reject(fmt::format("{} bytes is larger than any node report ({} at most)", f.size,
                              kMaxReportBytes));
  }
  ReadOutcome r = ParseFleetReport(*f.data, name, known);
  if (r.node) r.node->mtime_unix = f.mtime_unix;
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
