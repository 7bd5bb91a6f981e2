#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::probe {

/// Every copy of the CUDA libraries dlenv knows that the dynamic loader can see
/// (LD_LIBRARY_PATH, /etc/ld.so.cache, the default folders) or that a toolkit holds, each
/// with its version, where it was found, and which copy dlopen("libX.so.N") would load.
/// Reads snapshot.toolkits, so it runs after ProbeToolkits.
void ProbeLibraries(const ProbeContext& ctx, model::Snapshot& snapshot);

/// The family of a library file name: "libcudnn_ops.so.9" -> "cudnn_ops",
/// "libcublasLt.so" -> "cublasLt"; nullopt for files dlenv does not track.
std::optional<std::string> LibraryFamily(std::string_view file_name);

}  // namespace dlenv::probe
