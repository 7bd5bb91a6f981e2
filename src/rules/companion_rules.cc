#include "rules/companion_rules.h"

#include <fmt/format.h>

#include "knowledge/frameworks.h"
#include "util/build_label.h"
#include "util/pep440.h"
#include "util/pep508.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::PackageRecord;
using model::PythonEnv;
using model::Severity;

/// The installed record of a framework in this environment (the one pip sees).
const PackageRecord* InstalledFramework(const PythonEnv& env,
                                        const knowledge::FrameworkIdentity& f) {
  for (const auto& p : env.packages) {
    // A conda-meta record carries conda's name (pytorch) and the PyPI one as normalized_name.
    if (!p.shadowed && (f.IsDistribution(p.name) || f.IsDistribution(p.normalized_name))) return &p;
  }
  return nullptr;
}

/// The companion's own requirement on the framework (not one behind an extra).
std::optional<util::Requirement> PinOn(const PackageRecord& companion,
                                       const knowledge::FrameworkIdentity& f) {
  for (const auto& line : companion.requires_dist) {
    auto req = util::ParseRequirement(line);
    if (!req || !f.IsDistribution(req->name)) continue;
    if (req->marker && req->marker->ToString().find("extra") != std::string::npos) continue;
    return req;
  }
  return std::nullopt;
}

/// The fix: the framework held at its installed version, and pip choosing the companion
/// release whose own metadata accepts it; from the framework's variant index where the
/// framework is a +cuXYZ build.
std::string Fix(const PythonEnv& env, const PackageRecord& companion,
                const PackageRecord& framework, const std::string& index) {
  // conda's torch (pytorch, no pip record): conda's solver picks the companion build for it.
  if (framework.record_kind == "conda-meta") {
    return fmt::format("conda install -y -p {} '{}' '{}={}'", env.prefix,
                       companion.conda_name.value_or(companion.name),
                       framework.conda_name.value_or(framework.name), framework.version);
  }
  std::string cmd = fmt::format("{} -m pip install --upgrade '{}' '{}=={}'", env.Interpreter(),
                                companion.name, framework.name, framework.version);
  if (!index.empty()) cmd += " --index-url " + index;
  return cmd;
}

std::optional<Finding> CompanionFinding(const PythonEnv& env, const knowledge::FrameworkIdentity& f,
                                        const PackageRecord& companion,
                                        const knowledge::Companion& c,
                                        const PackageRecord& framework) {
  auto fv = util::Pep440Version::Parse(framework.version);
  if (!fv) return std::nullopt;
  auto flabel = util::ParseBuildLabel(framework.version);
  auto clabel = util::ParseBuildLabel(companion.version);
  std::string index;
  if (flabel && !flabel->TorchVariant().empty() && c.on_framework_index &&
      f.id == knowledge::kTorch)
    index = "https://download.pytorch.org/whl/" + flabel->TorchVariant();
  const std::string paired = knowledge::PairedRelease(c, framework.version);
  const std::string pair_note =
      paired.empty() ? ""
                     : fmt::format("; {} {}.x pairs with {} {} ({})", companion.name, paired, f.id,
                                   fv->release()[0] + "." + fv->release()[1],
                                   "pairing rule of dlenv's framework identity");

  if (auto pin = PinOn(companion, f);
      pin && !pin->specifier.empty() && !pin->specifier.Contains(fv->Public())) {
    return Finding(
        {"companion.framework_mismatch", Severity::kError,
         fmt::format("{} {} was built for another {} than the installed {} {}", companion.name,
                     companion.version, f.display, framework.name, framework.version),
         fmt::format("{} {} requires {}; installed: {} {} ({}){}", companion.name,
                     companion.version, pin->ToString(), framework.name, framework.version,
                     framework.record_path, pair_note),
         Fix(env, companion, framework, index)});
  }
  // Same release line, other CUDA build: the companion's kernels need its own CUDA major.
  if (flabel && clabel && c.on_framework_index) {
    const bool f_cuda = flabel->kind == util::BuildLabel::Kind::kCuda;
    const bool c_cuda = clabel->kind == util::BuildLabel::Kind::kCuda;
    if (f_cuda && c_cuda && flabel->cuda_major != clabel->cuda_major) {
      return Finding(
          {"companion.cuda_variant_mismatch", Severity::kError,
           fmt::format("{} {} and {} {} were compiled for different CUDA majors", companion.name,
                       companion.version, framework.name, framework.version),
           fmt::format("{} {}: CUDA {}; {} {}: CUDA {}", companion.name, companion.version,
                       clabel->CudaVersion(), framework.name, framework.version,
                       flabel->CudaVersion()),
           Fix(env, companion, framework, index)});
    } else if (f_cuda != c_cuda && (f_cuda || c_cuda) &&
               (flabel->kind == util::BuildLabel::Kind::kCpu ||
                clabel->kind == util::BuildLabel::Kind::kCpu)) {
      return Finding(
          {"companion.cuda_variant_mismatch", Severity::kWarning,
           fmt::format("{} {} and {} {} are not the same build (one is CPU-only)", companion.name,
                       companion.version, framework.name, framework.version),
           fmt::format("{} {}: {}; {} {}: {}", companion.name, companion.version, clabel->label,
                       framework.name, framework.version, flabel->label),
           Fix(env, companion, framework, index)});
    }
  }
  return std::nullopt;
}

