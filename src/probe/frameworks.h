#pragma once
// Framework builds (PyTorch, TensorFlow, JAX, CuPy, ONNX Runtime, NumPy) read from their
// installed files, and the CUDA libraries each will load by its own search rules.

#include <vector>

#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::probe {

/// Called by the Python environment probe once env.packages and env.site_packages are
/// filled. Files found but not read (a FIFO, a device) are appended to `skipped` as
/// "path: why". `system_libraries` is what the libraries probe found (loader cache, toolkits).
std::vector<model::FrameworkBuild> ReadFrameworkBuilds(
    const ProbeContext& ctx, const model::PythonEnv& env,
    const std::vector<model::LibraryCopy>& system_libraries,
    std::vector<std::string>* skipped = nullptr);

}  // namespace dlenv::probe
