#include "rules/framework_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "knowledge/frameworks.h"
#include "rules/framework_rules_fix.h"
#include "util/dotted_version.h"
#include "util/fatbin.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::Severity;
using util::DottedVersion;

// The packages that run on a GPU; NumPy is tracked for its ABI only.
bool IsGpuFramework(const model::FrameworkBuild& b) {
  const auto* f = knowledge::Frameworks().Find(b.name);
  return f && f->gpu;
}

std::string EnvName(const model::PythonEnv& env) { return env.prefix; }

/// The command that runs this environment's pip, so a fix can be pasted as is.
std::string Pip(const model::PythonEnv& env) {
  return fmt::format("{} -m pip", env.executable.value_or(env.prefix + "/bin/python"));
}

std::string InstallCommand(const model::PythonEnv& env, const model::FrameworkBuild& b) {
  // `dlenv install` knows torch, tensorflow, jax and cupy; ONNX Runtime has one GPU package.
  if (b.name == knowledge::kOnnxRuntime) return fmt::format("{} install onnxruntime-gpu", Pip(env));
  return fmt::format("dlenv install {} --python {}", b.name,
                     env.executable.value_or(env.prefix + "/bin/python"));
}

/// The CUDA version the driver supports, from the driver API or NVML.
std::optional<DottedVersion> DriverCuda(const model::Snapshot& s) {
  if (s.driver.cuda_driver_version)
    return DottedVersion::FromCudaInt(*s.driver.cuda_driver_version);
  if (s.driver.nvml_cuda_driver_version)
    return DottedVersion::FromCudaInt(*s.driver.nvml_cuda_driver_version);
  return std::nullopt;
}

std::optional<DottedVersion> DriverVersion(const model::Snapshot& s) {
  if (s.driver.nvml_driver_version) return DottedVersion::Parse(*s.driver.nvml_driver_version);
  if (s.driver.kernel_module_version) return DottedVersion::Parse(*s.driver.kernel_module_version);
  return std::nullopt;
}

/// NVIDIA writes driver versions with two-digit fields (450.80.02); DottedVersion keeps numbers.
std::string DriverText(const DottedVersion& v) {
  std::string text = std::to_string(v.part(0));
  for (std::size_t i = 1; i < v.size(); ++i) text += fmt::format(".{:02}", v.part(i));
  return text;
}

std::optional<std::string> DriverString(const model::Snapshot& s) {
  return s.driver.nvml_driver_version ? s.driver.nvml_driver_version
                                      : s.driver.kernel_module_version;
}

/// "12.1" or "12" (a build for any CUDA 12 minor, as cupy-cuda12x and jax[cuda12] are).
std::optional<DottedVersion> BuildCuda(const model::FrameworkBuild& b) {
  if (!b.cuda_build || !b.cuda_version) return std::nullopt;
  return DottedVersion::Parse(*b.cuda_version);
}

void CheckDriverTooOld(const model::Snapshot& s, const knowledge::Knowledge& k,
                       const model::PythonEnv& env, const model::FrameworkBuild& b,
                       std::vector<Finding>& out) {
  auto driver_cuda = DriverCuda(s);
  auto needed = BuildCuda(b);
  if (!driver_cuda || !needed) return;
  const bool major_only = needed->size() == 1;
  if (*driver_cuda >= *needed) return;
  auto driver = DriverVersion(s);
  auto floor = k.MinorCompatDriverFor(needed->major());
  // Minor-version compatibility: from CUDA 11 on, a build for any minor of a major runs on a
  // driver of that major at or above the family's floor (450.80.02 for 11.x, 525.60.13 for
  // 12.x, 580 for 13.x). A driver that reports 11.0 can still be below 450.80.02.
  if (driver_cuda->major() == needed->major() && floor) {
    if (!driver) return;  // the floor cannot be checked without the driver's own version
    if (*driver >= *floor) return;
  }
  // With minor-version compatibility the family floor is enough; before CUDA 11 the build's
  // own release needs its GA driver.
  std::string need_driver;
  if (floor) {
    need_driver = DriverText(*floor);
  } else if (auto ga = k.GaDriverFor(*needed)) {
    need_driver = DriverText(*ga);
  }
  Finding f;
  f.id = "driver.too_old";
  f.severity = Severity::kError;
  f.title = fmt::format("{} {} in {} needs CUDA {}, newer than this driver supports (CUDA {})",
                        b.name, b.version, EnvName(env),
                        needed->ToString() + (major_only ? ".x" : ""), driver_cuda->ToString());
  f.evidence =
      fmt::format("driver {} reports CUDA {}; {} {} was built for CUDA {}{}",
                  DriverString(s).value_or("(version unknown)"), driver_cuda->ToString(), b.package,
                  b.version, *b.cuda_version,
                  need_driver.empty() ? "" : fmt::format("; it needs driver >= {}", need_driver));
  f.fix = fmt::format("Install NVIDIA driver {} or newer, or a build for this driver: {}",
                      need_driver.empty() ? "for CUDA " + needed->ToString() : need_driver,
                      InstallCommand(env, b));
  out.push_back(std::move(f));
}

