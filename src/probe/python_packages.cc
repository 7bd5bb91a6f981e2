#include "probe/python_packages.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "knowledge/frameworks.h"
#include "knowledge/runtime_libraries.h"
#include "util/conda_meta.h"
#include "util/metadata.h"
#include "util/pep440.h"
#include "util/strings.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::optional<std::string> FirstLine(const ProbeContext& ctx, const fs::path& p) {
  auto text = ctx.fs.ReadFile(p, 4096);
  if (!text) return std::nullopt;
  auto lines = util::Lines(*text);
  if (lines.empty()) return std::nullopt;
  std::string line(util::Trim(lines[0]));
  if (line.empty()) return std::nullopt;
  return line;
}

std::optional<std::string> DirectUrl(const ProbeContext& ctx, const fs::path& info_dir) {
  auto text = ctx.fs.ReadFile(info_dir / "direct_url.json", 1u << 20);
  if (!text) return std::nullopt;
  auto doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("url") || !doc["url"].is_string()) return std::nullopt;
  return doc["url"].get<std::string>();
}

// Folders that only dpkg writes to on Debian and Ubuntu (pip installs to /usr/local).
bool IsDistributionFolder(const std::string& site_dir) {
  return site_dir == "/usr/lib/python3/dist-packages" ||
         (site_dir.rfind("/usr/lib/python3.", 0) == 0 && EndsWith(site_dir, "/dist-packages"));
}

// Core metadata is a few kilobytes, a long description included; 4 MiB is generous.
constexpr std::size_t kMaxMetadataBytes = 4u << 20;

std::optional<std::string> ReadNoting(const ProbeContext& ctx, const fs::path& p,
                                      std::size_t max_bytes, std::vector<std::string>* skipped) {
  util::FileRead read = ctx.fs.Read(p, max_bytes);
  if (!read.skipped.empty() && skipped) skipped->push_back(p.string() + ": " + read.skipped);
  return std::move(read.data);
}

std::optional<model::PackageRecord> ReadDistribution(const ProbeContext& ctx,
                                                     const std::string& site_dir,
                                                     const std::string& entry,
                                                     std::vector<std::string>* skipped) {
  fs::path path = fs::path(site_dir) / entry;
  bool dist_info = EndsWith(entry, ".dist-info");
  // importlib.metadata reads METADATA, then PKG-INFO, then the path itself (an egg-info
  // that is a single file, as older Debian packages install).
  std::optional<std::string> text;
  if (ctx.fs.IsDirectory(path)) {
    text = ReadNoting(ctx, path / "METADATA", kMaxMetadataBytes, skipped);
    if (!text) text = ReadNoting(ctx, path / "PKG-INFO", kMaxMetadataBytes, skipped);
  } else {
    text = ReadNoting(ctx, path, kMaxMetadataBytes, skipped);
  }
  if (!text) return std::nullopt;
  util::CoreMetadata md = util::ParseCoreMetadata(*text);
  if (!md.name) return std::nullopt;  // pip skips these too ("invalid metadata entry 'name'")

  model::PackageRecord r;
  r.name = *md.name;
  r.normalized_name = util::NormalizeProjectName(r.name);
  r.version = md.version.value_or("");
  r.record_kind = dist_info ? "dist-info" : "egg-info";
  r.record_path = path.string();
  r.requires_dist = std::move(md.requires_dist);
  if (!dist_info && r.requires_dist.empty()) {
    if (auto req = ReadNoting(ctx, path / "requires.txt", 1u << 20, skipped))
      r.requires_dist = util::RequiresTxtToRequiresDist(*req);
  }
  r.installer = FirstLine(ctx, path / "INSTALLER");
  if (!r.installer && IsDistributionFolder(site_dir)) r.installer = "debian";
  r.requested = ctx.fs.Exists(path / "REQUESTED");
  if (dist_info) r.direct_url = DirectUrl(ctx, path);
  return r;
}

