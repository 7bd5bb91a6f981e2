#pragma once
// Asks the live index for TensorFlow, JAX and CuPy, as live_index.h does for torch: which
// releases have a wheel for this host (CPython version, glibc, CPU), and what each build
// needs, read from its core metadata (PEP 658 file, else PyPI's JSON API for that release),
// never from the wheel. The answer is the embedded table with that framework's rows replaced
// (LiveIndex::facts), so one planner serves the live and the offline answer:
//   - TensorFlow: the newest release of each series with a wheel here; its CUDA and cuDNN from
//     the `and-cuda` extra's nvidia-* requirements (the newest few series; older ones take the
//     table's row); the CPU build from tensorflow-cpu where it has that release, else tensorflow.
//   - JAX: the newest release whose jaxlib has a wheel here; for each of its cudaNN extras the
//     jax-cudaNN-plugin of that release with a wheel here, its CUDA from the `with-cuda` extra.
//   - CuPy: per cupy-cudaNNx package the newest release with a wheel here, with the `ctk`
//     extra (CUDA libraries from the index) where the release has it.
// The driver and compute-capability floors are the table's (sourced there).

#include "install/live_index.h"

namespace dlenv::install {

/// `framework`: tensorflow, jax or cupy. Never throws; `reached_user_index` false when the
/// index did not answer at all (the caller then answers from the table and says so).
LiveIndex FetchFrameworkBuilds(const std::string& framework, const InstallRequest& req,
                               const UserIndex& user, const FrameworkFacts& facts, const Host& host,
                               const Fetch& fetch, bool* reached_user_index);

/// The requirements of `requires_dist` that `extra` adds (marker true with extra == it and
/// false without), evaluated for this Python on Linux.
std::vector<std::string> RequirementsOfExtra(const std::vector<std::string>& requires_dist,
                                             const std::string& extra,
                                             const std::string& python_version);

/// The cuDNN major.minor a build asks for: nvidia-cudnn-cu12>=9.3.0.75 -> 9.3.
std::optional<util::DottedVersion> CudnnFromRequiresDist(
    const std::vector<std::string>& requires_dist);

}  // namespace dlenv::install
