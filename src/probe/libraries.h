#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/snapshot.h"
#include "probe/context.h"
#include "util/ldcache.h"

namespace dlenv::probe {

/// Every copy of the CUDA libraries dlenv knows that the dynamic loader can see
/// (LD_LIBRARY_PATH, /etc/ld.so.cache, the default folders) or that a toolkit holds, each
/// with its version, where it was found, and which copy dlopen("libX.so.N") would load.
/// Reads snapshot.toolkits, so it runs after ProbeToolkits.
void ProbeLibraries(const ProbeContext& ctx, model::Snapshot& snapshot);

/// The loader's cache (/etc/ld.so.cache) of the machine read; nullopt when it is absent or
/// damaged. Every probe that asks what the loader would find reads it through here.
std::optional<util::LdCache> ReadLoaderCache(const ProbeContext& ctx);

/// The family of a library file name: "libcudnn_ops.so.9" -> "cudnn_ops",
/// "libcublasLt.so" -> "cublasLt"; nullopt for files dlenv does not track.
std::optional<std::string> LibraryFamily(std::string_view file_name);

}  // namespace dlenv::probe
