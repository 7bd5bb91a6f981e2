#pragma once
// A compiled module of another package that links a framework's libraries (torchvision's
// _C.so, xformers' _C.so against libc10.so / libtorch*.so), as its ELF headers describe it.

#include <optional>
#include <string>
#include <vector>

namespace dlenv::model {

struct CompiledExtension {
  std::string package;  // the distribution whose RECORD lists it
  std::string package_version;
  std::string path;
  std::string framework;          // torch
  std::string framework_package;  // the installed distribution it was checked against
  std::string framework_version;
  /// The framework release the package records being built for, and where it says so:
  /// "2.10.0+cu128" from xformers/cpp_lib.json, "2.13.0" from Requires-Dist torch==2.13.0,
  /// "2.3" from a local label +pt23cu121. Empty where it records none.
  std::string expected_framework;
  std::string expected_source;
  std::vector<std::string> framework_libraries;  // its DT_NEEDED entries on the framework
  int framework_symbols = 0;                     // undefined symbols it takes from those libraries
  int missing_count = 0;  // of them, ones the installed framework does not export
  std::vector<std::string> missing_symbols;  // the first few, mangled as the loader prints them
  /// Read only when symbols are missing: the std::string ABI its missing symbols take ("C++11
  /// (_GLIBCXX_USE_CXX11_ABI=1)", "pre-C++11 (...=0)") and the one the framework's libraries
  /// export; "" when they do not say. Different ones explain the missing symbols.
  std::string string_abi;
  std::string framework_string_abi;
  std::optional<int> cuda_runtime_major;  // DT_NEEDED libcudart.so.N
  std::vector<std::string> cuda_archs;    // from its .nv_fatbin
  std::string problem;                    // why it could not be read, when it could not
};

/// An NVIDIA wheel's library that asks another wheel's library for versioned symbols it does not
/// export: libcusparse.so.12 from nvidia-cusparse-cu12 12.5 needs __nvJitLinkAddData_12_5
/// "version libnvJitLink.so.12", which nvidia-nvjitlink-cu12 12.1 lacks. Loading it fails with
/// "undefined symbol: __nvJitLinkAddData_12_5, version libnvJitLink.so.12".
struct LibrarySymbolGap {
  std::string library;  // path of the library that asks
  std::string package;  // the wheel that installed it
  std::string package_version;
  std::string needed;    // the soname it asks them of: libnvJitLink.so.12
  std::string provider;  // path of the library the wheels put there under that name
  std::string provider_package;
  std::string provider_version;
  int asked = 0;                             // symbols it takes from the provider by version
  int missing_count = 0;                     // of them, ones the provider does not export
  std::vector<std::string> missing_symbols;  // the first few
};

}  // namespace dlenv::model
