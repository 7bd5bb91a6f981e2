#include "install/live_packages.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "install/torch_pick.h"
#include "knowledge/frameworks.h"
#include "util/pep440.h"
#include "util/pep508.h"
#include "util/strings.h"

namespace dlenv::install {
namespace {

using util::DottedVersion;

constexpr int kMetadataSeries = 4;  // TensorFlow: metadata for this many newest series

std::string PythonOf(const Host& host) {
  return host.wheel.python_known
             ? fmt::format("{}.{}", host.wheel.python_major, host.wheel.python_minor)
             : "";
}

std::string HostWords(const Host& host) {
  std::string py = PythonOf(host);
  return fmt::format("{} on {}", py.empty() ? "this Python" : "Python " + py, host.wheel.arch);
}

bool Stable(const std::string& version) {
  auto v = util::Pep440Version::Parse(version);
  return v && !v->is_prerelease();
}

bool SameVersion(const std::string& a, const std::string& b) {
  auto va = util::Pep440Version::Parse(a), vb = util::Pep440Version::Parse(b);
  return va && vb && *va == *vb;
}

/// The first file of `r` that pip would install here (its tags and Requires-Python); null with
/// the reason in `why` when there is none.
const IndexFile* FittingFile(const IndexRelease& r, const Host& host, std::string* why) {
  std::string py = PythonOf(host);
  if (r.requires_python && !py.empty()) {
    auto spec = util::SpecifierSet::Parse(*r.requires_python);
    if (spec && !spec->Contains(py)) {
      if (why) *why = fmt::format("requires Python {}", *r.requires_python);
      return nullptr;
    }
  }
  std::string first;
  for (std::size_t i = 0; i < r.wheels.size(); ++i) {
    auto mismatch = WheelMismatch(r.wheels[i], host.wheel);
    if (mismatch.empty()) return r.files[i];
    if (first.empty()) first = mismatch;
  }
  if (why) *why = first.empty() ? "no Linux wheel" : "no wheel for this host (" + first + ")";
  return nullptr;
}

/// A CUDA version with its minor (12.5), not a major alone ("12").
std::optional<DottedVersion> FullCuda(const std::vector<std::string>& reqs) {
  auto cuda = CudaFromRequiresDist(reqs);
  if (!cuda || cuda->find('.') == std::string::npos) return std::nullopt;
  return DottedVersion::Parse(*cuda);
}

// ---- TensorFlow ----

LiveIndex FetchTensorFlow(const InstallRequest& req, const UserIndex& user, const FrameworkFacts& f,
                          const Host& host, const Fetch& fetch, bool* reached) {
  LiveIndex live;
  std::string url = ProjectUrl(user.index_url, std::string(knowledge::kTensorFlow));
  auto page = GetProjectPage(url, req, fetch, live.notes);
  if (!page) return live;
  *reached = true;
  // The CPU build: tensorflow-cpu where it has the release for this host (not on aarch64).
  std::set<std::string> cpu_versions;
  std::string cpu_url = ProjectUrl(user.index_url, "tensorflow-cpu");
  auto cpu_page = GetProjectPage(cpu_url, req, fetch, live.notes);
  if (cpu_page) {
    for (const auto& r : GroupReleases(*cpu_page)) {
      if (FittingFile(r, host, nullptr)) cpu_versions.insert(r.version);
    }
  }
  FrameworkFacts out = f;
  out.tensorflow.clear();
  out.tensorflow_source = url;
  std::set<std::string> series_seen;
  std::vector<std::string> passed;
  int with_metadata = 0;
  for (const auto& r : GroupReleases(*page)) {
    if (!Stable(r.version)) continue;
    std::string series = ReleaseOf(r.version);
    if (series_seen.count(series)) continue;  // the newest patch of each series only
    std::string why;
    const IndexFile* file = FittingFile(r, host, &why);
    if (!file) {
      if (out.tensorflow.empty() && passed.size() < 3)
        passed.push_back(fmt::format("tensorflow {} {}", r.version, why));
      continue;
    }
    series_seen.insert(series);
    TensorFlowRelease row;
    row.version = r.version;
    row.exact = true;
    row.cpu_project = cpu_versions.count(r.version) ? "tensorflow-cpu" : "tensorflow";
    std::optional<std::vector<std::string>> reqs;
    if (with_metadata < kMetadataSeries) {
      ++with_metadata;
      reqs = ReleaseRequiresDist(std::string(knowledge::kTensorFlow), r.version, *file, req, user,
                                 fetch, live.notes);
    }
    auto and_cuda =
        reqs ? RequirementsOfExtra(*reqs, "and-cuda", PythonOf(host)) : std::vector<std::string>{};
    if (auto cuda = FullCuda(and_cuda)) {
      row.cuda = *cuda;
      auto cudnn = CudnnFromRequiresDist(and_cuda);
      row.cudnn = cudnn.value_or(DottedVersion{});
      row.and_cuda = true;
      row.source = fmt::format("tensorflow {}'s and-cuda requirements on {}", r.version, url);
    } else {
      // No metadata asked (older series) or none published: the table's tested configuration.
      auto t =
          std::find_if(f.tensorflow.begin(), f.tensorflow.end(),
                       [&](const TensorFlowRelease& row_of) { return row_of.version == series; });
      if (t == f.tensorflow.end()) {
        live.notes.push_back(fmt::format(
            "tensorflow {}: its CUDA is neither in its metadata nor in dlenv's table ({})",
            r.version, f.date));
        continue;
      }
      row.cuda = t->cuda;
      row.cudnn = t->cudnn;
      row.and_cuda = t->and_cuda;
      row.source =
          fmt::format("tensorflow {} on {}; its CUDA from {}", r.version, url, f.tensorflow_source);
    }
    out.tensorflow.push_back(std::move(row));
  }
  live.notes.push_back(fmt::format("asked {}: {} TensorFlow series with a wheel for {}", url,
                                   out.tensorflow.size(), HostWords(host)));
  if (out.tensorflow.empty()) {
    live.unavailable =
        fmt::format("no TensorFlow release on {} has a wheel for {}{}", url, HostWords(host),
                    passed.empty() ? "" : " (" + util::Join(passed, "; ") + ")");
  }
  live.facts = std::move(out);
  return live;
}

// ---- JAX ----

struct JaxChoice {
  const IndexRelease* release = nullptr;
  const IndexFile* file = nullptr;
  std::vector<std::string> passed;  // the first few releases passed over, with why
};

// The newest stable jax whose own wheel and jaxlib's (released with the same version) fit.
JaxChoice ChooseJax(const std::vector<IndexRelease>& releases,
                    const std::vector<IndexRelease>& libs, const std::string& lib_url,
                    const Host& host) {
  JaxChoice choice;
  for (const auto& r : releases) {
    if (!Stable(r.version)) continue;
    std::string why;
    const IndexFile* file = FittingFile(r, host, &why);
    if (file) {
      auto lib = std::find_if(libs.begin(), libs.end(),
                              [&](const auto& l) { return SameVersion(l.version, r.version); });
      if (lib == libs.end())
        why = "has no jaxlib " + r.version + " on " + lib_url;
      else if (!FittingFile(*lib, host, &why))
        why = "has a jaxlib that " + why;
    }
    if (why.empty()) {
      choice.release = &r;
      choice.file = file;
      return choice;
    }
    if (choice.passed.size() < 3) choice.passed.push_back(fmt::format("jax {} {}", r.version, why));
  }
  return choice;
}

// The table's row for one CUDA extra, pinned to the chosen jax, when its plugin
// (jax-cudaNN-plugin) has a fitting wheel of that release; its CUDA from the plugin's metadata.
std::optional<CudaPackage> JaxPluginRow(const CudaPackage& p, const std::string& version,
                                        const InstallRequest& req, const UserIndex& user,
                                        const Host& host, const Fetch& fetch, LiveIndex& live,
                                        std::vector<std::string>& sources) {
  std::string plugin = "jax-" + p.name + "-plugin";
  std::string purl = ProjectUrl(user.index_url, plugin);
  auto ppage = GetProjectPage(purl, req, fetch, live.notes);
  if (!ppage) return std::nullopt;
  const IndexFile* pfile = nullptr;
  std::string why = "has no release " + version;
  for (const auto& pr : GroupReleases(*ppage)) {
    if (SameVersion(pr.version, version)) pfile = FittingFile(pr, host, &why);
  }
  if (!pfile) {
    live.notes.push_back(fmt::format("{} {}: passed over", plugin, why));
    return std::nullopt;
  }
  CudaPackage row = p;
  row.pin = "==" + version;
  auto preqs = ReleaseRequiresDist(plugin, version, *pfile, req, user, fetch, live.notes);
  if (preqs) {
    if (auto cuda = FullCuda(RequirementsOfExtra(*preqs, "with-cuda", PythonOf(host))))
      row.cuda = *cuda;
  }
  sources.push_back(fmt::format("{} {} (CUDA {}{})", plugin, version, row.cuda.ToString(),
                                preqs ? " from its metadata" : ""));
  return row;
}

LiveIndex FetchJax(const InstallRequest& req, const UserIndex& user, const FrameworkFacts& f,
                   const Host& host, const Fetch& fetch, bool* reached) {
  LiveIndex live;
  std::string url = ProjectUrl(user.index_url, std::string(knowledge::kJax));
  auto page = GetProjectPage(url, req, fetch, live.notes);
  if (!page) return live;
  *reached = true;
  // jax is pure Python; what it runs on is jaxlib's wheels, released with the same version.
  std::string lib_url = ProjectUrl(user.index_url, "jaxlib");
  auto lib_page = GetProjectPage(lib_url, req, fetch, live.notes);
  std::vector<IndexRelease> libs;
  if (lib_page) libs = GroupReleases(*lib_page);
  const auto releases = GroupReleases(*page);
  const JaxChoice chosen = ChooseJax(releases, libs, lib_url, host);
  FrameworkFacts out = f;
  out.jax.clear();
  out.jax_python_min.reset();
  out.jax_python_max.reset();
  if (!chosen.release) {
    live.unavailable =
        fmt::format("no JAX release on {} has a jaxlib wheel for {}{}", url, HostWords(host),
                    chosen.passed.empty() ? "" : " (" + util::Join(chosen.passed, "; ") + ")");
    live.facts = std::move(out);
    return live;
  }
  const std::string& version = chosen.release->version;
  out.jax_version = version;
  auto reqs = ReleaseRequiresDist(std::string(knowledge::kJax), version, *chosen.file, req, user,
                                  fetch, live.notes);
  std::vector<std::string> sources{fmt::format("jax {} and jaxlib on {}", version, url)};
  for (const auto& p : f.jax) {  // the table's extras, newest CUDA first, with their floors
    if (reqs && RequirementsOfExtra(*reqs, p.name, PythonOf(host)).empty()) {
      live.notes.push_back(fmt::format("jax {} has no [{}] extra", version, p.name));
      continue;
    }
    if (auto row = JaxPluginRow(p, version, req, user, host, fetch, live, sources))
      out.jax.push_back(std::move(*row));
  }
  out.jax_source =
      util::Join(sources, "; ") + "; driver and architecture floors from " + f.jax_source;
  live.notes.push_back(
      fmt::format("asked {}: jax {} has wheels for {}", url, version, HostWords(host)));
  live.facts = std::move(out);
  return live;
}

// ---- CuPy ----

LiveIndex FetchCupy(const InstallRequest& req, const UserIndex& user, const FrameworkFacts& f,
                    const Host& host, const Fetch& fetch, bool* reached) {
  LiveIndex live;
  FrameworkFacts out = f;
  out.cupy.clear();
  std::vector<std::string> sources, passed;
  for (const auto& p : f.cupy) {  // one package per CUDA major, with the table's floors
    std::string url = ProjectUrl(user.index_url, p.name);
    std::string transport;
    auto page = GetProjectPage(url, req, fetch, live.notes, &transport);
    if (!page) {
      if (!*reached && !transport.empty()) return live;  // the index is not there at all
      continue;
    }
    *reached = true;
    std::string why;
    for (const auto& r : GroupReleases(*page)) {
      if (!Stable(r.version)) continue;
      const IndexFile* file = FittingFile(r, host, &why);
      if (!file) continue;
      auto reqs = ReleaseRequiresDist(p.name, r.version, *file, req, user, fetch, live.notes);
      bool ctk = reqs && !RequirementsOfExtra(*reqs, "ctk", PythonOf(host)).empty();
      CudaPackage row = p;
      row.pin = (ctk ? "[ctk]==" : "==") + r.version;
      sources.push_back(fmt::format("{} {} on {}", p.name, r.version, url));
      out.cupy.push_back(std::move(row));
      why.clear();
      break;
    }
    if (!why.empty()) passed.push_back(fmt::format("{}: no release {}", p.name, why));
  }
  if (!*reached) return live;
  out.cupy_source =
      util::Join(sources, "; ") + "; driver and architecture floors from " + f.cupy_source;
  for (const auto& p : passed) live.notes.push_back(p);
  if (out.cupy.empty()) {
    live.unavailable =
        fmt::format("no CuPy package on the index has a wheel for {}{}", HostWords(host),
                    passed.empty() ? "" : " (" + util::Join(passed, "; ") + ")");
  }
  live.notes.push_back(fmt::format("asked the index for {} CuPy packages: {} with a wheel for {}",
                                   f.cupy.size(), out.cupy.size(), HostWords(host)));
  live.facts = std::move(out);
  return live;
}

}  // namespace

std::vector<std::string> RequirementsOfExtra(const std::vector<std::string>& requires_dist,
                                             const std::string& extra,
                                             const std::string& python_version) {
  auto env = util::LinuxMarkerEnvironment(python_version.empty() ? "3.12" : python_version);
  std::vector<std::string> out;
  for (const auto& line : requires_dist) {
    auto r = util::ParseRequirement(line);
    if (!r || !r->marker) continue;
    env["extra"] = "";
    if (r->marker->Evaluate(env)) continue;  // not the extra's: every install has it
    env["extra"] = extra;
    if (r->marker->Evaluate(env)) out.push_back(line);
  }
  return out;
}

std::optional<DottedVersion> CudnnFromRequiresDist(const std::vector<std::string>& requires_dist) {
  for (const auto& line : requires_dist) {
    auto r = util::ParseRequirement(line);
    if (!r || !util::NormalizeProjectName(r->name).starts_with("nvidia-cudnn")) continue;
    for (const auto& spec : r->specifier.specifiers()) {
      if (spec.op != "==" && spec.op != "~=" && spec.op != ">=") continue;
      auto v = util::Pep440Version::Parse(spec.version.substr(0, spec.version.find(".*")));
      if (v && v->release().size() >= 2)
        return DottedVersion::Parse(v->release()[0] + "." + v->release()[1]);
    }
  }
  return std::nullopt;
}

LiveIndex FetchFrameworkBuilds(const std::string& framework, const InstallRequest& req,
                               const UserIndex& user, const FrameworkFacts& facts, const Host& host,
                               const Fetch& fetch, bool* reached_user_index) {
  *reached_user_index = false;
  // One answer per URL within a question (PyPI's project JSON serves several releases).
  std::map<std::string, probe::HttpResponse> answered;
  Fetch once = [&](const probe::HttpRequest& r) {
    auto it = answered.find(r.url);
    if (it == answered.end()) it = answered.emplace(r.url, fetch(r)).first;
    return it->second;
  };
  if (framework == knowledge::kTensorFlow)
    return FetchTensorFlow(req, user, facts, host, once, reached_user_index);
  if (framework == knowledge::kJax)
    return FetchJax(req, user, facts, host, once, reached_user_index);
  if (framework == knowledge::kCupy)
    return FetchCupy(req, user, facts, host, once, reached_user_index);
  return {};
}

}  // namespace dlenv::install
