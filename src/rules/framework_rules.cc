#include "rules/framework_rules.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

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
  return b.name == "torch" || b.name == "tensorflow" || b.name == "jax" || b.name == "cupy" ||
         b.name == "onnxruntime";
}

std::string EnvName(const model::PythonEnv& env) { return env.prefix; }

/// The command that runs this environment's pip, so a fix can be pasted as is.
std::string Pip(const model::PythonEnv& env) {
  return fmt::format("{} -m pip", env.executable.value_or(env.prefix + "/bin/python"));
}

std::string InstallCommand(const model::PythonEnv& env, const model::FrameworkBuild& b) {
  // `dlenv install` knows torch, tensorflow, jax and cupy; ONNX Runtime has one GPU package.
  if (b.name == "onnxruntime") return fmt::format("{} install onnxruntime-gpu", Pip(env));
  return fmt::format("dlenv install {} --python {}", b.name, env.executable.value_or(env.prefix + "/bin/python"));
}

/// The CUDA version the driver supports, from the driver API or NVML.
std::optional<DottedVersion> DriverCuda(const model::Snapshot& s) {
  if (s.driver.cuda_driver_version) return DottedVersion::FromCudaInt(*s.driver.cuda_driver_version);
  if (s.driver.nvml_cuda_driver_version) return DottedVersion::FromCudaInt(*s.driver.nvml_cuda_driver_version);
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
  return s.driver.nvml_driver_version ? s.driver.nvml_driver_version : s.driver.kernel_module_version;
}

/// "12.1" or "12" (a build for any CUDA 12 minor, as cupy-cuda12x and jax[cuda12] are).
std::optional<DottedVersion> BuildCuda(const model::FrameworkBuild& b) {
  if (!b.cuda_build || !b.cuda_version) return std::nullopt;
  return DottedVersion::Parse(*b.cuda_version);
}

void CheckDriverTooOld(const model::Snapshot& s, const knowledge::Knowledge& k, const model::PythonEnv& env,
                       const model::FrameworkBuild& b, std::vector<Finding>& out) {
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
  f.title = fmt::format("{} {} in {} needs CUDA {}, newer than this driver supports (CUDA {})", b.name, b.version,
                        EnvName(env), needed->ToString() + (major_only ? ".x" : ""), driver_cuda->ToString());
  f.evidence = fmt::format("driver {} reports CUDA {}; {} {} was built for CUDA {}{}",
                           DriverString(s).value_or("(version unknown)"), driver_cuda->ToString(), b.package,
                           b.version, *b.cuda_version,
                           need_driver.empty() ? "" : fmt::format("; it needs driver >= {}", need_driver));
  f.fix = fmt::format("Install NVIDIA driver {} or newer, or a build for this driver: {}",
                      need_driver.empty() ? "for CUDA " + needed->ToString() : need_driver, InstallCommand(env, b));
  out.push_back(std::move(f));
}

void CheckCpuOnly(const model::Snapshot& s, const model::PythonEnv& env, const model::FrameworkBuild& b,
                  std::vector<Finding>& out) {
  if (s.gpus.empty() || b.cuda_build || b.rocm_version) return;
  Finding f;
  f.id = "framework.cpu_only_build";
  f.severity = Severity::kWarning;
  f.title = fmt::format("{} {} in {} is a CPU-only build, but this machine has {} NVIDIA GPU(s)", b.name, b.version,
                        EnvName(env), s.gpus.size());
  f.evidence = fmt::format("{} {}: no CUDA build ({}); GPU 0: {}", b.package, b.version,
                           b.evidence.empty() ? "package metadata" : b.evidence.front(), s.gpus.front().name);
  f.fix = InstallCommand(env, b);
  out.push_back(std::move(f));
}

void CheckArch(const model::Snapshot& s, const model::PythonEnv& env, const model::FrameworkBuild& b,
               std::vector<Finding>& out) {
  if (!b.cuda_build || b.cuda_archs.empty()) return;
  for (const auto& gpu : s.gpus) {
    if (!gpu.cc_major || !gpu.cc_minor) continue;
    if (util::ArchesRunOn(b.cuda_archs, *gpu.cc_major, *gpu.cc_minor)) continue;
    Finding f;
    f.id = "gpu.arch_unsupported";
    f.severity = Severity::kError;
    f.title = fmt::format("{} {} in {} has no code for GPU {} ({}, compute capability {}.{})", b.name, b.version,
                          EnvName(env), gpu.index, gpu.name, *gpu.cc_major, *gpu.cc_minor);
    f.evidence = fmt::format("compiled for {} (from {}); no sm_{}x machine code with x <= {} and no PTX at or below "
                             "compute_{}{}",
                             util::Join(b.cuda_archs, " "), b.archs_source.value_or("the build"), *gpu.cc_major,
                             *gpu.cc_minor, *gpu.cc_major, *gpu.cc_minor);
    f.fix = InstallCommand(env, b);
    out.push_back(std::move(f));
  }
}

