#include "util/pci_config.h"

#include <fmt/format.h>

namespace dlenv::util {
namespace {

constexpr std::size_t kHeaderBytes = 64;      // the type 0/1 header sysfs always returns
constexpr std::size_t kExtendedBytes = 4096;  // PCI Express extended configuration space
constexpr std::size_t kStatusOffset = 0x06;
constexpr std::uint16_t kStatusCapabilityList = 1u << 4;
constexpr std::size_t kCapabilityPointer = 0x34;
constexpr std::uint8_t kCapabilityIdPciExpress = 0x10;
constexpr std::size_t kFirstExtendedCapability = 0x100;
constexpr std::uint16_t kExtendedCapabilityIdAcs = 0x000D;

std::uint8_t Byte(std::string_view s, std::size_t at) { return static_cast<std::uint8_t>(s[at]); }
std::uint16_t Word(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>(Byte(s, at) | Byte(s, at + 1) << 8);
}
std::uint32_t Dword(std::string_view s, std::size_t at) {
  return Word(s, at) | static_cast<std::uint32_t>(Word(s, at + 2)) << 16;
}

enum class Express { kYes, kNo, kUnknown };

// Walks the standard capability list for the PCI Express capability: only a PCI Express device
// has an extended configuration space to look for ACS in.
Express IsPciExpress(std::string_view config) {
  if (!(Word(config, kStatusOffset) & kStatusCapabilityList)) return Express::kNo;
  std::size_t at = Byte(config, kCapabilityPointer) & 0xFC;
  for (int steps = 0; at != 0 && steps < 48; ++steps) {
    if (at < kHeaderBytes) return Express::kNo;  // a pointer into the header ends the list
    if (at + 2 > config.size()) return Express::kUnknown;
    if (Byte(config, at) == kCapabilityIdPciExpress) return Express::kYes;
    at = Byte(config, at + 1) & 0xFC;
  }
  return at == 0 ? Express::kNo : Express::kUnknown;
}

}  // namespace

PciAcs ParsePciAcs(std::string_view config) {
  PciAcs acs;
  if (config.size() < kHeaderBytes) return acs;
  const Express express = IsPciExpress(config);
  if (express == Express::kUnknown) return acs;
  if (express == Express::kNo) {
    acs.state = AcsState::kAbsent;  // conventional PCI: no extended capabilities at all
    return acs;
  }
  // sysfs gives non-root users 64 bytes, and 256 where the platform cannot reach the extended
  // space (no ECAM): either way the ACS capability, if any, lies beyond what was read.
  if (config.size() < kExtendedBytes) return acs;
  std::size_t at = kFirstExtendedCapability;
  // Each header is 4-byte aligned in 0x100..0xFFC, so a chain longer than 960 entries loops.
  for (int steps = 0; steps < 960; ++steps) {
    if (at + 4 > config.size()) return acs;
    const std::uint32_t header = Dword(config, at);
    // An empty first header (0, or all ones from a device that is gone) means no capabilities.
    if (header == 0 || header == 0xFFFFFFFFu) {
      acs.state = AcsState::kAbsent;
      return acs;
    }
    if ((header & 0xFFFF) == kExtendedCapabilityIdAcs) {
      if (at + 8 > config.size()) return acs;
      acs.state = AcsState::kPresent;
      acs.offset = static_cast<std::uint16_t>(at);
      acs.capability = Word(config, at + 4);
      acs.control = Word(config, at + 6);
      return acs;
    }
    const std::size_t next = (header >> 20) & 0xFFC;
    if (next == 0) {
      acs.state = AcsState::kAbsent;
      return acs;
    }
    if (next < kFirstExtendedCapability) return acs;  // malformed: points back into 0..0xFF
    at = next;
  }
  return acs;  // a loop: malformed
}

std::string AcsControlText(std::uint16_t control) {
  auto bit = [&](std::uint16_t mask) { return (control & mask) ? '+' : '-'; };
  return fmt::format(
      "SrcValid{} TransBlk{} ReqRedir{} CmpltRedir{} UpstreamFwd{} EgressCtrl{} "
      "DirectTrans{}",
      bit(kAcsSourceValidation), bit(kAcsTranslationBlocking), bit(kAcsP2pRequestRedirect),
      bit(kAcsP2pCompletionRedirect), bit(kAcsUpstreamForwarding), bit(kAcsP2pEgressControl),
      bit(kAcsDirectTranslatedP2p));
}

}  // namespace dlenv::util
