#pragma once
// A PCI device's configuration space as sysfs gives it (/sys/bus/pci/devices/ADDR/config): the
// Access Control Services (ACS) extended capability of a bridge, which decides whether a PCIe
// switch forwards peer-to-peer traffic between the GPUs below it or redirects it up to the root
// complex (PCI Express Base Specification, "Access Control Services (ACS) Extended Capability").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dlenv::util {

/// What a configuration space says about ACS.
enum class AcsState {
  kUnknown,  // the read is too short to tell: sysfs gives non-root users the first 64 bytes
  kAbsent,   // the whole extended-capability chain was walked and has no ACS capability
  kPresent,
};

/// The ACS Control register's bits (ACS Extended Capability, offset 6).
inline constexpr std::uint16_t kAcsSourceValidation = 1u << 0;
inline constexpr std::uint16_t kAcsTranslationBlocking = 1u << 1;
inline constexpr std::uint16_t kAcsP2pRequestRedirect = 1u << 2;
inline constexpr std::uint16_t kAcsP2pCompletionRedirect = 1u << 3;
inline constexpr std::uint16_t kAcsUpstreamForwarding = 1u << 4;
inline constexpr std::uint16_t kAcsP2pEgressControl = 1u << 5;
inline constexpr std::uint16_t kAcsDirectTranslatedP2p = 1u << 6;
/// The bits that send peer-to-peer requests up to the root complex instead of across the switch.
inline constexpr std::uint16_t kAcsRedirectsP2p =
    kAcsP2pRequestRedirect | kAcsP2pCompletionRedirect | kAcsP2pEgressControl;

struct PciAcs {
  AcsState state = AcsState::kUnknown;
  std::uint16_t offset = 0;      // where the capability sits (setpci's ECAP_ACS)
  std::uint16_t capability = 0;  // ACS Capability register: the controls the port implements
  std::uint16_t control = 0;     // ACS Control register: the controls enabled
};

/// Finds the ACS extended capability (ID 0x000D) in a configuration space read from sysfs. A read
/// shorter than the extended space (4096 bytes) of a PCI Express device is kUnknown, never
/// kAbsent: without root, sysfs returns 64 bytes. A malformed chain (a loop, an offset out of
/// range) ends the walk as kUnknown.
PciAcs ParsePciAcs(std::string_view config);

/// The control bits as `lspci -vvv` names them: "SrcValid+ TransBlk- ReqRedir+ CmpltRedir+
/// UpstreamFwd+ EgressCtrl- DirectTrans-".
std::string AcsControlText(std::uint16_t control);

}  // namespace dlenv::util
