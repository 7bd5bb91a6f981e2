// The multi-GPU link probe and rules on fixture machines: two GPUs behind one PCIe switch in a
// sysfs tree laid out as Linux lays it out, bridges with a real capability chain, the fake driver
// answering nvmlDeviceGetP2PStatus, the IOMMU's files and NCCL's settings. A healthy machine says
// nothing; each breakage names its cause and a fix, and the fixes that can run here are run.

#include "probe/gpu_links.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "knowledge/knowledge.h"
#include "model/json.h"
#include "probe/driver.h"
#include "probe/host.h"
#include "rules/rules.h"
#include "testing/pci_fixtures.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::probe {
namespace {

using nlohmann::json;

json Gpu(const char* bus, int peer, int p2p) {
  return {{"name", "NVIDIA H100 80GB HBM3"},
          {"uuid", std::string("GPU-0c1d2e3f-0000-1111-2222-3333444455") + bus[9]},
          {"pci_bus_id", bus},
          {"cc", {9, 0}},
          {"memory_total", 85520809984ull},
          {"p2p_read", {{std::to_string(peer), p2p}}}};
}

class Machine {
 public:
  explicit Machine(std::optional<std::uint16_t> acs_control = 0, std::size_t readable = 4096,
                   int p2p = 0) {
    testing::AddTwoGpusBehindSwitch(tree, acs_control, readable);
    tree.Write("/proc/cmdline", "BOOT_IMAGE=/vmlinuz-6.1.0-28-amd64 root=UUID=0b1c ro quiet\n");
    scenario = {{"driver_version", "550.54.15"},
                {"cuda_driver_version", 12040},
                {"gpus", {Gpu("00000000:03:00.0", 1, p2p), Gpu("00000000:04:00.0", 0, p2p)}}};
  }

  model::Snapshot Run() const {
    tree.Write("/scenario.json", scenario.dump());
    ProbeContext ctx;
    ctx.fs = util::RootFs(tree.path());
    std::map<std::string, std::string> vars = env;
    vars["DLENV_NVML_LIBRARY"] = DLENV_FAKE_DRIVER;
    vars["DLENV_CUDA_LIBRARY"] = DLENV_FAKE_DRIVER;
    vars["DLENV_FAKE_DRIVER_CONFIG"] = (tree / "/scenario.json").string();
    ctx.env = util::Environment(vars);
    ctx.driver_timeout = std::chrono::seconds(10);
    model::Snapshot s;
    ProbeHost(ctx, s);
    ProbeDriver(ctx, s);
    ProbeGpuLinks(ctx, s);
    s.findings = rules::Evaluate(s, knowledge::BuiltinKnowledge());
    return s;
  }

