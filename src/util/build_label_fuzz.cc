// Fuzz target: any text as a version with a local label.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/build_label.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto b = dlenv::util::ParseBuildLabel(text)) {
    (void)b->CudaVersion();
    (void)b->TorchVariant();
  }
  (void)dlenv::util::ParseCudaDigits(text);
  if (auto v = dlenv::util::ParseCondaBuildVariant(text)) (void)v->Describe();
  return 0;
}
