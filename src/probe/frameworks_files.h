#pragma once
// The file-level helpers of the framework probe (frameworks.cc): package records by name,
// requirement names and pins, ELF objects with their fat binaries, generated .py literals.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/snapshot.h"
#include "probe/context.h"
#include "util/dotted_version.h"
#include "util/elf.h"
#include "util/py_literal.h"

namespace dlenv::probe::frameworks_files {

/// PEP 503 normalisation (runs of -_. become one -, lower case).
std::string NormalizeName(std::string_view name);
const model::PackageRecord* FindPackage(const model::PythonEnv& env, std::string_view name);
/// The distribution name a PEP 508 requirement starts with ("nvidia-cudnn-cu12==9.1.0.70; ...").
std::string RequirementName(std::string_view req);
/// The exact pin of a requirement (`==9.1.0.70`), if it has one; not a `==9.*` range.
std::optional<std::string> RequirementPin(std::string_view req);
/// The leading release numbers of a Python version ("2.3.1+cu121" -> 2.3.1).
std::optional<util::DottedVersion> ReleaseOf(std::string_view version);
bool AtLeast(std::string_view version, std::string_view floor);

struct ObjectFacts {
  std::filesystem::path path;  // inside the root
  util::ElfDynamic dynamic;
  std::vector<std::string> arches;  // from .nv_fatbin
  bool has_fatbin = false;
  std::string problem;
};

std::optional<ObjectFacts> ReadObject(const ProbeContext& ctx, const std::filesystem::path& path);
/// Files found but not read (a FIFO, a device) are appended to `skipped` as "path: why".
std::optional<util::PyModuleLiterals> ReadPyLiterals(const ProbeContext& ctx,
                                                     const std::filesystem::path& path,
                                                     std::vector<std::string>* skipped);
/// Only these families are CUDA libraries a framework brings or needs; libcuda.so.1 and
/// libnvidia-ml.so.1 belong to the driver and are checked by the driver rules.
bool IsCudaLibrary(std::string_view soname);
/// Merges an object's fat-binary architectures into the build's list.
void AddArches(model::FrameworkBuild& build, const ObjectFacts& object);
/// TensorFlow's cuda_compute_capabilities as sm_XY ("3.5" and "sm_35" spellings both occur).
std::vector<std::string> TensorFlowArchs(const util::PyValue& caps);
/// The sonames TensorFlow's DSO loader asks for, from the CUDA and cuDNN it was built with.
std::vector<std::string> TensorFlowSonames(const std::string& cuda_version,
                                           const std::optional<std::string>& cudnn_version);
/// The NumPy ABI a framework was built against, from its wheel's requirement on numpy
/// (`numpy<2`: 1; `numpy>=2`: 2); nullopt where the metadata does not say.
std::optional<std::string> NumpyAbiFromMetadata(const model::PackageRecord* p);
/// NumPy itself: its version from numpy/version.py (or NumPy 1's versioneer _version.py).
std::optional<model::FrameworkBuild> ReadNumpyBuild(const ProbeContext& ctx,
                                                    const model::PythonEnv& env,
                                                    std::vector<std::string>* skipped);

}  // namespace dlenv::probe::frameworks_files