  testing::TempTree tree;
  json scenario;
  std::map<std::string, std::string> env{{"HOME", "/home/ada"}};
};

constexpr const char* kLinkIds[] = {"gpu.pcie_acs_redirect", "gpu.pcie_acs_unreadable",
                                    "gpu.iommu_translation", "gpu.p2p_unsupported",
                                    "gpu.nccl_settings_override"};

const model::Finding* Find(const model::Snapshot& s, std::string_view id) {
  auto it =
      std::find_if(s.findings.begin(), s.findings.end(), [&](const auto& f) { return f.id == id; });
  return it == s.findings.end() ? nullptr : &*it;
}

std::string LinkFindings(const model::Snapshot& s) {
  std::string out;
  for (const char* id : kLinkIds) {
    if (const auto* f = Find(s, id)) out += f->id + " (" + f->evidence + "); ";
  }
  return out;
}

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

/// Runs a fix's `sed -i '...' FILE` on the fixture's copy of FILE (without sudo).
void RunSed(const testing::TempTree& tree, const std::string& fix, const std::string& file) {
  const auto start = fix.find("sed -i '");
  ASSERT_NE(start, std::string::npos) << fix;
  const auto end = fix.find("' " + file, start);
  ASSERT_NE(end, std::string::npos) << fix;
  const std::string expression = fix.substr(start + 8, end - start - 8);
  auto r = util::RunCommand({"sed", "-i", expression, (tree / file).string()},
                            ::dlenv::testing::ToolOptions());
  ASSERT_TRUE(r.ok()) << r.Describe() << r.err;
}

TEST(GpuLinks, HealthySwitchSaysNothing) {
  Machine m;
  const auto s = m.Run();
  EXPECT_EQ(LinkFindings(s), "");
  for (const auto& f : s.findings)  // nor any other error: every rule ran on this snapshot
    EXPECT_NE(f.severity, model::Severity::kError) << f.id << ": " << f.evidence;
  const auto& links = s.gpu_links;
  ASSERT_EQ(links.gpus.size(), 2u);
  EXPECT_EQ(links.gpus[0].gpu, "0000:03:00.0");
  EXPECT_EQ(links.gpus[0].root_complex, "pci0000:00");
  EXPECT_EQ(links.gpus[0].bridges,
            (std::vector<std::string>{"0000:00:01.0", "0000:01:00.0", "0000:02:08.0"}));
  ASSERT_EQ(links.bridges.size(), 4u);
  const auto& port = links.bridges[2];
  EXPECT_EQ(port.address, "0000:02:08.0");
  EXPECT_EQ(port.acs, "present");
  EXPECT_EQ(port.acs_offset, 0x950u);
  EXPECT_EQ(port.acs_control, 0u);
  EXPECT_EQ(links.bridges[0].acs, "absent");
  ASSERT_EQ(s.gpus.size(), 2u);
  EXPECT_EQ(s.gpus[0].p2p_read_status.at("1"), 0);  // through the fake driver's NVML
  // The JSON document carries the links.
  const json doc = s;
  EXPECT_EQ(doc["gpu_links"]["bridges"][2]["acs_offset"], 0x950);
}

TEST(GpuLinks, AcsRedirectWhereTheDriverPromisesP2pIsAnError) {
  Machine m(0x001D);  // what Linux enables with an IOMMU: SrcValid ReqRedir CmpltRedir UpstreamFwd
  const auto s = m.Run();
  const auto* f = Find(s, "gpu.pcie_acs_redirect");
  ASSERT_TRUE(f) << LinkFindings(s);
  EXPECT_EQ(f->severity, model::Severity::kError);
  EXPECT_TRUE(Contains(f->evidence,
                       "GPU 0 (0000:03:00.0) and GPU 1 (0000:04:00.0) (through "
                       "0000:02:08.0, 0000:02:10.0; the driver reports peer access OK"))
      << f->evidence;
  EXPECT_TRUE(Contains(f->evidence,
                       "0000:02:10.0: ACSCtl SrcValid+ TransBlk- ReqRedir+ "
                       "CmpltRedir+ UpstreamFwd+"))
      << f->evidence;
  EXPECT_TRUE(Contains(f->fix,
                       "sudo setpci -s 0000:02:08.0 ECAP_ACS+0x6.w=0000 && sudo setpci "
                       "-s 0000:02:10.0 ECAP_ACS+0x6.w=0000"))
      << f->fix;
  EXPECT_FALSE(Find(s, "gpu.pcie_acs_unreadable"));
}

TEST(GpuLinks, AcsRedirectWithoutDriverP2pIsAWarning) {
  Machine m(0x0004, 4096, 3);  // ReqRedir only; the driver: IOH topology not supported
  const auto s = m.Run();
  const auto* f = Find(s, "gpu.pcie_acs_redirect");
  ASSERT_TRUE(f) << LinkFindings(s);
  EXPECT_EQ(f->severity, model::Severity::kWarning);
  const auto* p2p = Find(s, "gpu.p2p_unsupported");
  ASSERT_TRUE(p2p);
  EXPECT_EQ(p2p->severity, model::Severity::kInfo);
  // One line for the pair, though NVML answered both directions.
  EXPECT_TRUE(
      Contains(p2p->evidence, "GPU 0 -> GPU 1: the PCIe topology (IOH) does not support it"))
      << p2p->evidence;
  EXPECT_FALSE(Contains(p2p->evidence, "GPU 1 -> GPU 0")) << p2p->evidence;
}

TEST(GpuLinks, AcsWithoutRedirectBitsSaysNothing) {
  Machine m(0x0001);  // source validation only: peer requests still cross the switch
  EXPECT_EQ(LinkFindings(m.Run()), "");
}

TEST(GpuLinks, ConfigSpaceCutForNonRootIsUnknownNotOff) {
  Machine m(0x001D, 64);
  const auto s = m.Run();
  EXPECT_FALSE(Find(s, "gpu.pcie_acs_redirect"));
  const auto* f = Find(s, "gpu.pcie_acs_unreadable");
  ASSERT_TRUE(f) << LinkFindings(s);
  EXPECT_EQ(f->severity, model::Severity::kInfo);
  EXPECT_TRUE(Contains(f->evidence, "0000:01:00.0, 0000:02:08.0, 0000:02:10.0")) << f->evidence;
  EXPECT_EQ(f->fix, "Run `sudo dlenv doctor` to read the bridges' ACS Control registers");
  for (const auto& b : s.gpu_links.bridges) EXPECT_EQ(b.acs, "unknown") << b.address;
}

TEST(GpuLinks, IommuTranslatingTheGpusDma) {
  Machine m;
  // As the kernel links them, from the GPU's folder five levels below /sys/devices.
  for (const char* gpu : {"0000:03:00.0", "0000:04:00.0"}) {
    m.tree.Symlink(fmt::format("/sys/bus/pci/devices/{}/iommu_group", gpu),
                   "../../../../../../kernel/iommu_groups/17");
  }
  m.tree.Write("/sys/kernel/iommu_groups/17/type", "DMA-FQ\n");
  const auto s = m.Run();
  const auto* f = Find(s, "gpu.iommu_translation");
  ASSERT_TRUE(f) << LinkFindings(s);
  EXPECT_TRUE(Contains(f->evidence, "GPU 0 (0000:03:00.0): DMA-FQ")) << f->evidence;
  // The fix's edit of /etc/default/grub, run on a copy of Debian's file.
  m.tree.Write("/etc/default/grub",
               "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n");
  RunSed(m.tree, f->fix, "/etc/default/grub");
  EXPECT_EQ(testing::ReadAll(m.tree / "/etc/default/grub"),
            "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"iommu=pt "
            "\"\n");

  m.tree.Write("/sys/kernel/iommu_groups/17/type", "identity\n");  // pass-through: healthy
  EXPECT_FALSE(Find(m.Run(), "gpu.iommu_translation"));
}

TEST(GpuLinks, IommuFromTheCommandLineWhenGroupsSayNothing) {
  Machine m;
  m.tree.MakeDir("/sys/class/iommu/dmar0");
  m.tree.Write("/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on quiet\n");
  const auto s = m.Run();
  const auto* f = Find(s, "gpu.iommu_translation");
  ASSERT_TRUE(f) << LinkFindings(s);
  EXPECT_TRUE(Contains(f->evidence,
                       "IOMMU units dmar0 are active and the kernel command line has "
                       "no iommu=pt (IOMMU options: intel_iommu=on)"))
      << f->evidence;
  m.tree.Write("/proc/cmdline", "BOOT_IMAGE=/vmlinuz intel_iommu=on iommu=pt quiet\n");
  const auto healthy = m.Run();
  EXPECT_FALSE(Find(healthy, "gpu.iommu_translation"));
  EXPECT_EQ(healthy.gpu_links.iommu_cmdline,
            (std::vector<std::string>{"intel_iommu=on", "iommu=pt"}));
}

TEST(GpuLinks, NcclSettingsThatSlowJobs) {
  Machine m;
  m.env["NCCL_P2P_DISABLE"] = "1";
  m.env["NCCL_DEBUG"] = "INFO";
  m.env["NCCL_SOCKET_IFNAME"] = "eth0";  // system configuration, not an override
  m.tree.Write("/etc/nccl.conf", "# site settings\nNCCL_IB_DISABLE=1\nNCCL_DEBUG=WARN\n");
  m.tree.MakeDir("/sys/class/infiniband/mlx5_0");
  const auto s = m.Run();
  const auto* f = Find(s, "gpu.nccl_settings_override");
  ASSERT_TRUE(f) << LinkFindings(s);
  EXPECT_EQ(f->severity, model::Severity::kWarning);
  EXPECT_TRUE(Contains(f->evidence, "NCCL_P2P_DISABLE=1 (environment): disables NVLink/PCIe"))
      << f->evidence;
  EXPECT_TRUE(Contains(f->evidence,
                       "NCCL_IB_DISABLE=1 (/etc/nccl.conf): uses TCP sockets "
                       "although InfiniBand/RoCE devices (mlx5_0)"))
      << f->evidence;
  EXPECT_FALSE(Contains(f->evidence, "SOCKET_IFNAME")) << f->evidence;
  EXPECT_FALSE(Contains(f->evidence, "NCCL_DEBUG=WARN")) << f->evidence;  // the environment's wins
  EXPECT_TRUE(Contains(f->fix, "`unset NCCL_DEBUG NCCL_P2P_DISABLE`")) << f->fix;
  RunSed(m.tree, f->fix, "/etc/nccl.conf");
  EXPECT_EQ(testing::ReadAll(m.tree / "/etc/nccl.conf"), "# site settings\nNCCL_DEBUG=WARN\n");
}

// NCCL_CONF_FILE takes ~/.nccl.conf's place; a name written with spaces around '=' is a
// variable NCCL never reads, and the first line for a name is the one that counts.
TEST(GpuLinks, NcclConfFilesAsNcclReadsThem) {
  Machine m;
  m.env["HOME"] = "/home/u";
  m.tree.Write("/home/u/.nccl.conf", "NCCL_P2P_DISABLE=1\n");
  m.tree.Write("/etc/nccl.conf", "NCCL_IB_DISABLE = 1\nNCCL_ALGO=Tree\nNCCL_ALGO=Ring\n");
  auto s = m.Run();
  auto* f = Find(s, "gpu.nccl_settings_override");
  ASSERT_TRUE(f) << LinkFindings(s);
  EXPECT_TRUE(Contains(f->evidence, "NCCL_P2P_DISABLE=1 (/home/u/.nccl.conf)")) << f->evidence;
  EXPECT_TRUE(Contains(f->evidence, "NCCL_ALGO=Tree (/etc/nccl.conf)")) << f->evidence;
  EXPECT_FALSE(Contains(f->evidence, "Ring")) << f->evidence;
  EXPECT_FALSE(Contains(f->evidence, "IB_DISABLE")) << f->evidence;
  m.tree.Write("/site.conf", "NCCL_DEBUG=WARN\n");
  m.env["NCCL_CONF_FILE"] = "/site.conf";
  s = m.Run();
  f = Find(s, "gpu.nccl_settings_override");
  ASSERT_TRUE(f) << LinkFindings(s);
  EXPECT_FALSE(Contains(f->evidence, "P2P_DISABLE")) << f->evidence;  // ~/.nccl.conf not read
  EXPECT_TRUE(Contains(f->evidence, "NCCL_ALGO=Tree (/etc/nccl.conf)")) << f->evidence;
}

TEST(GpuLinks, NcclDebugAloneIsOnlyInfoAndWarnIsNothing) {
  Machine m;
  m.env["NCCL_DEBUG"] = "INFO";
  const model::Snapshot snap = m.Run();  // Find points into it
  const auto* f = Find(snap, "gpu.nccl_settings_override");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, model::Severity::kInfo);
  m.env["NCCL_DEBUG"] = "WARN";
  m.env["NCCL_P2P_DISABLE"] = "0";
  EXPECT_EQ(LinkFindings(m.Run()), "");
}

TEST(GpuLinks, OneGpuAndNoPciTreeSayNothing) {
  testing::TempTree empty;
  ProbeContext ctx;
  ctx.fs = util::RootFs(empty.path());
  ctx.env = util::Environment(std::map<std::string, std::string>{{"NCCL_P2P_DISABLE", "1"}});
  model::Snapshot s;
  ProbeHost(ctx, s);
  ProbeGpuLinks(ctx, s);
  s.findings = rules::Evaluate(s, knowledge::BuiltinKnowledge());
  const auto* f = Find(s, "gpu.nccl_settings_override");
  ASSERT_TRUE(f);  // still worth knowing, but nothing here is slowed by it
  EXPECT_EQ(f->severity, model::Severity::kInfo);
  EXPECT_TRUE(s.gpu_links.gpus.empty());
  for (const char* id : kLinkIds) {
    if (std::string_view(id) != "gpu.nccl_settings_override") {
      EXPECT_FALSE(Find(s, id)) << id;
    }
  }
}

}  // namespace
}  // namespace dlenv::probe
