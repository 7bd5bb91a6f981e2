#include "testing/pci_fixtures.h"

namespace dlenv::testing {
namespace {

void Put16(std::string& c, std::size_t at, std::uint16_t v) {
  c[at] = static_cast<char>(v & 0xFF);
  c[at + 1] = static_cast<char>(v >> 8);
}
void Put32(std::string& c, std::size_t at, std::uint32_t v) {
  Put16(c, at, static_cast<std::uint16_t>(v & 0xFFFF));
  Put16(c, at + 2, static_cast<std::uint16_t>(v >> 16));
}
// An extended capability header: ID, version 1, next offset (PCIe Base Spec, 7.6.3).
void ExtendedHeader(std::string& c, std::size_t at, std::uint16_t id, std::uint16_t next) {
  Put32(c, at, id | 1u << 16 | static_cast<std::uint32_t>(next) << 20);
}

// The standard capability list both kinds of device carry: PM at 0x40, MSI at 0x48, PCI Express
// at 0x68 (its capabilities register's device/port type given).
void StandardList(std::string& c, std::uint8_t port_type) {
  Put16(c, 0x06, 0x0010);  // Status: Capabilities List
  c[0x34] = 0x40;
  c[0x40] = 0x01;  // Power Management
  c[0x41] = 0x48;
  Put16(c, 0x42, 0x0003);
  c[0x48] = 0x05;  // MSI
  c[0x49] = 0x68;
  c[0x68] = 0x10;  // PCI Express
  c[0x69] = 0x00;
  Put16(c, 0x6A, static_cast<std::uint16_t>(0x0002 | port_type << 4));  // version 2
}

}  // namespace

std::string PcieBridgeConfig(std::optional<std::uint16_t> acs_control) {
  std::string c(4096, '\0');
  Put16(c, 0x00, 0x10B5);                   // PLX Technology (Broadcom)
  Put16(c, 0x02, 0x8747);                   // PEX 8747 48-lane, 5-port PCI Express Gen 3 switch
  Put32(c, 0x08, 0x06040000 | 0xCA);        // class: PCI bridge, revision ca
  c[0x0E] = 0x01;                           // header type 1
  StandardList(c, 0x6);                     // downstream port of a PCI Express switch
  ExtendedHeader(c, 0x100, 0x0001, 0x138);  // Advanced Error Reporting
  ExtendedHeader(c, 0x138, 0x0004, 0x148);  // Power Budgeting
  ExtendedHeader(c, 0x148, 0x0002, 0x448);  // Virtual Channel
  ExtendedHeader(c, 0x448, 0x000B, acs_control ? 0x950 : 0);  // Vendor-Specific
  if (acs_control) {
    ExtendedHeader(c, 0x950, 0x000D, 0);  // Access Control Services
    Put16(c, 0x954, 0x005F);  // ACSCap: SrcValid TransBlk ReqRedir CmpltRedir UpstreamFwd ...
    Put16(c, 0x956, *acs_control);
  }
  return c;
}

std::string GpuConfig() {
  std::string c(4096, '\0');
  Put16(c, 0x00, 0x10DE);
  Put16(c, 0x02, 0x2330);                   // H100 SXM5 80GB
  Put32(c, 0x08, 0x03020000 | 0xA1);        // 3D controller
  StandardList(c, 0x0);                     // PCI Express endpoint
  ExtendedHeader(c, 0x100, 0x0002, 0x258);  // Virtual Channel
  ExtendedHeader(c, 0x258, 0x0018, 0x128);  // Latency Tolerance Reporting
  ExtendedHeader(c, 0x128, 0x0004, 0x420);  // Power Budgeting
  ExtendedHeader(c, 0x420, 0x0001, 0x600);  // Advanced Error Reporting
  ExtendedHeader(c, 0x600, 0x000B, 0);      // Vendor-Specific
  return c;
}

void AddPciDevice(const TempTree& tree, const PciPlace& place, const std::string& config,
                  const std::string& vendor, const std::string& device, const std::string& klass) {
  std::string dir = "/sys/devices/" + place.root_complex;
  for (const auto& b : place.bridges) dir += "/" + b;
  dir += "/" + place.address;
  tree.Write(dir + "/config", config);
  tree.Write(dir + "/vendor", vendor + "\n");
  tree.Write(dir + "/device", device + "\n");
  tree.Write(dir + "/class", klass + "\n");
  // As the kernel makes it: ../../../devices/pci0000:00/...
  tree.Symlink("/sys/bus/pci/devices/" + place.address, "../../.." + dir.substr(4));
}

void AddTwoGpusBehindSwitch(const TempTree& tree, std::optional<std::uint16_t> acs_control,
                            std::size_t readable_bytes) {
  const std::string bridge = PcieBridgeConfig(acs_control).substr(0, readable_bytes);
  const std::string root_port = PcieBridgeConfig(std::nullopt).substr(0, readable_bytes);
  AddPciDevice(tree, {"pci0000:00", {}, "0000:00:01.0"}, root_port, "0x8086", "0x2030", "0x060400");
  AddPciDevice(tree, {"pci0000:00", {"0000:00:01.0"}, "0000:01:00.0"}, root_port, "0x10b5",
               "0x8747", "0x060400");
  for (const auto& [port, gpu] :
       {std::pair{"0000:02:08.0", "0000:03:00.0"}, std::pair{"0000:02:10.0", "0000:04:00.0"}}) {
    AddPciDevice(tree, {"pci0000:00", {"0000:00:01.0", "0000:01:00.0"}, port}, bridge, "0x10b5",
                 "0x8747", "0x060400");
    AddPciDevice(tree, {"pci0000:00", {"0000:00:01.0", "0000:01:00.0", port}, gpu},
                 GpuConfig().substr(0, readable_bytes), "0x10de", "0x2330", "0x030200");
  }
}

}  // namespace dlenv::testing
