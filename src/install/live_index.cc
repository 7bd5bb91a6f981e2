#include "install/live_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "install/index_parser.h"
#include "util/json_read.h"
#include "util/metadata.h"
#include "util/pep440.h"

namespace dlenv::install {
namespace {

constexpr const char* kAccept =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01";
constexpr const char* kPyPI = "https://pypi.org/simple";
constexpr int kMetadataReleases = 4;  // metadata is fetched for this many newest releases

/// The CUDA variant of a release's default (unlabelled) wheel for this host: its PEP 658
/// metadata when the index offers it. "cpu" when it needs no CUDA; empty when unknown.
std::string VariantFromMetadata(const IndexRelease& r, const Host& host, const InstallRequest& req,
                                const Fetch& fetch, std::vector<std::string>& notes) {
  const IndexFile* chosen = nullptr;
  for (std::size_t i = 0; i < r.wheels.size(); ++i) {
    if (!r.files[i]->metadata_url) continue;
    if (WheelFits(r.wheels[i], host.wheel)) {
      chosen = r.files[i];
      break;
    }
    if (!chosen) chosen = r.files[i];
  }
  if (!chosen) return "";
  auto resp = fetch(IndexRequest(*chosen->metadata_url, req, "*/*"));
  if (!resp.error.empty() || resp.status != 200) {
    notes.push_back(
        fmt::format("metadata of {}: {}", chosen->filename,
                    resp.error.empty() ? fmt::format("HTTP {}", resp.status) : resp.error));
    return "";
  }
  auto meta = util::ParseCoreMetadata(resp.body);
  auto cuda = CudaFromRequiresDist(meta.requires_dist);
  if (!cuda) return "cpu";
  if (cuda->find('.') == std::string::npos)
    return "cu" + *cuda;  // major only: resolved against the table below
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
  r.timeout_s = req.timeout_s;
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

std::string ProjectUrl(const std::string& index_url, const std::string& project) {
  std::string base = index_url.empty() ? kPyPI : index_url;
  while (base.ends_with("/")) base.pop_back();
  return base + "/" + project + "/";
}

LiveIndex FetchTorchBuilds(const InstallRequest& req, const UserIndex& user,
                           const FrameworkFacts& f, const Host& host, const Fetch& fetch,
                           bool* reached_user_index) {
  LiveIndex live;
  *reached_user_index = false;
  // 1. The user's index: releases and their default wheels.
  std::string url = ProjectUrl(user.index_url, "torch");
  auto resp = fetch(IndexRequest(url, req));
  if (!resp.error.empty() || resp.status != 200) {
    live.notes.push_back(fmt::format(
        "the index did not answer: {}",
        resp.error.empty() ? fmt::format("{}: HTTP {}", url, resp.status) : resp.error));
    return live;
  }
  auto page = ParseProjectPage(resp.body, resp.content_type,
                               resp.effective_url.empty() ? url : resp.effective_url);
  if (!page.error.empty()) {
    live.notes.push_back(fmt::format("{}: {}", url, page.error));
    return live;
  }
  *reached_user_index = true;
  auto releases = GroupReleases(page);
  live.notes.push_back(
      fmt::format("asked {}: {} torch releases with Linux wheels", url, releases.size()));
  // PyPI's JSON API knows the newest release's Requires-Dist even where PEP 658 files are absent.
  std::optional<std::pair<std::string, std::string>> json_api;  // version, variant
  int with_metadata = 0;
  for (const auto& r : releases) {
    std::string variant = LocalLabel(r.version);
    std::string variant_from = variant.empty() ? "its metadata (PEP 658)" : "its local label";
    if (variant.empty() && with_metadata < kMetadataReleases) {
      ++with_metadata;
      variant = Concrete(VariantFromMetadata(r, host, req, fetch, live.notes), r.version, f);
      if (variant.empty() && user.index_url.empty() && !json_api) {
        auto j = fetch(IndexRequest("https://pypi.org/pypi/torch/json", req, "application/json"));
        json_api.emplace("", "");
        auto doc = nlohmann::json::parse(j.body, nullptr, false);
        if (j.error.empty() && j.status == 200 && !doc.is_discarded() && doc.is_object() &&
            doc.contains("info")) {
          std::vector<std::string> reqs = util::JsonStrings(doc["info"], "requires_dist");
          auto cuda = CudaFromRequiresDist(reqs);
          std::string v = util::JsonStringOr(doc["info"], "version", "");
          std::string var = !cuda ? "cpu"
                            : cuda->find('.') == std::string::npos
                                ? Concrete("cu" + *cuda, v, f)
                                : CudaVariant(*util::DottedVersion::Parse(*cuda));
          json_api.emplace(v, var);
          live.notes.push_back(fmt::format("PyPI's JSON API: torch {} requires CUDA {} ({})", v,
                                           cuda.value_or("none"), var));
        }
      }
      if (variant.empty() && json_api && json_api->first == r.version &&
          host.wheel.arch == "x86_64") {
        variant = json_api->second;
        variant_from = "PyPI's JSON API";
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
  // torchvision / torchaudio releases, to match them to the chosen torch.
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
    auto& versions = live.companions[project];
    for (const auto& rel : GroupReleases(cpage)) versions.push_back(rel.version);
  }
  // 2. PyTorch's own index: one page per variant, wheels labelled +cuXYZ / +cpu.
  std::vector<std::string> variants{"cpu"};
  for (const auto& t : f.torch) {
    for (const auto& v : t.variants) {
      if (std::find(variants.begin(), variants.end(), v) == variants.end()) variants.push_back(v);
    }
  }
  for (const auto& variant : variants) {
    std::string base = req.torch_index;
    while (base.ends_with("/")) base.pop_back();
    std::string index = base + "/" + variant;
    std::string purl = index + "/torch/";
    auto r = fetch(IndexRequest(purl, req));
    if (!r.error.empty()) {
      live.notes.push_back(fmt::format(
          "PyTorch's index did not answer ({}): its CUDA variants come from dlenv's table ({})",
          r.error, f.date));
      live.torch_index_reached = false;
      break;  // one unreachable host: do not wait for each variant's deadline
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
  return live;
}

}  // namespace dlenv::install