/// The companion's compiled modules that lack the installed framework's symbols confirm the
/// finding: their count and first names join its evidence (extension.undefined_symbols then
/// stays silent for the package: one finding for one cause).
Finding WithExtensionEvidence(const PythonEnv& env, const PackageRecord& companion, Finding f) {
  for (const auto& e : env.extensions) {
    if (e.missing_count == 0 ||
        util::NormalizeProjectName(e.package) != util::NormalizeProjectName(companion.name))
      continue;
    f.evidence +=
        fmt::format("; {} lacks {} of the {} symbols it takes from {} {} ({}{})", e.path,
                    e.missing_count, e.framework_symbols, e.framework_package, e.framework_version,
                    util::Join(e.missing_symbols, ", "),
                    e.missing_count > static_cast<int>(e.missing_symbols.size()) ? ", ..." : "");
  }
  return f;
}

/// Two distributions of one framework that install the same import folder (onnxruntime and
/// onnxruntime-gpu, tensorflow and tensorflow-cpu, cupy-cuda11x and cupy-cuda12x): the files
/// of whichever pip installed last win, whatever `pip list` says. The fix keeps the GPU one.
void CheckInstalledTwice(const PythonEnv& env, const knowledge::FrameworkIdentity& f,
                         std::vector<Finding>& out) {
  std::vector<const PackageRecord*> installed;
  for (const auto& p : env.packages) {
    if (!p.shadowed && f.ProvidesImport(p.name) && p.record_kind != "conda-meta")
      installed.push_back(&p);
  }
  if (installed.size() < 2) return;
  const PackageRecord* keep = installed.front();
  for (const auto* p : installed) {
    const std::string n = util::NormalizeProjectName(p->name);
    if (n.find("gpu") != std::string::npos || n.find("cuda") != std::string::npos) {
      keep = p;
      break;
    }
  }
  std::vector<std::string> names, described;
  for (const auto* p : installed) {
    names.push_back(p->name);
    described.push_back(fmt::format("{} {} ({})", p->name, p->version, p->record_path));
  }
  out.push_back(
      {"framework.installed_twice", Severity::kError,
       fmt::format(
           "{} is installed by {} distributions in {}: {}; their files overwrite each other",
           f.display, installed.size(), env.prefix, util::Join(names, ", ")),
       util::Join(described, "; ") +
           fmt::format("; the import {} is one folder", f.import_names.front()),
       fmt::format(
           "{} -m pip uninstall -y {} && {} -m pip install --force-reinstall --no-deps '{}=={}'",
           env.Interpreter(), util::Join(names, " "), env.Interpreter(), keep->name,
           keep->version)});
}

}  // namespace

bool CompanionRuleCovers(const model::PythonEnv& env, std::string_view package) {
  const auto& ids = knowledge::Frameworks();
  const std::string name = util::NormalizeProjectName(package);
  for (const auto& p : env.packages) {
    if (p.shadowed || util::NormalizeProjectName(p.name) != name) continue;
    auto companion = ids.FindCompanion(p.name);
    if (!companion) return false;
    const auto* framework = InstalledFramework(env, *companion->framework);
    return framework &&
           CompanionFinding(env, *companion->framework, p, *companion->companion, *framework)
               .has_value();
  }
  return false;
}

void CheckCompanions(const model::Snapshot& snapshot, const knowledge::Knowledge&,
                     std::vector<Finding>& out) {
  const auto& ids = knowledge::Frameworks();
  for (const auto& env : snapshot.python_envs) {
    for (const auto& f : ids.frameworks) CheckInstalledTwice(env, f, out);
    for (const auto& p : env.packages) {
      if (p.shadowed) continue;
      auto companion = ids.FindCompanion(p.name);
      if (!companion) continue;
      const auto* framework = InstalledFramework(env, *companion->framework);
      if (!framework) continue;  // pip check reports a missing requirement
      if (auto f =
              CompanionFinding(env, *companion->framework, p, *companion->companion, *framework))
        out.push_back(WithExtensionEvidence(env, p, std::move(*f)));
    }
  }
}

}  // namespace dlenv::rules
