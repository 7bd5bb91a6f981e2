// PEP 508 requirements and markers, parsed, printed and evaluated.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/pep508.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const auto env = dlenv::util::LinuxMarkerEnvironment("3.11.2");
  if (auto req = dlenv::util::ParseRequirement(text)) {
    (void)req->ToString();
    if (req->marker) (void)req->marker->Evaluate(env);
  }
  if (auto m = dlenv::util::Marker::Parse(text)) {
    (void)m->Evaluate(env);
    (void)m->ToString();
  }
  return 0;
}
