#pragma once
// Compiled extensions built against a framework (issue 20, part 2): the .so files of packages
// that require torch (or are its companions) whose DT_NEEDED names torch's libraries; each
// one's undefined symbols are looked up in the libraries of the torch installed beside it.
// A symbol torch does not export is the loader's "undefined symbol: _ZN3c10..." at import.

#include <filesystem>
#include <string>
#include <vector>

#include "model/extension.h"
#include "model/python.h"
#include "probe/context.h"

namespace dlenv::probe {

/// The extensions of every package in `env` that depends on a framework, checked against the
/// framework's libraries in the same environment. Reads RECORD files and ELF headers only.
std::vector<model::CompiledExtension> ReadCompiledExtensions(const ProbeContext& ctx,
                                                             const model::PythonEnv& env);

/// One object checked against a framework's library folder (torch/lib, or a distribution's
/// /usr/lib): the libraries it names in DT_NEEDED are looked for there, by soname first and
/// then by the unversioned name (libc10.so for libc10.so.1.13).
model::CompiledExtension CheckExtension(const ProbeContext& ctx,
                                        const std::filesystem::path& object,
                                        const std::filesystem::path& framework_lib_dir);

/// Companions that ship one native library per CUDA release (knowledge: cuda_library), with
/// the releases their RECORD lists and the override variable as set in ctx's environment.
std::vector<model::CudaLibraryVariants> ReadCudaLibraryVariants(const ProbeContext& ctx,
                                                                const model::PythonEnv& env);

}  // namespace dlenv::probe
