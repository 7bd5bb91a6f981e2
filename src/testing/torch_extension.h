#pragma once
// A compiled torch extension built in a test: a few lines of C++ against a torch wheel's own
// headers, linked with its libc10. Two of the functions it calls are newer than torch 1.13
// (c10::WarningUtils::get_warnAlways, c10::get_privateuse1_backend), so beside Debian's
// python3-torch its undefined symbols are found missing.

#include <filesystem>

#include "testing/temp_tree.h"
#include "util/subprocess.h"

namespace dlenv::testing {

/// Builds `tree`/ext.so against the torch package folder `torch` (its include/ and lib/), with
/// libstdc++'s std::string ABI flag `cxx11_abi` (-D_GLIBCXX_USE_CXX11_ABI=1 or 0; the newest
/// torch wheels use 1). The compiler's result; the object is at `*object`.
util::ChildResult BuildTorchTestExtension(const std::filesystem::path& torch, const TempTree& tree,
                                          std::filesystem::path* object, int cxx11_abi = 1);

}  // namespace dlenv::testing