/// The pip wheel that ships a CUDA library of this soname for a CUDA major.
std::string WheelFor(std::string_view soname, std::optional<DottedVersion> cuda) {
  std::string suffix = cuda ? fmt::format("-cu{}", cuda->major()) : "-cu12";
  if (soname.starts_with("libcudnn")) return "nvidia-cudnn" + suffix;
  if (soname.starts_with("libcublas")) return "nvidia-cublas" + suffix;
  if (soname.starts_with("libcudart")) return "nvidia-cuda-runtime" + suffix;
  if (soname.starts_with("libcufft")) return "nvidia-cufft" + suffix;
  if (soname.starts_with("libcurand")) return "nvidia-curand" + suffix;
  if (soname.starts_with("libcusolver")) return "nvidia-cusolver" + suffix;
  if (soname.starts_with("libcusparse")) return "nvidia-cusparse" + suffix;
  if (soname.starts_with("libnccl")) return "nvidia-nccl" + suffix;
  if (soname.starts_with("libnvrtc")) return "nvidia-cuda-nvrtc" + suffix;
  if (soname.starts_with("libnvJitLink")) return "nvidia-nvjitlink" + suffix;
  return {};
}

void CheckMissingLibs(const model::Snapshot& s, const model::PythonEnv& env, const model::FrameworkBuild& b,
                      std::vector<Finding>& out) {
  if (!b.cuda_build || s.gpus.empty()) return;
  std::vector<std::string> missing, wheels;
  for (const auto& need : b.libraries) {
    if (need.resolved) continue;
    missing.push_back(need.soname);
    std::string wheel = WheelFor(need.soname, BuildCuda(b));
    // A cuDNN pin names the wheel's own version; TF's "8" becomes "==8.*".
    if (!wheel.empty() && need.expected_version) {
      wheel += need.expected_version->find('.') == std::string::npos ? "==" + *need.expected_version + ".*"
                                                                     : "==" + *need.expected_version;
    }
    if (!wheel.empty() && std::find(wheels.begin(), wheels.end(), wheel) == wheels.end()) wheels.push_back(wheel);
  }
  if (missing.empty()) return;
  Finding f;
  f.id = "framework.cuda_libs_missing";
  f.severity = Severity::kError;
  f.title = fmt::format("{} {} in {} cannot find {}", b.name, b.version, EnvName(env), util::Join(missing, ", "));
  f.evidence = fmt::format("searched {}'s RPATH/RUNPATH, LD_LIBRARY_PATH, the loader cache and the system folders "
                           "for {}; none has it",
                           b.package, util::Join(missing, ", "));
  if (wheels.empty()) {
    f.fix = InstallCommand(env, b);
  } else {
    for (auto& w : wheels) w = "'" + w + "'";
    f.fix = fmt::format("{} install {}", Pip(env), util::Join(wheels, " "));
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

void CheckShadowed(const model::PythonEnv& env, const model::FrameworkBuild& b, std::vector<Finding>& out) {
  for (const auto& need : b.libraries) {
    bool watched = need.soname.starts_with("libcudnn") || need.soname.starts_with("libcublas");
    if (!watched || !need.resolved || !need.version || !need.expected_version) continue;
    // The framework's own copy comes through its RUNPATH (or its preload of the wheels); a
    // copy reached any other way first is someone else's.
    const std::string via = need.found_via.value_or("");
    if (via == "RUNPATH" || via == "nvidia wheel") continue;
    if (SameVersion(*need.version, *need.expected_version)) continue;
    std::string dir = std::filesystem::path(*need.resolved).parent_path().string();
    Finding f;
    f.id = "framework.lib_shadowed";
    f.severity = Severity::kWarning;
    f.title = fmt::format("{} {} in {} will load {} {} from {} instead of {}", b.name, b.version, EnvName(env),
                          need.soname, *need.version, via, *need.expected_version);
    f.evidence = fmt::format("{} resolves to {} (version {}, found via {}); {} ships or needs {}", need.soname,
                             *need.resolved, *need.version, via, b.package, *need.expected_version);
    if (via == "LD_LIBRARY_PATH") {
      f.fix = fmt::format(
          "export LD_LIBRARY_PATH=\"$(printf %s \"$LD_LIBRARY_PATH\" | tr : '\\n' | grep -vx '{}' | paste -sd:)\"", dir);
    } else {
      f.fix = fmt::format("{} install --force-reinstall {}", Pip(env), b.package);
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
