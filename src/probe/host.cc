#include "probe/host.h"

#include <gnu/libc-version.h>
#include <sys/utsname.h>

#include <filesystem>

#include "util/proc_files.h"
#include "util/strings.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

std::string FirstLine(const std::optional<std::string>& text) {
  if (!text) return {};
  auto lines = util::Lines(*text);
  return lines.empty() ? std::string() : std::string(util::Trim(lines.front()));
}

void ReadOsRelease(const ProbeContext& ctx, model::HostInfo& host) {
  // os-release(5): /etc/os-release wins, /usr/lib/os-release is the fallback.
  auto text = ctx.fs.ReadFile("/etc/os-release", 64u << 10);
  if (!text) text = ctx.fs.ReadFile("/usr/lib/os-release", 64u << 10);
  if (!text) return;
  auto fields = util::ParseOsRelease(*text);
  host.os_id = fields["ID"];
  host.os_version = fields.contains("VERSION_ID") ? fields["VERSION_ID"] : fields["VERSION"];
  host.os_name = fields.contains("PRETTY_NAME") ? fields["PRETTY_NAME"] : fields["NAME"];
}

std::string Kernel(const ProbeContext& ctx) {
  std::string release = FirstLine(ctx.fs.ReadFile("/proc/sys/kernel/osrelease", 4096));
  if (release.empty() && ctx.fs.is_host()) {
    struct utsname u;
    if (uname(&u) == 0) release = u.release;
  }
  return release;
}

std::string Glibc(const ProbeContext& ctx) {
  if (ctx.fs.is_host()) return gnu_get_libc_version();
  // Another root's glibc is whichever libc.so.6 its loader would map; its banner says
  // which release it is, and reading it needs no code from the image to run.
  for (const char* dir :
       {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"}) {
    auto bytes = ctx.fs.ReadFile(fs::path(dir) / "libc.so.6", 32u << 20);
    if (!bytes) continue;
    if (auto v = util::GlibcVersionFromBanner(*bytes)) return *v;
  }
  return {};
}

std::optional<std::string> Container(const ProbeContext& ctx) {
  // Kubernetes first: its pods may also carry a runtime's marker file.
  if ((ctx.fs.is_host() && ctx.env.Get("KUBERNETES_SERVICE_HOST")) ||
      ctx.fs.Exists("/var/run/secrets/kubernetes.io") ||
      ctx.fs.Exists("/run/secrets/kubernetes.io")) {
    return "kubernetes";
  }
  if (ctx.fs.Exists("/run/.containerenv")) return "podman";
  if (ctx.fs.Exists("/.dockerenv")) return "docker";
  if (auto cgroup = ctx.fs.ReadFile("/proc/1/cgroup", 1u << 20)) {
    if (auto hint = util::ContainerFromCgroup(*cgroup)) return hint;
  }
  // systemd-detect-virt's own record, written by most runtimes' init.
  std::string systemd = FirstLine(ctx.fs.ReadFile("/run/systemd/container", 4096));
  if (!systemd.empty()) return systemd;
  return std::nullopt;
}

bool Wsl(const ProbeContext& ctx) {
  if (ctx.fs.Exists("/dev/dxg")) return true;  // WSL2's GPU paravirtualisation device
  auto version = ctx.fs.ReadFile("/proc/version", 4096);
  return version && util::ToLower(*version).find("microsoft") != std::string::npos;
}

std::vector<model::PciDevice> NvidiaPciDevices(const ProbeContext& ctx) {
  std::vector<model::PciDevice> out;
  const fs::path bus = "/sys/bus/pci/devices";
  for (const std::string& address : ctx.fs.ListDir(bus)) {
    const fs::path dev = bus / address;
    std::string vendor = util::ToLower(FirstLine(ctx.fs.ReadFile(dev / "vendor", 64)));
    if (vendor != "0x10de") continue;
    std::string klass = util::ToLower(FirstLine(ctx.fs.ReadFile(dev / "class", 64)));
    // Base class 0x03 is "display controller": VGA (0300xx) and 3D (0302xx). NVIDIA's
    // audio and USB functions on the same card are other classes.
    if (!klass.starts_with("0x03")) continue;
    model::PciDevice d;
    d.address = address;
    d.vendor_id = vendor;
    d.device_id = util::ToLower(FirstLine(ctx.fs.ReadFile(dev / "device", 64)));
    d.class_id = klass;
    if (auto link = ctx.fs.ReadLink(dev / "driver"))
      d.kernel_driver = fs::path(*link).filename().string();
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

void ProbeHost(const ProbeContext& ctx, model::Snapshot& snapshot) {
  model::HostInfo& host = snapshot.host;
  ReadOsRelease(ctx, host);
  host.kernel = Kernel(ctx);
  host.glibc = Glibc(ctx);
  if (auto cpuinfo = ctx.fs.ReadFile("/proc/cpuinfo", 8u << 20)) {
    auto cpu = util::ParseCpuInfo(*cpuinfo);
    host.cpu_model = cpu.model;
    host.cpu_cores = cpu.logical_cpus;
  }
  if (auto meminfo = ctx.fs.ReadFile("/proc/meminfo", 64u << 10))
    host.memory_bytes = util::ParseMemTotal(*meminfo).value_or(0);
  host.hostname = FirstLine(ctx.fs.ReadFile("/proc/sys/kernel/hostname", 256));
  if (host.hostname.empty()) host.hostname = FirstLine(ctx.fs.ReadFile("/etc/hostname", 256));
  host.container = Container(ctx);
  host.wsl = Wsl(ctx);
  if (host.wsl) {
    snapshot.wsl.dxg = ctx.fs.Exists("/dev/dxg");
    // WSL 1 kernels say "Microsoft" (4.4.0-19041-Microsoft), WSL 2's "microsoft-standard-WSL2".
    const std::string version = FirstLine(ctx.fs.ReadFile("/proc/version", 4096));
    snapshot.wsl.wsl1 =
        version.find("Microsoft") != std::string::npos && version.find("WSL2") == std::string::npos;
  }
  host.nvidia_pci_devices = NvidiaPciDevices(ctx);
}

std::string CpuArchitecture() {
  struct utsname u {};
  return uname(&u) == 0 ? std::string(u.machine) : "x86_64";
}

}  // namespace dlenv::probe
