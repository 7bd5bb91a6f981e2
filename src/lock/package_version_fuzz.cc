// libFuzzer target for the PEP 440 stand-in: parsing and comparing any two strings.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lock/package_version.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto split = text.find('\n');
  auto a = dlenv::lock::PackageVersion::Parse(text.substr(0, split));
  auto b = dlenv::lock::PackageVersion::Parse(split == std::string_view::npos ? text : text.substr(split + 1));
  if (a && b) {
    // Antisymmetry: a fuzzer-found violation would make diffs say upgraded both ways.
    auto ab = a->ComparePublic(*b);
    auto ba = b->ComparePublic(*a);
    if ((ab < 0) != (ba > 0) || (ab == 0) != (ba == 0)) __builtin_trap();
  }
  return 0;
}