// The Python project a conda record installs: from the dist-info among its files, or for
// well-known packages whose conda name differs from the PyPI one, from that name.
std::string CondaPythonName(const util::CondaMetaRecord& c) {
  for (const std::string& dir : c.python_metadata_dirs) {
    std::string base = fs::path(dir).filename().string();
    auto dash = base.find('-');
    if (dash != std::string::npos) return util::NormalizeProjectName(base.substr(0, dash));
  }
  std::string name = util::NormalizeProjectName(c.name);
  if (auto pypi = knowledge::Frameworks().PypiNameOfConda(name)) return *pypi;
  if (name == "numpy-base") return "numpy";  // conda-forge's split of NumPy, not a framework
  return name;
}

}  // namespace

std::vector<std::string> ExpandPthFiles(const ProbeContext& ctx, const std::string& site_dir) {
  std::vector<std::string> out{site_dir};
  for (const std::string& entry : ctx.fs.ListDir(site_dir)) {
    if (!EndsWith(entry, ".pth")) continue;
    auto text = ctx.fs.ReadFile(fs::path(site_dir) / entry, 1u << 20);
    if (!text) continue;
    for (std::string_view raw : util::Lines(*text)) {
      std::string_view line = util::Trim(raw);
      if (line.empty() || line.front() == '#') continue;
      if (line.substr(0, 7) == "import " || line.substr(0, 7) == "import\t") continue;
      fs::path dir = fs::path(line).is_absolute() ? fs::path(line) : fs::path(site_dir) / line;
      std::string d = dir.lexically_normal().string();
      if (!d.empty() && d.back() == '/' && d.size() > 1) d.pop_back();
      if (ctx.fs.IsDirectory(d) && std::find(out.begin(), out.end(), d) == out.end())
        out.push_back(d);
    }
  }
  return out;
}

std::vector<model::PackageRecord> ReadPackages(const ProbeContext& ctx, const std::string& prefix,
                                               const std::vector<std::string>& site_dirs,
                                               std::vector<std::string>* skipped) {
  std::vector<model::PackageRecord> records;
  std::set<std::string> seen;
  for (const std::string& dir : site_dirs) {
    std::vector<std::string> entries = ctx.fs.ListDir(dir);
    for (const char* suffix : {".dist-info", ".egg-info"}) {
      for (const std::string& entry : entries) {
        if (!EndsWith(entry, suffix)) continue;
        auto r = ReadDistribution(ctx, dir, entry, skipped);
        if (!r) continue;
        r->shadowed = !seen.insert(r->normalized_name).second;
        records.push_back(std::move(*r));
      }
    }
  }

  fs::path meta = fs::path(prefix) / "conda-meta";
  for (const std::string& entry : ctx.fs.ListDir(meta)) {
    if (!EndsWith(entry, ".json")) continue;
    // A record lists every file of its package: big packages' run to a few MiB.
    auto text = ReadNoting(ctx, meta / entry, 32u << 20, skipped);
    if (!text) continue;
    auto c = util::ParseCondaMeta(*text);
    if (!c) continue;
    model::PackageRecord* owner = nullptr;
    for (const std::string& dir : c->python_metadata_dirs) {
      std::string full = (fs::path(prefix) / dir).lexically_normal().string();
      for (auto& r : records) {
        if (r.record_path == full) owner = &r;
      }
    }
    if (owner) {
      owner->conda_build = c->build;
      owner->conda_channel = c->channel;
      owner->conda_name = c->name;
      if (!owner->installer) owner->installer = "conda";
      owner->requested = owner->requested || c->requested_spec.has_value();
      continue;
    }
    model::PackageRecord r;
    r.name = c->name;
    // The Python project's name, so that a conda "pytorch" and a pip "torch" meet.
    r.normalized_name = CondaPythonName(*c);
    r.version = c->version;
    r.installer = "conda";
    r.requested = c->requested_spec.has_value();
    r.record_kind = "conda-meta";
    r.record_path = (meta / entry).string();
    r.conda_build = c->build;
    r.conda_channel = c->channel;
    r.conda_name = c->name;
    // Only sonames NVIDIA's wheels also ship (runtime_libraries.json): where conda and pip
    // can hold one library twice.
    for (const std::string& lib : c->libraries) {
      if (knowledge::BuiltinRuntimeLibraries().ProviderOf(lib))
        r.conda_cuda_libraries.push_back(lib);
    }
    records.push_back(std::move(r));
  }
  return records;
}

}  // namespace dlenv::probe
