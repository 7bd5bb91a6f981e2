#include "lock/lock.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "lock/sha256.h"
#include "model/json.h"
#include "util/dotted_version.h"
#include "util/strings.h"

namespace dlenv::lock {
namespace {

// PEP 503 normalisation, for records that came without one.
std::string NormalizeName(std::string_view name) {
  std::string out;
  bool in_run = false;
  for (char c : util::ToLower(name)) {
    if (c == '-' || c == '_' || c == '.') {
      if (!in_run) out += '-';
      in_run = true;
    } else {
      out += c;
      in_run = false;
    }
  }
  return out;
}

bool VersionLess(const std::string& a, const std::string& b) {
  auto va = util::DottedVersion::Parse(a);
  auto vb = util::DottedVersion::Parse(b);
  if (va && vb && *va != *vb) return *va < *vb;
  return a < b;
}

std::string NormalPath(const std::string& p) {
  auto s = std::filesystem::path(p).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

auto PackageKey(const LockedPackage& p) {
  return std::tie(p.name, p.version, p.installer, p.direct_url, p.distro_package, p.distro_version,
                  p.channel, p.build, p.conda_name);
}

}  // namespace

std::string CondaChannelName(std::string_view channel) {
  std::string c(util::Trim(channel));
  while (!c.empty() && c.back() == '/') c.pop_back();
  // The platform subdir is where conda fetched the file from, not part of the channel.
  static constexpr std::string_view kSubdirs[] = {
      "noarch",    "linux-64", "linux-aarch64", "linux-ppc64le", "linux-s390x", "osx-64",
      "osx-arm64", "win-64",   "linux-armv7l",  "linux-32",      "win-32"};
  for (std::string_view sub : kSubdirs) {
    if (c.size() > sub.size() && c.ends_with(sub) && c[c.size() - sub.size() - 1] == '/') {
      c.resize(c.size() - sub.size() - 1);
      break;
    }
  }
  for (std::string_view host : {"https://conda.anaconda.org/", "http://conda.anaconda.org/",
                                "https://repo.anaconda.com/", "http://repo.anaconda.com/"}) {
    if (c.starts_with(host) && c.size() > host.size()) return c.substr(host.size());
  }
  return c;
}

const model::PythonEnv* SelectPythonEnv(const model::Snapshot& snapshot,
                                        const std::optional<std::string>& python,
                                        const util::Environment& env) {
  const auto& envs = snapshot.python_envs;
  auto prefix_is = [](const model::PythonEnv& e, const std::string& dir) {
    return !dir.empty() && NormalPath(e.prefix) == NormalPath(dir);
  };
  if (python) {
    // --python names an interpreter (<prefix>/bin/python) or, for convenience, the prefix.
    std::filesystem::path given = NormalPath(*python);
    std::string from_bin = given.parent_path().parent_path().string();
    for (const auto& e : envs) {
      if ((e.executable && NormalPath(*e.executable) == given.string()) || prefix_is(e, given) ||
          prefix_is(e, from_bin)) {
        return &e;
      }
    }
    // The probe resolves links (a venv's python points at the base interpreter); it still
    // records which environment came from --python.
    for (const auto& e : envs) {
      if (std::find(e.found_via.begin(), e.found_via.end(), "--python") != e.found_via.end())
        return &e;
    }
    return nullptr;
  }
  for (const char* var : {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
    auto dir = env.Get(var);
    if (!dir) continue;
    for (const auto& e : envs) {
      if (prefix_is(e, *dir)) return &e;
    }
  }
  return envs.empty() ? nullptr : &envs.front();
}

Lock BuildLock(const model::Snapshot& snapshot, const model::PythonEnv* python) {
  Lock lock;
  lock.generated_by = "dlenv " + snapshot.dlenv_version;
  lock.host = {snapshot.host.os_id, snapshot.host.os_version, snapshot.host.os_name,
               snapshot.host.glibc};

  const auto& d = snapshot.driver;
  lock.driver.version = d.nvml_driver_version ? d.nvml_driver_version : d.kernel_module_version;
  if (auto cuda = d.nvml_cuda_driver_version ? d.nvml_cuda_driver_version : d.cuda_driver_version) {
    lock.driver.cuda = util::DottedVersion::FromCudaInt(*cuda).ToString();
  }

  std::map<std::pair<std::string, std::optional<std::string>>, int> gpu_counts;
  for (const auto& g : snapshot.gpus) {
    std::optional<std::string> cc;
    if (g.cc_major && g.cc_minor) cc = fmt::format("{}.{}", *g.cc_major, *g.cc_minor);
    ++gpu_counts[{g.name, cc}];
  }
  for (const auto& [key, count] : gpu_counts) lock.gpus.push_back({key.first, key.second, count});

  std::set<std::string> toolkits;
  for (const auto& t : snapshot.toolkits) {
    if (t.version) toolkits.insert(*t.version);
  }
  lock.toolkits.assign(toolkits.begin(), toolkits.end());
  std::sort(lock.toolkits.begin(), lock.toolkits.end(), VersionLess);

  // The driver's own libraries are the driver section; stubs are never what runs.
  std::map<std::pair<std::string, std::string>, bool> libraries;
  for (const auto& l : snapshot.libraries) {
    if (l.is_stub || !l.version || l.family == "cuda" || l.family == "nvidia-ml") continue;
    libraries[{l.family, *l.version}] |= l.loader_first;
  }
  for (const auto& [key, first] : libraries)
    lock.cuda_libraries.push_back({key.first, key.second, first});
  std::stable_sort(
      lock.cuda_libraries.begin(), lock.cuda_libraries.end(), [](const auto& a, const auto& b) {
        return a.family != b.family ? a.family < b.family : VersionLess(a.version, b.version);
      });

  if (python) {
    LockedPython p;
    p.version = python->python_version;
    p.kind = python->kind;
    lock.source_python = python->executable ? python->executable : python->prefix;
    for (const auto& r : python->packages) {
      std::string name = r.normalized_name.empty() ? NormalizeName(r.name) : r.normalized_name;
      LockedPackage lp{name, r.version, r.installer, r.direct_url};
      if (r.distro_package && r.distro_version) {
        lp.distro_package = r.distro_package;
        lp.distro_version = r.distro_version;
      }
      if (r.conda_channel) lp.channel = CondaChannelName(*r.conda_channel);
      lp.build = r.conda_build;
      if (r.conda_name && *r.conda_name != name) lp.conda_name = r.conda_name;
      p.packages.push_back(std::move(lp));
    }
    std::sort(p.packages.begin(), p.packages.end(),
              [](const auto& a, const auto& b) { return PackageKey(a) < PackageKey(b); });
    for (const auto& f : python->frameworks) {
      LockedFramework lf{f.name,          f.package,      f.version,
                         f.cuda_build,    f.cuda_version, f.rocm_version,
                         f.cudnn_version, f.cuda_archs,   f.numpy_abi};
      std::sort(lf.cuda_archs.begin(), lf.cuda_archs.end());
      lf.cuda_archs.erase(std::unique(lf.cuda_archs.begin(), lf.cuda_archs.end()),
                          lf.cuda_archs.end());
      p.frameworks.push_back(std::move(lf));
    }
    std::sort(p.frameworks.begin(), p.frameworks.end(), [](const auto& a, const auto& b) {
      return std::tie(a.name, a.package, a.version) < std::tie(b.name, b.package, b.version);
    });
    lock.python = std::move(p);
  }
  lock.content_hash = ContentHash(lock.lock_version, EnvironmentJson(lock));
  return lock;
}

nlohmann::json EnvironmentJson(const Lock& lock) {
  using nlohmann::json;
  json env;
  env["host"] = {{"os_id", lock.host.os_id},
                 {"os_version", lock.host.os_version},
                 {"os_name", lock.host.os_name},
                 {"glibc", lock.host.glibc}};
  env["driver"] = {{"version", lock.driver.version}, {"cuda", lock.driver.cuda}};
  env["gpus"] = json::array();
  for (const auto& g : lock.gpus) {
    env["gpus"].push_back(
        {{"name", g.name}, {"compute_capability", g.compute_capability}, {"count", g.count}});
  }
  env["toolkits"] = lock.toolkits;
  env["cuda_libraries"] = json::array();
  for (const auto& l : lock.cuda_libraries) {
    env["cuda_libraries"].push_back(
        {{"family", l.family}, {"version", l.version}, {"loader_first", l.loader_first}});
  }
  if (!lock.python) {
    env["python"] = nullptr;
    return env;
  }
  json py = {{"version", lock.python->version}, {"kind", lock.python->kind}};
  py["packages"] = json::array();
  for (const auto& p : lock.python->packages) {
    json entry = {{"name", p.name},
                  {"version", p.version},
                  {"installer", p.installer},
                  {"direct_url", p.direct_url}};
    // Written only when known: a lock without them hashes as it did before they existed.
    auto add = [&](const char* key, const std::optional<std::string>& v) {
      if (v) entry[key] = *v;
    };
    add("distro_package", p.distro_package);
    add("distro_version", p.distro_version);
    add("channel", p.channel);
    add("build", p.build);
    add("conda_name", p.conda_name);
    py["packages"].push_back(std::move(entry));
  }
  py["frameworks"] = json::array();
  for (const auto& f : lock.python->frameworks) {
    py["frameworks"].push_back({{"name", f.name},
                                {"package", f.package},
                                {"version", f.version},
                                {"cuda_build", f.cuda_build},
                                {"cuda_version", f.cuda_version},
                                {"rocm_version", f.rocm_version},
                                {"cudnn_version", f.cudnn_version},
                                {"cuda_archs", f.cuda_archs},
                                {"numpy_abi", f.numpy_abi}});
  }
  env["python"] = std::move(py);
  return env;
}

std::string ContentHash(int lock_version, const nlohmann::json& environment) {
  // nlohmann::json keeps object keys sorted and dump() without indent is compact, so the
  // same environment always serialises to the same bytes.
  nlohmann::json canonical = {{"lock_version", lock_version}, {"environment", environment}};
  return "sha256:" + Sha256Hex(canonical.dump());
}

nlohmann::json ToJson(const Lock& lock) {
  nlohmann::json env = EnvironmentJson(lock);
  nlohmann::json doc;
  doc["lock_version"] = lock.lock_version;
  doc["content_hash"] = ContentHash(lock.lock_version, env);
  doc["generated_at"] = lock.generated_at;
  doc["generated_by"] = lock.generated_by;
  doc["source"] = {{"python", lock.source_python}};
  doc["environment"] = std::move(env);
  return doc;
}

}  // namespace dlenv::lock
