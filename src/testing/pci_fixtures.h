#pragma once
// Test fixtures: a sysfs PCI tree as Linux lays it out (/sys/devices/pci0000:00/<root port>/
// <switch upstream port>/<downstream port>/<GPU>, with /sys/bus/pci/devices/ADDR linking to each
// device) and configuration spaces with a real capability chain: the header, the standard list
// (Power Management, MSI, PCI Express) and, in the extended space, Advanced Error Reporting,
// Power Budgeting, Virtual Channel, a vendor-specific capability and Access Control Services at
// the offsets a PLX/Broadcom PEX switch's downstream port shows in `lspci -vvv`.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "testing/temp_tree.h"

namespace dlenv::testing {

/// 4096 bytes of a PCI Express switch downstream port (type 1 header). With acs_control, the
/// chain holds an ACS capability at 0x950 whose Control register is that value; without, no ACS.
std::string PcieBridgeConfig(std::optional<std::uint16_t> acs_control);
/// 4096 bytes of an NVIDIA GPU (type 0 header, vendor 0x10de, 3D controller), no ACS.
std::string GpuConfig();

/// Where a device sits: its address and the bridges above it, from the root port down.
struct PciPlace {
  std::string root_complex = "pci0000:00";
  std::vector<std::string> bridges;
  std::string address;
};

/// Writes a device's folder under /sys/devices and its /sys/bus/pci/devices link.
void AddPciDevice(const TempTree& tree, const PciPlace& place, const std::string& config,
                  const std::string& vendor, const std::string& device, const std::string& klass);

/// Two GPUs behind one PCIe switch (root port 0000:00:01.0, upstream port 0000:01:00.0,
/// downstream ports 0000:02:08.0 and 0000:02:10.0, GPUs 0000:03:00.0 and 0000:04:00.0) with the
/// given ACS Control on both downstream ports. `readable_bytes` cuts each bridge's config file as
/// sysfs does for a user who is not root (64).
void AddTwoGpusBehindSwitch(const TempTree& tree, std::optional<std::uint16_t> acs_control,
                            std::size_t readable_bytes = 4096);

}  // namespace dlenv::testing
