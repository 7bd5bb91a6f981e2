#pragma once
// Test helper: a host's root as the driver's life cycle leaves it, for --root: the running
// kernel's release, an NVIDIA GPU on the PCI bus, the loaded module's /proc and /sys files,
// dpkg's status file, and DKMS run for real on the tree (dkms --dkmstree/--sourcetree/
// --installtree) over a module source whose "build" compiles a small ELF object with a
// .modinfo section, the way kbuild leaves a .ko.

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "knowledge/knowledge.h"
#include "probe/probes.h"
#include "rules/rules.h"
#include "testing/temp_tree.h"
#include "util/subprocess.h"

namespace dlenv::testing {

class DriverHost {
 public:
  // A release whose linux-kbuild Debian does not ship here, so that DKMS finds no sign-file
  // and leaves its modules unsigned (a test that wants a signature signs itself).
  explicit DriverHost(std::string release = "6.12.0-99-amd64") : release(std::move(release)) {
    tree.Write("/etc/os-release",
               "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12\"\n");
    tree.Write("/proc/sys/kernel/osrelease", this->release + "\n");
    tree.Write("/proc/version",
               "Linux version " + this->release + " (debian-kernel@lists.debian.org)\n");
    tree.MakeDir("/lib/modules/" + this->release + "/kernel/drivers");
    tree.MakeDir("/var/lib/dkms");
    tree.MakeDir("/dev");
  }

  void AddGpu(const std::string& driver = "nvidia") const {
    const std::string dev = "/sys/bus/pci/devices/0000:3b:00.0";
    tree.Write(dev + "/vendor", "0x10de\n");
    tree.Write(dev + "/device", "0x2330\n");
    tree.Write(dev + "/class", "0x030200\n");
    tree.Symlink(dev + "/driver", "../../../bus/pci/drivers/" + driver);
  }

  /// The module's own files once loaded: /proc/driver/nvidia/version and /sys/module.
  void LoadModule(const std::string& version) const {
    tree.Write("/proc/driver/nvidia/version",
               "NVRM version: NVIDIA UNIX x86_64 Kernel Module  " + version +
                   "  Thu Oct 19 18:56:32 UTC 2023\nGCC version:  gcc version 12.2.0 (Debian "
                   "12.2.0-14)\n");
    tree.Write("/sys/module/nvidia/version", version + "\n");
  }

  /// dpkg's status file, one paragraph per package, as dpkg writes them.
  struct Package {
    std::string name, version, status = "install ok installed";
  };
  void WriteDpkgStatus(const std::vector<Package>& packages) const {
    std::string text;
    for (const auto& p : packages) {
      text += "Package: " + p.name + "\nStatus: " + p.status +
              "\nPriority: optional\nSection: non-free/libs\nInstalled-Size: 100\nMaintainer: "
              "Debian NVIDIA Maintainers <pkg-nvidia-devel@lists.alioth.debian.org>\n"
              "Architecture: amd64\nVersion: " +
              p.version + "\nDescription: " + p.name + "\n fixture\n\n";
    }
    tree.Write("/var/lib/dpkg/status", text);
    tree.MakeDir("/var/lib/dpkg/info");
    tree.MakeDir("/var/lib/dpkg/updates");
    tree.Write("/var/lib/dpkg/available", "");
  }

  /// A DKMS source tree for MODULE/VERSION: dkms.conf and a "build" that compiles a relocatable
  /// object carrying .modinfo's version= (what modinfo and the kernel read).
  void AddDkmsSource(const std::string& module, const std::string& version) const {
    const std::string dir = "/usr/src/" + module + "-" + version;
    tree.Write(dir + "/module.c",
               "__attribute__((section(\".modinfo\"), used, aligned(1))) static const char "
               "v[] = \"version=" +
                   version +
                   "\";\n__attribute__((section(\".modinfo\"), used, aligned(1))) static const "
                   "char l[] = \"license=NVIDIA\";\nint init_module(void) { return 0; }\n");
    tree.Write(dir + "/dkms.conf",
               "PACKAGE_NAME=\"" + module + "\"\nPACKAGE_VERSION=\"" + version +
                   "\"\nBUILT_MODULE_NAME[0]=\"" + module +
                   "\"\nDEST_MODULE_LOCATION[0]=\"/updates/dkms\"\nMAKE[0]=\"cc "
                   "-c -o " +
                   module + ".ko module.c\"\nAUTOINSTALL=\"yes\"\n");
    tree.MakeDir("/usr/src/linux-headers-" + release + "/include");
  }

  /// Runs dkms ARGS on the tree; the kernel's "headers" are an empty folder, enough for a
  /// build whose MAKE does not use them.
  util::ChildResult Dkms(std::vector<std::string> args) const {
    args.insert(args.begin(), "dkms");
    const std::vector<std::string> trees = {
        "--dkmstree",        (tree / "/var/lib/dkms").string(),
        "--sourcetree",      (tree / "/usr/src").string(),
        "--installtree",     (tree / "/lib/modules").string(),
        "--kernelsourcedir", (tree / ("/usr/src/linux-headers-" + release)).string(),
        "--no-depmod"};
    args.insert(args.end(), trees.begin(), trees.end());
    util::ChildOptions o;
    o.deadline = std::chrono::seconds(120);
    return util::RunCommand(args, o);
  }

  static bool HaveDkms() { return std::filesystem::exists("/usr/sbin/dkms"); }
  static bool Root() { return geteuid() == 0; }

  model::Snapshot Run() const {
    probe::ProbeContext ctx;
    ctx.fs = util::RootFs(tree.path());
    ctx.env = util::Environment(std::map<std::string, std::string>{});
    ctx.ask_host_driver = false;
    model::Snapshot s = probe::TakeSnapshot(ctx);
    s.findings = rules::Evaluate(s, knowledge::BuiltinKnowledge());
    return s;
  }

  std::string release;
  TempTree tree;
};

inline const model::Finding* FindFinding(const model::Snapshot& s, std::string_view id) {
  for (const auto& f : s.findings) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

inline std::string FindingIds(const model::Snapshot& s) {
  std::string ids;
  for (const auto& f : s.findings) ids += f.id + " (" + f.evidence + "); ";
  return ids;
}

}  // namespace dlenv::testing
