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
  std::optional<int> cuda_runtime_major;     // DT_NEEDED libcudart.so.N
  std::vector<std::string> cuda_archs;       // from its .nv_fatbin
  std::string problem;                       // why it could not be read, when it could not
};

}  // namespace dlenv::model
