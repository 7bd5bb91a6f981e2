#include "rules/env_rules.h"

#include <algorithm>
#include <map>

#include "knowledge/frameworks.h"
#include "knowledge/numpy_abi.h"
#include "rules/pip_check.h"
#include "util/pep440.h"
#include "util/pep508.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::PackageRecord;
using model::PythonEnv;
using model::Severity;

// The framework a distribution belongs to (PEP 503 names, conda names already mapped to
// PyPI ones by the probe), NumPy graded beside them; empty for everything else.
std::string FrameworkOf(const std::string& normalized) {
  if (const auto* f = knowledge::Frameworks().FrameworkOf(normalized)) return f->id;
  if (normalized == "numpy") return "numpy";
  return "";
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

bool FromConda(const PackageRecord& r) {
  return r.record_kind == "conda-meta" || r.installer == "conda";
}

bool Inside(const std::string& path, const std::string& prefix) {
  return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
         path[prefix.size()] == '/';
}

std::string Describe(const PackageRecord& r) {
  return r.name + " " + r.version + " (" + r.installer.value_or("unknown installer") + ", " +
         r.record_path + ")";
}

void CheckMixedInstallers(const PythonEnv& env, std::vector<Finding>& out) {
  // One framework from both conda and pip.
  std::map<std::string, std::vector<const PackageRecord*>> by_framework;
  for (const auto& r : env.packages) {
    std::string fw = FrameworkOf(r.normalized_name);
    if (!fw.empty() && !r.shadowed) by_framework[fw].push_back(&r);
  }
  for (const auto& [fw, records] : by_framework) {
    auto conda =
        std::find_if(records.begin(), records.end(), [](auto* r) { return FromConda(*r); });
    auto pip = std::find_if(records.begin(), records.end(), [](auto* r) {
      return !FromConda(*r) && r->record_kind != "conda-meta";
    });
    if (conda == records.end() || pip == records.end()) continue;
    out.push_back({"env.mixed_installers", Severity::kWarning,
                   fw + " is installed by both conda and pip in " + env.prefix,
                   Describe(**pip) + " beside " + Describe(**conda),
                   env.Interpreter() + " -m pip uninstall -y " + (*pip)->name +
                       " && conda install -p " + env.prefix + " --force-reinstall " +
                       (*conda)->name});
  }

  // Two records of one package: pip sees the first, imports may see the other's files.
  std::map<std::string, std::vector<const PackageRecord*>> by_name;
  for (const auto& r : env.packages) {
    if (r.record_kind != "conda-meta") by_name[r.normalized_name].push_back(&r);
  }
  for (const auto& [name, records] : by_name) {
    if (records.size() < 2) continue;
    const PackageRecord* winner = records.front();
    for (const PackageRecord* loser : records) {
      if (loser == winner) continue;
      // A --system-site-packages venv overriding its base interpreter's copy is the design,
      // and so is a Debian package shipping both a dist-info and an egg-info (dpkg owns both).
      if (Inside(winner->record_path, env.prefix) && !Inside(loser->record_path, env.prefix))
        continue;
      if (winner->installer == "debian" && loser->installer == "debian") continue;
      out.push_back({"env.mixed_installers", Severity::kWarning,
                     name + " has two installed records in " + env.prefix,
                     Describe(*winner) + " is used; " + Describe(*loser) + " is a leftover",
                     "rm -rf " + Quote(loser->record_path) + " && " + env.Interpreter() +
                         " -m pip install --force-reinstall --no-deps " +
                         Quote(winner->name + "==" + winner->version)});
    }
  }
}

void CheckBaseEnv(const PythonEnv& env, std::vector<Finding>& out) {
  if (env.kind != "conda-base") return;
  std::vector<std::string> names;
  for (const auto& r : env.packages) {
    std::string fw = FrameworkOf(r.normalized_name);
    if (!fw.empty() && fw != "numpy" && !r.shadowed) names.push_back(r.name + " " + r.version);
  }
  if (names.empty()) return;
  std::string mm = "3";
  if (env.python_version) {
    auto parts = util::Split(*env.python_version, '.');
    if (parts.size() >= 2) mm = parts[0] + "." + parts[1];
  }
  out.push_back(
      {"env.base_env", Severity::kWarning,
       "Deep-learning frameworks are installed into conda's base environment " + env.prefix,
       util::Join(names, ", "),
       "conda create -y -n dl python=" + mm +
           " && conda activate dl  # then install the frameworks there"});
}

std::optional<util::Pep440Version> Version(const PackageRecord& r) {
  return util::Pep440Version::Parse(r.version);
}

void CheckNumpyAbi(const PythonEnv& env, std::vector<Finding>& out) {
  const PackageRecord* numpy = nullptr;
  for (const auto& r : env.packages) {
    if (r.normalized_name == "numpy" && !r.shadowed && r.record_kind != "conda-meta") numpy = &r;
  }
  if (!numpy) return;
  auto nv = Version(*numpy);
  if (!nv || nv->release().empty() || nv->release()[0] == "0" || nv->release()[0] == "1") return;

  auto report = [&](const std::string& who, const std::string& why) {
    out.push_back(
        {"env.numpy_abi", Severity::kError,
         who + " was built against NumPy 1 but " + env.prefix + " has NumPy " + numpy->version, why,
         env.Interpreter() + " -m pip install 'numpy<2'"});
  };
  std::vector<std::string> judged;
  // What the framework's own files say wins over the table.
  for (const auto& fw : env.frameworks) {
    if (!fw.numpy_abi) continue;
    judged.push_back(util::NormalizeProjectName(fw.package));
    if (*fw.numpy_abi == "1") {
      report(fw.package + " " + fw.version, "numpy " + numpy->version + "; " + fw.package + " " +
                                                fw.version + " built against NumPy 1 (" +
                                                util::Join(fw.evidence, ", ") + ")");
    }
  }
  for (const auto& row : knowledge::BuiltinNumpyAbi()) {
    auto first_np2 = util::Pep440Version::Parse(row.numpy2_from);
    for (const auto& r : env.packages) {
      if (r.shadowed || r.record_kind == "conda-meta") continue;
      if (std::find(row.packages.begin(), row.packages.end(), r.normalized_name) ==
          row.packages.end())
        continue;
      if (std::find(judged.begin(), judged.end(), r.normalized_name) != judged.end()) continue;
      auto v = Version(r);
      if (!v || !first_np2 || v->WithoutLocal() >= *first_np2) continue;
      report(r.name + " " + r.version, "numpy " + numpy->version + "; " + r.name + " " + r.version +
                                           " < " + row.numpy2_from + " is a NumPy 1 build (" +
                                           row.source + ")");
    }
  }
}

void CheckBrokenRequirements(const PythonEnv& env, const model::Snapshot& snapshot,
                             std::vector<Finding>& out) {
  if (!env.python_version) return;
  auto broken =
      PipCheck(env, util::LinuxMarkerEnvironment(*env.python_version, snapshot.host.kernel));
  if (broken.empty()) return;
  std::vector<std::string> lines, wants;
  for (const auto& b : broken) {
    lines.push_back(b.Line());
    util::Requirement want = b.requirement;
    want.marker.reset();
    std::string w = Quote(want.ToString());
    if (std::find(wants.begin(), wants.end(), w) == wants.end()) wants.push_back(w);
  }
  out.push_back(
      {"env.broken_requirements", Severity::kWarning,
       std::to_string(broken.size()) + " unmet or conflicting requirement" +
           (broken.size() == 1 ? "" : "s") + " in " + env.prefix + " (as pip check reports)",
       util::Join(lines, "\n"), env.Interpreter() + " -m pip install " + util::Join(wants, " ")});
}

// Files the probe found but would not read (a FIFO, a device, a folder, a link loop): the
// inventory lacks what they describe, so say which.
void CheckSkippedFiles(const PythonEnv& env, std::vector<Finding>& out) {
  if (env.skipped_files.empty()) return;
  std::vector<std::string> paths;
  for (const std::string& s : env.skipped_files) paths.push_back(Quote(s.substr(0, s.rfind(": "))));
  std::size_t n = env.skipped_files.size();
  out.push_back({"env.unreadable_file", Severity::kWarning,
                 std::to_string(n) + (n == 1 ? " file" : " files") + " in " + env.prefix +
                     " skipped: not regular files; what they describe is missing from this report",
                 util::Join(env.skipped_files, "\n"), "ls -ld " + util::Join(paths, " ")});
}

}  // namespace

void CheckEnvironments(const model::Snapshot& snapshot, const knowledge::Knowledge&,
                       std::vector<model::Finding>& out) {
  for (const PythonEnv& env : snapshot.python_envs) {
    CheckMixedInstallers(env, out);
    CheckBaseEnv(env, out);
    CheckNumpyAbi(env, out);
    CheckBrokenRequirements(env, snapshot, out);
    CheckSkippedFiles(env, out);
  }
}

}  // namespace dlenv::rules