void CheckCpuOnly(const model::Snapshot& s, const model::PythonEnv& env,
                  const model::FrameworkBuild& b, std::vector<Finding>& out) {
  if (s.gpus.empty() || b.cuda_build || b.rocm_version) return;
  Finding f;
  f.id = "framework.cpu_only_build";
  f.severity = Severity::kWarning;
  f.title = fmt::format("{} {} in {} is a CPU-only build, but this machine has {} NVIDIA GPU(s)",
                        b.name, b.version, EnvName(env), s.gpus.size());
  f.evidence = fmt::format("{} {}: no CUDA build ({}); GPU 0: {}", b.package, b.version,
                           b.evidence.empty() ? "package metadata" : b.evidence.front(),
                           s.gpus.front().name);
  f.fix = InstallCommand(env, b);
  out.push_back(std::move(f));
}

void CheckArch(const model::Snapshot& s, const model::PythonEnv& env,
               const model::FrameworkBuild& b, std::vector<Finding>& out) {
  if (!b.cuda_build || b.cuda_archs.empty()) return;
  for (const auto& gpu : s.gpus) {
    if (!gpu.cc_major || !gpu.cc_minor) continue;
    if (util::ArchesRunOn(b.cuda_archs, *gpu.cc_major, *gpu.cc_minor)) continue;
    Finding f;
    f.id = "gpu.arch_unsupported";
    f.severity = Severity::kError;
    f.title =
        fmt::format("{} {} in {} has no code for GPU {} ({}, compute capability {}.{})", b.name,
                    b.version, EnvName(env), gpu.index, gpu.name, *gpu.cc_major, *gpu.cc_minor);
    f.evidence = fmt::format(
        "compiled for {} (from {}); no sm_{}x machine code with x <= {} and no PTX at or below "
        "compute_{}{}",
        util::Join(b.cuda_archs, " "), b.archs_source.value_or("the build"), *gpu.cc_major,
        *gpu.cc_minor, *gpu.cc_major, *gpu.cc_minor);
    f.fix = InstallCommand(env, b);
    out.push_back(std::move(f));
  }
}

std::string Quoted(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back("'" + i + "'");
  return util::Join(out, " ");
}

void AddUnique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

/// "libcufft.so.11 (dlopened at run time: <source>)" for a library in no NEEDED entry.
std::string HowLoaded(const model::FrameworkBuild& b, const model::LibraryNeed& need) {
  auto cuda = b.cuda_version ? DottedVersion::Parse(*b.cuda_version) : std::nullopt;
  const auto* row =
      cuda ? knowledge::BuiltinRuntimeLibraries().DlopenedBy(b.name, cuda->major()) : nullptr;
  if (!row ||
      std::find(row->sonames.begin(), row->sonames.end(), need.soname) == row->sonames.end()) {
    return need.soname;
  }
  return fmt::format("{} (dlopened at run time: {})", need.soname, row->source);
}

void CheckMissingLibs(const model::Snapshot& s, const model::PythonEnv& env,
                      const model::FrameworkBuild& b, std::vector<Finding>& out) {
  if (!b.cuda_build || s.gpus.empty()) return;
  const auto& table = knowledge::BuiltinRuntimeLibraries();
  std::vector<std::string> missing, how, fixes;
  bool unmapped = false;
  for (const auto& need : b.libraries) {
    if (need.resolved) continue;
    missing.push_back(need.soname);
    if (auto text = HowLoaded(b, need); text != need.soname) how.push_back(text);
    if (auto req = RequirementFor(env, b, need.soname, table)) {
      AddUnique(fixes, req->fix);
    } else {
      unmapped = true;
    }
  }
  if (missing.empty()) return;
  Finding f;
  f.id = "framework.cuda_libs_missing";
  f.severity = Severity::kError;
  f.title = fmt::format("{} {} in {} cannot find {}", b.name, b.version, EnvName(env),
                        util::Join(missing, ", "));
  f.evidence = fmt::format(
      "searched {}'s RPATH/RUNPATH, LD_LIBRARY_PATH, the loader cache and the system folders "
      "for {}; none has it{}",
      b.package, util::Join(missing, ", "),
      how.empty() ? "" : fmt::format("; {}", util::Join(how, "; ")));
  // The framework's own requirements for exactly those libraries are the smallest fix; a
  // library its metadata does not provide needs the framework installed as dlenv knows how.
  if (unmapped || fixes.empty()) {
    f.fix = InstallCommand(env, b);
  } else {
    f.fix = fmt::format("{} install {}", Pip(env), Quoted(fixes));
    f.evidence += fmt::format("; {}'s metadata requires {}", b.package, util::Join(fixes, ", "));
  }
  out.push_back(std::move(f));
}

