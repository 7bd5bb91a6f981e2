// PEP 440 versions and specifiers: parse, normalize, re-parse, compare, match.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "util/pep440.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto split = text.find('\n');
  std::string_view a = text.substr(0, split),
                   b = split == std::string_view::npos ? a : text.substr(split + 1);
  auto va = dlenv::util::Pep440Version::Parse(a);
  auto vb = dlenv::util::Pep440Version::Parse(b);
  if (va) {
    // The normal form must parse back to an equal version.
    auto again = dlenv::util::Pep440Version::Parse(va->ToString());
    if (!again || !(*again == *va) || again->ToString() != va->ToString()) std::abort();
  }
  if (va && vb) {
    auto ab = *va <=> *vb, ba = *vb <=> *va;
    if ((ab < 0) != (ba > 0)) std::abort();  // antisymmetry
  }
  if (auto set = dlenv::util::SpecifierSet::Parse(a)) (void)set->Contains(b);
  return 0;
}
