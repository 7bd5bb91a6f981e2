#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/pci_config.h"

// Any bytes, of any length, as a sysfs config file: the walk must stay inside them, end on
// loops, and only report an ACS capability it read whole.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view config(reinterpret_cast<const char*>(data), size);
  const auto acs = dlenv::util::ParsePciAcs(config);
  if (acs.state == dlenv::util::AcsState::kPresent &&
      (acs.offset < 0x100 || acs.offset + 8u > size)) {
    __builtin_trap();
  }
  if (dlenv::util::AcsControlText(acs.control).empty()) __builtin_trap();
  return 0;
}
