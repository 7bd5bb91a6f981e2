// Feeds one input to the parser of `scontrol show node` output and to the drain decision on
// what it returns; they must neither crash nor hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "health/drain.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto node = dlenv::health::ParseScontrolShowNode(text);
  if (node) {
    dlenv::health::Verdict sick{false, {"x"}, "GPU 0: row remapping failed"};
    auto d = dlenv::health::DecideDrain(sick, *node);
    (void)dlenv::health::ScontrolUpdateArgs(d, node->name);
    (void)dlenv::health::DecideDrain(dlenv::health::Verdict{}, *node);
  }
  return 0;
}
