#pragma once
// Which of a framework's own requirements provides a CUDA library, so that a fix names what
// the framework's metadata asks for (`cuda-toolkit[cublas,cudart,...]==13.2.2`,
// `tensorflow[and-cuda]==2.21.0`, `jax[cuda13]==0.10.2`, `nvidia-cudnn-cu13==9.26.0.51`),
// never a package name made up from a soname.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "knowledge/runtime_libraries.h"
#include "model/snapshot.h"
#include "util/pep508.h"

namespace dlenv::rules {

struct LibraryRequirement {
  /// What to pip install: the requirement as the framework writes it (markers dropped), or
  /// `package[extra]==installed version` when it comes with an extra.
  std::string fix;
  /// The requirement that names the distribution shipping the library.
  util::Requirement requirement;
  /// Set when that requirement is the cuda-toolkit meta package (its pin is the toolkit's).
  bool via_cuda_toolkit = false;
  /// Set when it comes with an extra that is not installed (tensorflow without [and-cuda]):
  /// the framework then expects the library from elsewhere, and its pin does not apply.
  bool optional_extra_missing = false;
};

/// The packages whose metadata describes a framework's build: torch; tensorflow; jax with
/// jaxlib and its CUDA plugin and PJRT; the cupy-cuda* package.
std::vector<const model::PackageRecord*> FrameworkRecords(const model::PythonEnv& env,
                                                          const model::FrameworkBuild& b);

/// The framework's requirement that provides `soname`: the distribution shipping it comes
/// from an installed RECORD (b.nvidia_wheels) or, when none is installed, from the
/// knowledge table; nullopt when the framework's metadata names none of them.
std::optional<LibraryRequirement> RequirementFor(const model::PythonEnv& env,
                                                 const model::FrameworkBuild& b,
                                                 std::string_view soname,
                                                 const knowledge::RuntimeLibraries& table);

/// "2.15.0+cu132" -> "2.15.0": what `==` on PyPI can match.
std::string PublicVersion(std::string_view version);

}  // namespace dlenv::rules
