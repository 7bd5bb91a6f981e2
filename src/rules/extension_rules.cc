#include "rules/extension_rules.h"

#include <fmt/format.h>

#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::Severity;

std::string Python(const model::PythonEnv& env) {
  return env.executable.value_or(env.prefix + "/bin/python");
}

/// The package's release whose own metadata accepts the installed framework, chosen by pip
/// with the framework held where it is.
std::string Fix(const model::PythonEnv& env, const model::CompiledExtension& e) {
  return fmt::format("{} -m pip install --upgrade '{}' '{}=={}'", Python(env), e.package,
                     e.framework_package, e.framework_version);
}

/// No release on the index may be built for this torch's CUDA major yet (xformers 0.0.35 is
/// built for CUDA 12 while torch 2.15 on PyPI is CUDA 13): rebuild it against the installed
/// torch, with the toolkit of torch's CUDA major.
std::string RebuildFix(const model::PythonEnv& env, const model::CompiledExtension& e,
                       const std::string& cuda_major) {
  return fmt::format(
      "CUDA_HOME=/usr/local/cuda-{} {} -m pip install --force-reinstall --no-deps "
      "--no-build-isolation "
      "--no-binary '{}' '{}=={}'",
      cuda_major, Python(env), e.package, e.package, e.package_version);
}

const model::FrameworkBuild* BuildOf(const model::PythonEnv& env, const std::string& framework) {
  for (const auto& b : env.frameworks) {
    if (b.name == framework) return &b;
  }
  return nullptr;
}

}  // namespace

void CheckExtensions(const model::PythonEnv& env,
                     const std::vector<model::CompiledExtension>& extensions,
                     std::vector<Finding>& out) {
  for (const auto& e : extensions) {
    if (e.missing_count > 0) {
      out.push_back(
          {"extension.undefined_symbols", Severity::kError,
           fmt::format("{} {} was compiled against another {} than the installed {} {}", e.package,
                       e.package_version, e.framework, e.framework_package, e.framework_version),
           fmt::format("{} takes {} symbols from {}; {} of them are not exported by {} {}: {}{}",
                       e.path, e.framework_symbols, util::Join(e.framework_libraries, ", "),
                       e.missing_count, e.framework_package, e.framework_version,
                       util::Join(e.missing_symbols, ", "),
                       e.missing_count > static_cast<int>(e.missing_symbols.size()) ? ", ..." : ""),
           Fix(env, e)});
    }
    const auto* build = BuildOf(env, e.framework);
    if (e.cuda_runtime_major && build && build->cuda_version) {
      const std::string torch_major =
          build->cuda_version->substr(0, build->cuda_version->find('.'));
      if (torch_major != std::to_string(*e.cuda_runtime_major)) {
        out.push_back({"extension.cuda_major_mismatch", Severity::kError,
                       fmt::format("{} {} was built with CUDA {}, {} {} with CUDA {}", e.package,
                                   e.package_version, *e.cuda_runtime_major, e.framework_package,
                                   e.framework_version, *build->cuda_version),
                       fmt::format("{} needs libcudart.so.{}; {} {} is a CUDA {} build", e.path,
                                   *e.cuda_runtime_major, e.framework_package, e.framework_version,
                                   *build->cuda_version),
                       RebuildFix(env, e, torch_major)});
      }
    }
  }
}

}  // namespace dlenv::rules