/// Versions agree on the parts both state: "9.1" and "9.1.0.70" agree, "9.1.0" and "9.0.0" do not.
bool SameVersion(const std::string& a, const std::string& b) {
  auto va = DottedVersion::Parse(a), vb = DottedVersion::Parse(b);
  if (!va || !vb) return a == b;
  std::size_t n = std::min(va->size(), vb->size());
  for (std::size_t i = 0; i < n; ++i) {
    if (va->part(i) != vb->part(i)) return false;
  }
  return true;
}

/// What the framework asks of a library, and whether a copy of `version` meets it.
struct Expectation {
  std::string wanted;  // "nvidia-cudnn-cu13==9.26.0.51", ">= 13.2 (built with CUDA 13.2)", "9"
  bool met = true;
};

std::optional<Expectation> Expect(const model::FrameworkBuild& b, const model::LibraryNeed& need,
                                  const std::optional<LibraryRequirement>& req) {
  const std::string& have = *need.version;
  // The framework's own pin of the wheel that ships it, unless it comes with an extra that is
  // not installed (tensorflow without [and-cuda] uses the system's copy by design).
  if (req && !req->via_cuda_toolkit && !req->optional_extra_missing &&
      !req->requirement.specifier.empty()) {
    return Expectation{
        fmt::format("{}{}", req->requirement.name, req->requirement.specifier.ToString()),
        req->requirement.specifier.Contains(have)};
  }
  // The CUDA runtime must be at least the release the framework was built with.
  if (need.soname.starts_with("libcudart.so") && b.cuda_version) {
    auto built = DottedVersion::Parse(*b.cuda_version);
    auto got = DottedVersion::Parse(have);
    if (built && got) {
      bool met = got->major() == built->major() &&
                 (built->size() < 2 || got->size() < 2 || got->minor() >= built->minor());
      return Expectation{fmt::format("a CUDA runtime >= {} ({} was built with CUDA {})",
                                     built->ToString(), b.name, *b.cuda_version),
                         met};
    }
  }
  if (need.expected_version && !need.expected_version->empty()) {
    return Expectation{*need.expected_version, SameVersion(have, *need.expected_version)};
  }
  return std::nullopt;
}

void CheckShadowed(const model::PythonEnv& env, const model::FrameworkBuild& b,
                   std::vector<Finding>& out) {
  const auto& table = knowledge::BuiltinRuntimeLibraries();
  for (const auto& need : b.libraries) {
    if (!need.resolved || !need.version || need.version->empty()) continue;
    // The framework's own copy comes through its RPATH/RUNPATH (or its preload of the
    // wheels); a copy reached any other way first is someone else's.
    const std::string via = need.found_via.value_or("");
    if (via == "RUNPATH" || via == "RPATH" || via == "nvidia wheel") continue;
    auto req = RequirementFor(env, b, need.soname, table);
    auto expect = Expect(b, need, req);
    if (!expect || expect->met) continue;
    std::string dir = std::filesystem::path(*need.resolved).parent_path().string();
    bool own_installed =
        std::any_of(b.nvidia_wheels.begin(), b.nvidia_wheels.end(), [&](const auto& w) {
          return std::any_of(w.libraries.begin(), w.libraries.end(), [&](const auto& lib) {
            return std::filesystem::path(lib).filename() == need.soname;
          });
        });
    Finding f;
    f.id = "framework.lib_shadowed";
    f.severity = Severity::kWarning;
    f.title = fmt::format("{} {} in {} will load {} {} from {} instead of {}", b.name, b.version,
                          EnvName(env), need.soname, *need.version, via, expect->wanted);
    f.evidence = fmt::format(
        "{} resolves to {} (version {}, found via {}); {} needs {}{}", HowLoaded(b, need),
        *need.resolved, *need.version, via, b.package, expect->wanted,
        own_installed ? "; its own copy is installed but comes later in the search"
                      : "; its own copy is not installed");
    if (via == "LD_LIBRARY_PATH" && own_installed) {
      f.fix = fmt::format(
          "export LD_LIBRARY_PATH=\"$(printf %s \"$LD_LIBRARY_PATH\" | tr : '\\n' | grep -vx '{}' "
          "| paste -sd:)\"",
          dir);
    } else if (req) {
      f.fix = fmt::format("{} install '{}'", Pip(env), req->fix);
    } else {
      f.fix = InstallCommand(env, b);
    }
    out.push_back(std::move(f));
  }
}

}  // namespace

void CheckFrameworks(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                     std::vector<model::Finding>& out) {
  for (const auto& env : snapshot.python_envs) {
    for (const auto& b : env.frameworks) {
      if (!IsGpuFramework(b)) continue;
      CheckDriverTooOld(snapshot, knowledge, env, b, out);
      CheckCpuOnly(snapshot, env, b, out);
      CheckArch(snapshot, env, b, out);
      CheckMissingLibs(snapshot, env, b, out);
      CheckShadowed(env, b, out);
    }
  }
}

}  // namespace dlenv::rules
