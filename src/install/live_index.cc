#include "install/live_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "install/index_parser.h"
#include "install/remote_wheel.h"
#include "knowledge/frameworks.h"
#include "util/json_read.h"
#include "util/metadata.h"
#include "util/pep440.h"
#include "util/strings.h"

namespace dlenv::install {
namespace {

constexpr const char* kAccept =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01";
constexpr int kMetadataReleases = 4;  // metadata is fetched for this many newest releases

/// The wheel whose metadata describes a release's default build here: one that fits this host
/// and has a PEP 658 file, else any with one, else one that fits (its METADATA read in byte
/// ranges, or PyPI's JSON API then).
const IndexFile* MetadataFile(const IndexRelease& r, const Host& host) {
  const IndexFile* any_meta = nullptr;
  const IndexFile* fitting = nullptr;
  for (std::size_t i = 0; i < r.wheels.size(); ++i) {
    bool fits = WheelFits(r.wheels[i], host.wheel);
    if (r.files[i]->metadata_url && fits) return r.files[i];
    if (r.files[i]->metadata_url && !any_meta) any_meta = r.files[i];
    if (fits && !fitting) fitting = r.files[i];
  }
  return any_meta ? any_meta : fitting;
}

/// The CUDA variant a build's Requires-Dist asks for: "cpu" for none, "cu12" for a major only
/// (made concrete with the table below), else cu128.
std::string VariantOf(const std::vector<std::string>& requires_dist) {
  auto cuda = CudaFromRequiresDist(requires_dist);
  if (!cuda) return "cpu";
  if (cuda->find('.') == std::string::npos) return "cu" + *cuda;
  auto v = util::DottedVersion::Parse(*cuda);
  return v ? CudaVariant(*v) : "";
}

/// A major-only answer ("cu12") made concrete with the table's default for that release.
std::string Concrete(const std::string& variant, const std::string& version,
                     const FrameworkFacts& f) {
  if (variant.size() != 4 || !variant.starts_with("cu")) return variant;
  for (const auto& t : f.torch) {
    if (t.version == ReleaseOf(version) && t.default_variant.starts_with(variant))
      return t.default_variant;
  }
  return "";
}

}  // namespace

probe::HttpRequest IndexRequest(const std::string& url, const InstallRequest& req,
                                const char* accept) {
  probe::HttpRequest r;
  r.url = url;
  r.accept = accept ? accept : kAccept;
  r.timeout_seconds = req.timeout_seconds;
  return r;
}

std::vector<IndexRelease> GroupReleases(const ProjectPage& page) {
  std::map<std::string, IndexRelease> by_version;
  for (const auto& f : page.files) {
    if (f.yanked) continue;
    auto w = ParseWheelName(f.filename);
    if (!w || !util::Pep440Version::Parse(w->version)) continue;
    bool linux_wheel = std::any_of(
        w->platform_tags.begin(), w->platform_tags.end(),
        [](const auto& p) { return p.find("linux") != std::string::npos || p == "any"; });
    if (!linux_wheel) continue;
    auto& r = by_version[w->version];
    r.version = w->version;
    r.wheels.push_back(*w);
    r.files.push_back(&f);
    if (f.requires_python) r.requires_python = f.requires_python;
  }
  std::vector<IndexRelease> out;
  for (auto& [_, r] : by_version) out.push_back(std::move(r));
  std::sort(out.begin(), out.end(), [](const IndexRelease& a, const IndexRelease& b) {
    return *util::Pep440Version::Parse(a.version) > *util::Pep440Version::Parse(b.version);
  });
  return out;
}

std::optional<ProjectPage> GetProjectPage(const std::string& url, const InstallRequest& req,
                                          const Fetch& fetch, std::vector<std::string>& notes,
                                          std::string* transport_error) {
  auto resp = fetch(IndexRequest(url, req));
  if (!resp.error.empty() || resp.status != 200) {
    if (transport_error) *transport_error = resp.error;
    notes.push_back(fmt::format(
        "the index did not answer: {}",
        resp.error.empty() ? fmt::format("{}: HTTP {}", url, resp.status) : resp.error));
    return std::nullopt;
  }
  auto page = ParseProjectPage(resp.body, resp.content_type,
                               resp.effective_url.empty() ? url : resp.effective_url);
  if (!page.error.empty()) {
    notes.push_back(fmt::format("{}: {}", url, page.error));
    return std::nullopt;
  }
  return page;
}

std::optional<std::vector<std::string>> ReleaseRequiresDist(
    const std::string& project, const std::string& version, const IndexFile& file,
    const InstallRequest& req, const UserIndex& user, const Fetch& fetch,
    std::vector<std::string>& notes, MetadataSource* source) {
  MetadataSource ignored;
  MetadataSource& from = source ? *source : ignored;
  from = MetadataSource::kNone;
  if (file.metadata_url) {
    from = MetadataSource::kPep658;
    auto resp = fetch(IndexRequest(*file.metadata_url, req, "*/*"));
    if (resp.error.empty() && resp.status == 200)
      return util::ParseCoreMetadata(resp.body).requires_dist;
    notes.push_back(
        fmt::format("metadata of {}: {}", file.filename,
                    resp.error.empty() ? fmt::format("HTTP {}", resp.status) : resp.error));
    return std::nullopt;
  }
  // The wheel itself, in byte ranges (any index whose file host answers them).
  std::string wheel_error;
  if (auto metadata = RemoteWheelMetadata(file.url, req, fetch, &wheel_error)) {
    from = MetadataSource::kWheel;
    return util::ParseCoreMetadata(*metadata).requires_dist;
  }
  if (!user.index_url.empty()) {  // a mirror: no JSON API to assume
    notes.push_back(
        fmt::format("{} {}: no metadata file on the index, and {}", project, version, wheel_error));
    return std::nullopt;
  }
  // PyPI's JSON: the project's describes its newest release; older ones have a URL of their own
  // (which some PyPI proxies do not serve: then the release's needs are unknown).
  for (std::string url : {fmt::format("https://pypi.org/pypi/{}/json", project),
                          fmt::format("https://pypi.org/pypi/{}/{}/json", project, version)}) {
    auto resp = fetch(IndexRequest(url, req, "application/json"));
    auto doc = nlohmann::json::parse(resp.body, nullptr, false);
    if (!resp.error.empty() || resp.status != 200 || doc.is_discarded() || !doc.is_object() ||
        !doc.contains("info") || !doc["info"].is_object()) {
      if (url.ends_with(version + "/json")) {
        notes.push_back(fmt::format("{} {}: no metadata file on the index, {}, and {} answered {}",
                                    project, version, wheel_error, url,
                                    !resp.error.empty()  ? resp.error
                                    : resp.status != 200 ? fmt::format("HTTP {}", resp.status)
                                                         : "something that is not PyPI's JSON"));
      }
      continue;
    }
    auto listed = util::Pep440Version::Parse(util::JsonStringOr(doc["info"], "version", ""));
    auto wanted = util::Pep440Version::Parse(version);
    if (listed && wanted && *listed == *wanted) {
      from = MetadataSource::kJsonApi;
      return util::JsonStrings(doc["info"], "requires_dist");
    }
  }
  return std::nullopt;
}

std::string_view DescribeSource(MetadataSource source) {
  switch (source) {
    case MetadataSource::kPep658:
      return "its metadata (PEP 658)";
    case MetadataSource::kWheel:
      return "its wheel's METADATA (read in byte ranges)";
    case MetadataSource::kJsonApi:
      return "PyPI's JSON API";
    case MetadataSource::kNone:
      break;
  }
  return "no metadata";
}

std::string ProjectUrl(const std::string& index_url, const std::string& project) {
  std::string base = index_url.empty() ? kPyPI : index_url;
  while (base.ends_with("/")) base.pop_back();
  return base + "/" + project + "/";
}

namespace {

// The CUDA variant of a release on the user's index: its local label, else its metadata
// (PEP 658, or PyPI's JSON) for the first kMetadataReleases releases, else the table's default.
std::pair<std::string, std::string> UserIndexVariant(const IndexRelease& r,
                                                     const InstallRequest& req,
                                                     const UserIndex& user, const FrameworkFacts& f,
                                                     const Host& host, const Fetch& fetch,
                                                     int& with_metadata,
                                                     std::vector<std::string>& notes) {
  std::string variant = LocalLabel(r.version);
  std::string variant_from = "its local label";
  const IndexFile* file = variant.empty() ? MetadataFile(r, host) : nullptr;
  if (file && with_metadata < kMetadataReleases) {
    ++with_metadata;
    MetadataSource from;
    auto reqs = ReleaseRequiresDist(std::string(knowledge::kTorch), r.version, *file, req, user,
                                    fetch, notes, &from);
    // PyPI's JSON describes the release, not this platform's wheel: its x86_64 NVIDIA
    // requirements say nothing of an aarch64 wheel.
    bool for_this_wheel = from != MetadataSource::kJsonApi || host.wheel.arch == "x86_64";
    if (reqs && for_this_wheel) {
      variant = Concrete(VariantOf(*reqs), r.version, f);
      variant_from = DescribeSource(from);
    }
  }
  if (variant.empty() && host.wheel.arch == "x86_64") {
    // Without metadata: the table's default for the release, said so in the source.
    for (const auto& t : f.torch) {
      if (t.version == ReleaseOf(r.version) && !t.default_variant.empty()) {
        variant = t.default_variant;
        variant_from = "dlenv's table (" + f.date + "), no metadata on the index";
      }
    }
  }
  return {variant, variant_from};
}

// 1. The user's index: releases and their default wheels. False when it did not answer.
bool AddUserIndexBuilds(const InstallRequest& req, const UserIndex& user, const FrameworkFacts& f,
                        const Host& host, const Fetch& fetch, LiveIndex& live) {
  std::string url = ProjectUrl(user.index_url, std::string(knowledge::kTorch));
  auto resp = fetch(IndexRequest(url, req));
  if (!resp.error.empty() || resp.status != 200) {
    live.notes.push_back(fmt::format(
        "the index did not answer: {}",
        resp.error.empty() ? fmt::format("{}: HTTP {}", url, resp.status) : resp.error));
    return false;
  }
  auto page = ParseProjectPage(resp.body, resp.content_type,
                               resp.effective_url.empty() ? url : resp.effective_url);
  if (!page.error.empty()) {
    live.notes.push_back(fmt::format("{}: {}", url, page.error));
    return false;
  }
  auto releases = GroupReleases(page);
  live.notes.push_back(
      fmt::format("asked {}: {} torch releases with Linux wheels", url, releases.size()));
  int with_metadata = 0;
  for (const auto& r : releases) {
    auto [variant, variant_from] =
        UserIndexVariant(r, req, user, f, host, fetch, with_metadata, live.notes);
    if (variant.empty()) continue;
    TorchBuild b;
    b.version = r.version;
    b.exact = true;
    b.variant = variant;
    b.cuda = VariantCuda(variant);
    b.requires_python = r.requires_python;
    b.wheels = r.wheels;
    b.index_url = user.index_url;
    b.user_index = true;
    b.source = url + "; CUDA variant from " + variant_from;
    live.torch.push_back(std::move(b));
  }
  return true;
}

// A companion's wheel for this host in a release: one with a PEP 658 file, else any that fits.
const IndexFile* HostWheel(const IndexRelease& r, const Host& host) {
  const IndexFile* fitting = nullptr;
  for (std::size_t i = 0; i < r.wheels.size(); ++i) {
    if (!WheelFits(r.wheels[i], host.wheel)) continue;
    if (r.files[i]->metadata_url) return r.files[i];
    if (!fitting) fitting = r.files[i];
  }
  return fitting;
}

// The --with companions' releases, to match them to the chosen torch: the versions of those
// paired by a release rule (torchvision, torchaudio), the wheels of the others, whose metadata
// is read only when the pick asks.
void AddCompanionReleases(const InstallRequest& req, const UserIndex& user, const Host& host,
                          const Fetch& fetch, LiveIndex& live) {
  const auto* torch = knowledge::Frameworks().Find(knowledge::kTorch);
  for (const auto& project : req.with) {
    std::string curl = ProjectUrl(user.index_url, project);
    auto cr = fetch(IndexRequest(curl, req));
    if (!cr.error.empty() || cr.status != 200) {
      live.notes.push_back(fmt::format(
          "{}: {}", curl, cr.error.empty() ? fmt::format("HTTP {}", cr.status) : cr.error));
      continue;
    }
    auto cpage = ParseProjectPage(cr.body, cr.content_type,
                                  cr.effective_url.empty() ? curl : cr.effective_url);
    const auto* c = torch ? torch->FindCompanion(project) : nullptr;
    if (c && c->release) {
      auto& versions = live.companions[project];
      for (const auto& rel : GroupReleases(cpage)) versions.push_back(rel.version);
      continue;
    }
    auto& wheels = live.companion_wheels[project];
    for (const auto& rel : GroupReleases(cpage)) {
      auto v = util::Pep440Version::Parse(rel.version);
      const IndexFile* file = HostWheel(rel, host);
      if (v && !v->is_prerelease() && file) wheels.push_back({rel.version, *file});
    }
  }
  if (live.companion_wheels.empty()) return;
  // Each wheel's metadata once, whichever torch build asks.
  auto memo = std::make_shared<std::map<std::string, std::optional<std::vector<std::string>>>>();
  live.companion_requires = [req, user, fetch, memo](const std::string& project,
                                                     const CompanionWheel& wheel,
                                                     std::string* error) {
    const std::string key = project + " " + wheel.version;
    if (auto it = memo->find(key); it != memo->end()) {
      if (!it->second)
        *error = fmt::format("{} {}: its metadata could not be read", project, wheel.version);
      return it->second;
    }
    std::vector<std::string> notes;
    auto reqs = ReleaseRequiresDist(project, wheel.version, wheel.file, req, user, fetch, notes);
    if (!reqs) *error = util::Join(notes, "; ");
    (*memo)[key] = reqs;
    return reqs;
  };
}

// 2. PyTorch's own index: one page per variant, wheels labelled +cuXYZ / +cpu.
void AddTorchIndexBuilds(const InstallRequest& req, const FrameworkFacts& f, const Fetch& fetch,
                         LiveIndex& live) {
  std::vector<std::string> variants{"cpu"};
  for (const auto& t : f.torch) {
    for (const auto& v : t.variants) {
      if (std::find(variants.begin(), variants.end(), v) == variants.end()) variants.push_back(v);
    }
  }
  std::string base = req.torch_index;
  while (base.ends_with("/")) base.pop_back();
  for (const auto& variant : variants) {
    std::string index = base + "/" + variant;
    std::string purl = index + "/torch/";
    auto r = fetch(IndexRequest(purl, req));
    if (!r.error.empty()) {
      live.notes.push_back(fmt::format(
          "PyTorch's index did not answer ({}): its CUDA variants come from dlenv's table ({})",
          r.error, f.date));
      live.torch_index_reached = false;
      return;  // one unreachable host: do not wait for each variant's deadline
    }
    if (r.status != 200) {
      live.notes.push_back(fmt::format("{}: HTTP {}", purl, r.status));
      continue;
    }
    auto p =
        ParseProjectPage(r.body, r.content_type, r.effective_url.empty() ? purl : r.effective_url);
    if (!p.error.empty()) {
      live.notes.push_back(fmt::format("{}: {}", purl, p.error));
      continue;
    }
    live.torch_index_reached = true;
    for (const auto& rel : GroupReleases(p)) {
      std::string label = LocalLabel(rel.version);
      TorchBuild b;
      b.version = rel.version;
      b.exact = true;
      b.variant = label.empty() ? variant : label;
      b.cuda = VariantCuda(b.variant);
      b.requires_python = rel.requires_python;
      b.wheels = rel.wheels;
      b.index_url = index;
      b.source = purl;
      live.torch.push_back(std::move(b));
    }
  }
}

}  // namespace

LiveIndex FetchTorchBuilds(const InstallRequest& req, const UserIndex& user,
                           const FrameworkFacts& f, const Host& host, const Fetch& fetch,
                           bool* reached_user_index) {
  LiveIndex live;
  *reached_user_index = AddUserIndexBuilds(req, user, f, host, fetch, live);
  if (!*reached_user_index) return live;
  AddCompanionReleases(req, user, host, fetch, live);
  AddTorchIndexBuilds(req, f, fetch, live);
  return live;
}

}  // namespace dlenv::install
