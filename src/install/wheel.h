#pragma once
// Wheel file names (PEP 427 / the binary distribution format) and whether a wheel installs
// on a given host: CPython version, glibc (manylinux PEP 600 and the legacy aliases), CPU.
// Pure; what pip's packaging.tags decides, for the Linux CPython cases dlenv needs.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::install {

struct WheelName {
  std::string project;  // as written in the file name (underscores)
  std::string version;  // with its local label: 2.7.1+cu128
  std::vector<std::string> python_tags, abi_tags, platform_tags;  // compressed tag sets expanded
};

/// nullopt when `filename` is not `name-version(-build)?-py-abi-plat.whl`.
std::optional<WheelName> ParseWheelName(std::string_view filename);

struct WheelHost {
  int python_major = 3, python_minor = 0;  // 0/0 unknown: any CPython 3 is accepted
  bool python_known = false;
  int glibc_major = 0, glibc_minor = 0;  // 0: unknown, manylinux accepted
  std::string arch = "x86_64";           // uname -m
};

/// Whether pip on this host would install the wheel (its tags are supported here).
bool WheelFits(const WheelName& wheel, const WheelHost& host);

/// Why a wheel does not fit, for the reasons; empty when it does.
std::string WheelMismatch(const WheelName& wheel, const WheelHost& host);

}  // namespace dlenv::install
