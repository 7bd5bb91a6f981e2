#pragma once
// Python environments and what is installed in them, read from files, never by running
// an interpreter.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/extension.h"

namespace dlenv::model {

struct PackageRecord {
  std::string name;                       // as in METADATA (Name:)
  std::string normalized_name;            // PEP 503: lower case, runs of -_. as -
  std::string version;                    // kept verbatim, local label included (2.3.1+cu121)
  std::optional<std::string> installer;   // pip, uv, conda, debian, ...
  bool requested = false;                 // REQUESTED file, or conda's explicit spec
  std::optional<std::string> direct_url;  // PEP 610 url, when present
  std::string record_kind;                // dist-info, egg-info, conda-meta
  std::string record_path;
  std::vector<std::string> requires_dist;  // PEP 508 strings
  std::optional<std::string> conda_build;  // build string (cuda120_py311_...)
  std::optional<std::string> conda_channel;
  std::optional<std::string> conda_name;  // conda's package name when conda installed it (pytorch)
  /// CUDA libraries (by soname: libcudnn.so.9) a conda package put in the environment's lib/.
  std::vector<std::string> conda_cuda_libraries;
  /// The distribution package (dpkg) that owns this record's folder, and its exact version.
  std::optional<std::string> distro_package;  // python3-torch
  std::optional<std::string> distro_version;  // 1.13.1+dfsg-4
  /// An earlier record of the same normalized name on sys.path wins; pip ignores this one.
  bool shadowed = false;
};

/// A shared library a framework will load, and where its own search rules find it.
struct LibraryNeed {
  std::string soname;                    // libcudnn.so.9
  std::optional<std::string> resolved;   // path it resolves to, if found
  std::optional<std::string> found_via;  // RUNPATH, nvidia wheel, LD_LIBRARY_PATH, ld.so.cache
  std::optional<std::string> version;
  std::optional<std::string> expected_version;  // what the framework ships or pins
};

/// An NVIDIA pip wheel (nvidia-cudnn-cu12, ...) a framework pulls in, with its libraries.
struct NvidiaWheel {
  std::string package;                 // nvidia-cudnn-cu12
  std::string version;                 // 9.1.0.70
  std::vector<std::string> libraries;  // site-packages/nvidia/cudnn/lib/libcudnn.so.9, ...
};

struct FrameworkBuild {
  std::string name;  // torch, tensorflow, jax, jaxlib, cupy, onnxruntime, numpy
  std::string package;
  std::string version;
  bool cuda_build = false;
  std::optional<std::string> cuda_version;  // 12.1
  std::optional<std::string> rocm_version;
  std::optional<std::string> cudnn_version;  // 8.9 / 9.1.0
  std::optional<bool> debug;
  std::vector<std::string> cuda_archs;      // sm_80, compute_90 (PTX)
  std::optional<std::string> archs_source;  // .nv_fatbin of ..., build_info.py
  std::optional<std::string> numpy_abi;     // "1" or "2": NumPy major it was built against
  std::vector<LibraryNeed> libraries;
  std::vector<std::string> evidence;       // files the facts came from
  std::vector<NvidiaWheel> nvidia_wheels;  // what its requirements pulled in and is installed
};

/// A companion's native libraries, one per CUDA release (bitsandbytes' libbitsandbytes_cuda132.so),
/// of which it loads the one for the framework's CUDA (knowledge: Companion::cuda_library).
struct CudaLibraryVariants {
  std::string package;
  std::string version;
  std::string directory;                      // where the libraries are
  std::string file_prefix;                    // libbitsandbytes_cuda
  std::vector<std::string> variants;          // "118", "121", "132": the digits of each file name
  std::string override_variable;              // BNB_CUDA_VERSION
  std::optional<std::string> override_value;  // as set in dlenv's environment
};

struct PythonEnv {
  std::string prefix;  // sys.prefix
  std::optional<std::string> executable;
  /// The interpreter a printed fix runs, so that it acts on this environment and no other.
  std::string Interpreter() const { return executable.value_or(prefix + "/bin/python"); }
  std::optional<std::string> python_version;  // 3.11.7
  std::string kind;                           // system, venv, conda, conda-base
  std::vector<std::string>
      found_via;  // PATH, VIRTUAL_ENV, CONDA_PREFIX, environments.txt, --python
  std::vector<std::string> site_packages;
  std::vector<PackageRecord> packages;
  std::vector<FrameworkBuild> frameworks;
  /// The build of a framework (by FrameworkBuild::name: "torch"), or nullptr.
  const FrameworkBuild* Framework(std::string_view name) const {
    for (const auto& b : frameworks) {
      if (b.name == name) return &b;
    }
    return nullptr;
  }
  /// Compiled modules of other packages that link a framework's libraries (probe/extensions.h).
  std::vector<CompiledExtension> extensions;
  /// NVIDIA wheels' libraries missing symbols from each other (probe/nvidia_wheels.h).
  std::vector<LibrarySymbolGap> nvidia_library_gaps;
  /// Companions that load one of their libraries by the framework's CUDA (probe/extensions.h).
  std::vector<CudaLibraryVariants> cuda_library_variants;
  /// Files that were there but not read ("path: a named pipe (FIFO), not a regular file").
  std::vector<std::string> skipped_files;
};

}  // namespace dlenv::model
