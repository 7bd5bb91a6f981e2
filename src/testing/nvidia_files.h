#pragma once
// Where the tests find NVIDIA's real files: headers, libraries and tools of the CUDA 13.0
// toolkit, cuDNN 9, NCCL and NVML. First the tree scripts/make-nvidia-files.sh unpacks from
// NVIDIA's PyPI wheels ($DLENV_TEST_ENVS/nvidia/cuda-13.0, made on any machine by
// scripts/make-test-envs.sh), then an installed toolkit (/usr/local/cuda-13.0) as one more
// place. Both are toolkit-shaped: bin/, include/, lib/ (lib64 -> lib), nvvm/, dist-info/.

#include <filesystem>
#include <optional>
#include <string>

#include "testing/require.h"

namespace dlenv::testing {

struct NvidiaTree {
  std::filesystem::path root;  // e.g. /var/tmp/dlenv-test-envs/nvidia/cuda-13.0
  std::filesystem::path include() const { return root / "include"; }
  std::filesystem::path lib() const { return root / "lib"; }
  std::filesystem::path bin() const { return root / "bin"; }
};

class TempTree;

/// The first place holding NVIDIA's files, or nothing; `where` (if given) lists the places
/// looked at, for a skip or failure message.
std::optional<NvidiaTree> NvidiaFiles(std::string* where = nullptr);

/// Installs the tree into a fixture root at `inside` (e.g. "/usr/local/cuda-13.0"), as a
/// toolkit install would lay it out: files hard-linked (copied across file systems), symbolic
/// links as they are. A probe then reads it through RootFs(t.path()) like any installed toolkit,
/// with no dependence on this machine's ld.so.cache or /usr/local.
void InstallToolkit(const NvidiaTree& nv, const TempTree& t, const std::string& inside);

/// Writes the fixture's /etc/ld.so.conf (`conf`, one folder a line) and its ld.so.cache with
/// the real ldconfig (-r root). Returns "" or what went wrong.
std::string RunLdconfig(const TempTree& t, const std::string& conf);

}  // namespace dlenv::testing

// In a test: binds `var` to the tree, or skips (fails under DLENV_REQUIRE_TEST_ENVS=1, since
// scripts/make-test-envs.sh makes the tree on any machine with PyPI).
#define DLENV_NVIDIA_FILES_OR_SKIP(var)                                           \
  std::string var##_where_;                                                       \
  const auto var##_found_ = ::dlenv::testing::NvidiaFiles(&var##_where_);         \
  if (!var##_found_)                                                              \
    DLENV_SKIP_OR_FAIL("NVIDIA's CUDA 13.0 files not found (looked in "           \
                       << var##_where_ << "): run scripts/make-nvidia-files.sh"); \
  const ::dlenv::testing::NvidiaTree& var = *var##_found_
