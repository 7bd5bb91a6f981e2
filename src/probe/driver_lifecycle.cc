#include "probe/driver_lifecycle.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "util/apt_conf.h"
#include "util/apt_lists.h"
#include "util/decompress.h"
#include "util/dpkg_status.h"
#include "util/efi_signature_list.h"
#include "util/elf.h"
#include "util/kernel_module.h"
#include "util/proc_files.h"
#include "util/strings.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

// /lib/modules/RELEASE holds a few thousand files; a hostile or broken tree must not make
// the walk endless.
constexpr int kMaxModuleDepth = 8;
constexpr std::size_t kMaxModuleEntries = 50000;
constexpr std::size_t kMaxCompressedModuleBytes = 256u << 20;
constexpr std::size_t kMaxModuleBytes = 512u << 20;
constexpr std::size_t kMaxProcesses = 100000;
// Ubuntu's largest Packages list (noble's universe) is about 70 MB; a list past these is not one.
constexpr std::size_t kMaxAptListBytes = 256u << 20;
constexpr std::size_t kMaxAptListEntries = 10000;

std::string FirstLine(const std::optional<std::string>& text) {
  if (!text) return {};
  const auto lines = util::Lines(*text);
  return lines.empty() ? std::string() : std::string(util::Trim(lines.front()));
}

bool IsLink(const ProbeContext& ctx, const fs::path& inside) {
  std::error_code ec;
  return fs::is_symlink(fs::symlink_status(ctx.fs.Host(inside), ec));
}

// An uncompressed module is mapped and only its headers and .modinfo are touched; a compressed
// one is named here and opened later, if at all (ReadCompressedModule).
model::KernelModuleFile ReadModuleFile(const ProbeContext& ctx, const fs::path& path,
                                       const std::string& compression) {
  model::KernelModuleFile f;
  f.path = path.string();
  if (!compression.empty()) {
    f.compression = compression;
    return f;
  }
  std::string error;
  auto mapped = util::MappedFile::Open(ctx.fs.Resolve(path), &error);
  if (!mapped) {
    f.error = error;
    return f;
  }
  const auto info = util::ReadKernelModule(mapped->bytes());
  f.signature_appended = info.signature_appended;
  f.version = info.Get("version");
  f.error = info.error;
  return f;
}

// Signed, then compressed (the kernel's scripts/Makefile.modinst, DKMS alike): version and
// signature are read from the decompressed image. The proprietary nvidia.ko is under 100 MiB;
// the bounds keep a hostile file from filling memory.
void ReadCompressedModule(const ProbeContext& ctx, model::KernelModuleFile& f) {
  std::string error;
  const auto packed = util::MappedFile::Open(ctx.fs.Resolve(f.path), &error);
  if (!packed) {
    f.error = error;
    return;
  }
  const auto bytes = packed->bytes();
  if (bytes.size() > kMaxCompressedModuleBytes) {
    f.error = fmt::format("{} bytes compressed: more than a module can be", bytes.size());
    return;
  }
  const auto image =
      util::Decompress(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                       *f.compression, kMaxModuleBytes, &error);
  if (!image) {
    f.error = error;
    return;
  }
  const auto info = util::ReadKernelModule(std::as_bytes(std::span(image->data(), image->size())));
  f.signature_appended = info.signature_appended;
  f.version = info.Get("version");
  f.error = info.error;
}

// Decompressing is doctor's one costly read: an 80 MB module takes 0.75 s out of xz and 0.1 s
// out of zstd (docs/benchmarks.md), against some 50 ms for all of doctor. So a compressed module
// is opened only where what is inside decides a finding: its signature under Secure Boot while
// the module is not loaded, its version when the loaded module is to be compared with it and no
// DKMS build for this kernel says which version it is.
bool CompressedContentsDecide(const model::Snapshot& s) {
  const auto& l = s.driver_lifecycle;
  const std::string& kernel = s.host.kernel;
  if (!s.driver.kernel_module_version && !l.sysfs_module_version) return l.secure_boot == true;
  return std::none_of(l.dkms_builds.begin(), l.dkms_builds.end(),
                      [&](const auto& b) { return b.installed && b.kernel == kernel; });
}

void WalkModules(const ProbeContext& ctx, const fs::path& dir, int depth, std::size_t& seen,
                 std::vector<model::KernelModuleFile>& out) {
  for (const std::string& name : ctx.fs.ListDir(dir)) {
    if (++seen > kMaxModuleEntries) return;
    const fs::path p = dir / name;
    std::string compression;
    if (IsNvidiaCoreModuleFile(name, &compression)) {
      out.push_back(ReadModuleFile(ctx, p, compression));
    } else if (depth < kMaxModuleDepth && !IsLink(ctx, p) && ctx.fs.IsDirectory(p)) {
      // build and source are links to the headers: not followed, as links never are.
      WalkModules(ctx, p, depth + 1, seen, out);
    }
  }
}

void ProbeModules(const ProbeContext& ctx, const std::string& release, model::DriverLifecycle& l) {
  if (release.empty()) return;
  const fs::path dir = fs::path("/lib/modules") / release;
  l.modules_dir = ctx.fs.IsDirectory(dir);
  if (!l.modules_dir) return;
  std::size_t seen = 0;
  WalkModules(ctx, dir, 0, seen, l.module_files);
}

// DKMS's tree (dkms 3): MODULE/VERSION/source, MODULE/VERSION/KERNEL/ARCH/module/*.ko* once
// built, and MODULE/kernel-KERNEL-ARCH -> VERSION/KERNEL/ARCH once installed.
void ProbeDkms(const ProbeContext& ctx, model::DriverLifecycle& l) {
  const fs::path tree = "/var/lib/dkms";
  for (const std::string& module : ctx.fs.ListDir(tree)) {
    if (!IsNvidiaDkmsModule(module)) continue;
    const fs::path mdir = tree / module;
    for (const std::string& version : ctx.fs.ListDir(mdir)) {
      if (version.starts_with("kernel-") || version == "original_module") continue;
      const fs::path vdir = mdir / version;
      if (!ctx.fs.IsDirectory(vdir) || IsLink(ctx, vdir)) continue;
      l.dkms_added.push_back(module + "/" + version);
      for (const std::string& kernel : ctx.fs.ListDir(vdir)) {
        if (kernel == "source" || kernel == "build") continue;
        for (const std::string& arch : ctx.fs.ListDir(vdir / kernel)) {
          if (!ctx.fs.IsDirectory(vdir / kernel / arch / "module")) continue;
          model::DkmsBuild b{module, version, kernel, arch, false};
          const auto link = ctx.fs.ReadLink(mdir / ("kernel-" + kernel + "-" + arch));
          b.installed = link && fs::path(*link).lexically_normal() ==
                                    (fs::path(version) / kernel / arch).lexically_normal();
          l.dkms_builds.push_back(std::move(b));
        }
      }
    }
  }
}

// shim's variables live under its GUID.
constexpr std::string_view kShimGuid = "605dab50-e046-4300-abb6-3dd810dd8b23";

// Secure Boot as the kernel decides it (drivers/firmware/efi/libstub/secureboot.c,
// efi_get_secureboot): the SecureBoot variable of the EFI global-variable GUID (efivarfs
// prefixes the 4-byte attributes to the 1-byte value, Documentation/filesystems/efivarfs.rst),
// unless shim was put in insecure mode (`mokutil --disable-validation`: MokSBStateRT = 1), which
// the kernel honours by not enforcing Secure Boot.
std::optional<bool> SecureBoot(const ProbeContext& ctx) {
  const fs::path efivars = "/sys/firmware/efi/efivars";
  auto data = ctx.fs.ReadFile(efivars / "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", 64);
  if (!data)
    return ctx.fs.IsDirectory("/sys/firmware/efi") ? std::optional<bool>(false) : std::nullopt;
  if (data->size() < 5) return std::nullopt;
  if ((*data)[4] != 1) return false;
  auto shim = ctx.fs.ReadFile(efivars / fmt::format("MokSBStateRT-{}", kShimGuid), 64);
  return !(shim && shim->size() >= 5 && (*shim)[4] == 1);
}

// MokListRT is what shim hands the kernel (a large list goes on in MokListRT1, MokListRT2,
// ...); the kernel also mirrors it, without efivarfs' 4-byte attribute prefix, in
// /sys/firmware/efi/mok-variables (Linux 5.13 and later).
constexpr std::size_t kMaxMokBytes = 1u << 20;

std::optional<std::string> ReadMokVariable(const ProbeContext& ctx, const std::string& name) {
  if (auto raw = ctx.fs.ReadFile("/sys/firmware/efi/mok-variables/" + name, kMaxMokBytes))
    return raw;
  auto var = ctx.fs.ReadFile(fmt::format("/sys/firmware/efi/efivars/{}-{}", name, kShimGuid),
                             kMaxMokBytes);
  if (!var || var->size() < 4) return std::nullopt;
  return var->substr(4);
}

// The certificates of a shim list (MokListRT and its continuations, or MokNew).
// nullopt when the variable is absent.
std::optional<std::vector<std::string>> MokCertificates(const ProbeContext& ctx,
                                                        const std::string& name,
                                                        std::optional<std::string>& error) {
  std::vector<std::string> out;
  for (int part = 0; part < 16; ++part) {
    const auto data = ReadMokVariable(ctx, part == 0 ? name : name + std::to_string(part));
    if (!data && part == 0) return std::nullopt;
    if (!data) break;
    std::string why;
    auto lists = util::ParseEfiSignatureLists(*data, &why);
    if (!lists) {
      error = (error ? *error + "; " : "") + name + (part ? std::to_string(part) : "") + ": " + why;
      continue;
    }
    for (auto& sig : *lists) {
      if (sig.type == util::kEfiCertX509Guid) out.push_back(std::move(sig.data));
    }
  }
  return out;
}

// The keys DKMS and Ubuntu's shim-signed sign modules with, each looked up, byte for byte (they
// are DER certificates, as mokutil --import takes them), in MokListRT and MokNew.
void ProbeMokKeys(const ProbeContext& ctx, model::DriverLifecycle& l) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const char* path : {"/var/lib/dkms/mok.pub", "/var/lib/shim-signed/mok/MOK.der"}) {
    if (auto der = ctx.fs.ReadFile(path, 64u << 10); der && !der->empty())
      keys.emplace_back(path, std::move(*der));
  }
  // Without shim (no MokListRT) the kernel trusts no Machine Owner Key at all: nothing to say.
  if (keys.empty()) return;
  const auto listed = MokCertificates(ctx, "MokListRT", l.mok_list_error);
  if (!listed) return;
  const auto& enrolled = *listed;
  const auto pending =
      MokCertificates(ctx, "MokNew", l.mok_list_error).value_or(std::vector<std::string>{});
  for (const auto& [path, der] : keys) {
    l.mok_keys.push_back({path, std::find(enrolled.begin(), enrolled.end(), der) != enrolled.end(),
                          std::find(pending.begin(), pending.end(), der) != pending.end()});
  }
}

// NVIDIA's driver packages as Debian, Ubuntu and NVIDIA's CUDA repository name them: the ones
// whose move leaves the running module and the new libraries apart.
bool IsDriverPackage(std::string_view name) {
  constexpr std::array<std::string_view, 20> kPrefixes = {"nvidia-driver",
                                                          "nvidia-kernel-",
                                                          "nvidia-dkms-",
                                                          "nvidia-headless-",
                                                          "nvidia-utils-",
                                                          "nvidia-compute-utils-",
                                                          "nvidia-open",
                                                          "nvidia-fabricmanager",
                                                          "nvidia-firmware-",
                                                          "nvidia-smi",
                                                          "nvidia-persistenced",
                                                          "nvidia-modprobe",
                                                          "libnvidia-compute-",
                                                          "libnvidia-ml1",
                                                          "libnvidia-nscq",
                                                          "libcuda1",
                                                          "linux-modules-nvidia-",
                                                          "linux-objects-nvidia-",
                                                          "linux-signatures-nvidia-",
                                                          "cuda-drivers"};
  return std::any_of(kPrefixes.begin(), kPrefixes.end(),
                     [&](std::string_view p) { return name.starts_with(p); });
}

// The libcuda and NVML files a package installed, from the file list dpkg keeps for it
// (NAME:ARCH.list for Multi-Arch: same packages such as libcuda1, NAME.list otherwise).
std::vector<std::string> DriverLibrariesOf(const ProbeContext& ctx, const util::DpkgPackage& p) {
  std::vector<std::string> found;
  for (const std::string& list : {p.name + ":" + p.architecture + ".list", p.name + ".list"}) {
    if (p.architecture.empty() && list.find(':') != std::string::npos) continue;
    const auto text = ctx.fs.ReadFile(fs::path("/var/lib/dpkg/info") / list, 4u << 20);
    if (!text) continue;
    for (std::string_view line : util::Lines(*text)) {
      const std::string_view name = line.substr(line.rfind('/') + 1);
      if (name.starts_with("libcuda.so") || name.starts_with("libnvidia-ml.so"))
        found.emplace_back(line);
    }
    break;
  }
  return found;
}

void ProbePackages(const ProbeContext& ctx, model::DriverLifecycle& l) {
  auto status = ctx.fs.ReadFile("/var/lib/dpkg/status", 256u << 20);
  if (!status) return;
  for (const auto& p : util::ParseDpkgStatus(*status)) {
    if (!p.installed()) continue;
    if (p.name == "unattended-upgrades") l.unattended_upgrades_installed = true;
    if (!IsDriverPackage(p.name)) continue;
    model::DriverPackage d{p.name, p.version, p.status.starts_with("hold "), {}, {}};
    d.driver_libraries = DriverLibrariesOf(ctx, p);
    if (p.name.starts_with("nvidia-fabricmanager") && !p.name.ends_with("-dev")) {
      l.fabric_manager_package = d;
    }
    l.packages.push_back(std::move(d));
  }
}

// apt reads apt.conf.d's parts in order, then apt.conf (apt.conf(5)).
void ProbeAptConf(const ProbeContext& ctx, model::DriverLifecycle& l) {
  std::vector<fs::path> files;
  for (const std::string& name : ctx.fs.ListDir("/etc/apt/apt.conf.d")) {
    if (util::AptReadsConfPart(name)) files.push_back(fs::path("/etc/apt/apt.conf.d") / name);
  }
  files.push_back("/etc/apt/apt.conf");
  util::AptConfig conf;
  for (const auto& f : files) {
    const auto read = ctx.fs.Read(f, 1u << 20);
    model::ConfigFile file{f.string(), !read.missing, std::nullopt};
    if (read.missing) continue;
    if (!read.data) {
      file.error = "not read: " + read.skipped;
    } else if (read.truncated) {
      file.error = "larger than 1 MiB, not read";
    } else if (auto error = conf.Parse(*read.data)) {
      file.error = *error;
    }
    if (file.error) l.apt_conf_errors.push_back(std::move(file));
  }
  l.unattended_upgrade_periodic = conf.Scalar("APT::Periodic::Unattended-Upgrade");
  l.unattended_blacklist = conf.List("Unattended-Upgrade::Package-Blacklist");
  l.unattended_allowed_origins = conf.List("Unattended-Upgrade::Allowed-Origins");
  l.unattended_origins_pattern = conf.List("Unattended-Upgrade::Origins-Pattern");
}

// What unattended-upgrades substitutes for ${distro_id} and ${distro_codename}: `lsb_release -i
// -s` and `-c -s`. Ubuntu's lsb_release takes /etc/lsb-release's DISTRIB_ID and DISTRIB_CODENAME;
// Debian's (a shell script since lsb-release 12) takes os-release's ID, capitalized, or NAME
// where it differs from ID only in case, and VERSION_CODENAME.
void ProbeDistroNames(const ProbeContext& ctx, model::DriverLifecycle& l) {
  if (auto text = ctx.fs.ReadFile("/etc/lsb-release", 64u << 10)) {
    auto f = util::ParseOsRelease(*text);
    l.distro_id = f["DISTRIB_ID"];
    l.distro_codename = f["DISTRIB_CODENAME"];
    if (!l.distro_id.empty() && !l.distro_codename.empty()) return;
  }
  auto text = ctx.fs.ReadFile("/etc/os-release", 64u << 10);
  if (!text) text = ctx.fs.ReadFile("/usr/lib/os-release", 64u << 10);
  if (!text) return;
  auto f = util::ParseOsRelease(*text);
  std::string id = f["ID"];
  if (!id.empty()) id[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(id[0])));
  if (f.contains("NAME") && util::ToLower(f["NAME"]) == util::ToLower(id)) id = f["NAME"];
  if (l.distro_id.empty()) l.distro_id = id;
  if (l.distro_codename.empty())
    l.distro_codename = f.contains("VERSION_CODENAME") ? f["VERSION_CODENAME"] : "n/a";
}

// The repositories (apt's lists) that carry each driver package unattended-upgrades could move:
// only read where it is installed and enabled and some driver package is not held. A list that
// cannot be read is named in apt_lists_unread; rules then take its packages as ones it may move.
void ProbeAptOrigins(const ProbeContext& ctx, model::DriverLifecycle& l) {
  std::set<std::string, std::less<>> wanted;
  for (const auto& p : l.packages)
    if (!p.held) wanted.insert(p.name);
  const std::string periodic(util::Trim(l.unattended_upgrade_periodic.value_or("")));
  if (!l.unattended_upgrades_installed || periodic.empty() || periodic == "0" || wanted.empty())
    return;  // the same gate as driver.packages_not_held's: lists are read only when they decide
  const fs::path dir = "/var/lib/apt/lists";
  std::vector<std::string> names = ctx.fs.ListDir(dir);
  if (names.size() > kMaxAptListEntries) names.resize(kMaxAptListEntries);
  const auto lists = util::PairAptLists(names);
  if (lists.empty()) {
    l.apt_lists_unread.push_back(dir.string() + ": no Packages list with its Release file");
    return;
  }
  std::map<std::string, std::optional<util::AptRelease>> releases;
  for (const auto& list : lists) {
    auto [it, added] = releases.try_emplace(list.release_file);
    if (added) {
      auto text = ctx.fs.ReadFile(dir / list.release_file, 64u << 20);
      if (text) it->second = util::ParseAptRelease(*text);
    }
    if (!it->second) {
      l.apt_lists_unread.push_back(list.release_file + ": not read or no release fields");
      continue;
    }
    auto read = ctx.fs.Read(dir / list.file, kMaxAptListBytes);
    std::optional<std::string> data = std::move(read.data);
    std::string error = read.skipped;
    if (read.truncated) {  // a part of a list would hide the packages past it
      data.reset();
      error = fmt::format("larger than {} MiB, not read", kMaxAptListBytes >> 20);
    }
    if (data && !list.compression.empty()) {
      if (list.compression == "gz" || list.compression == "xz" || list.compression == "zst")
        data = util::Decompress(*data, list.compression, 4 * kMaxAptListBytes, &error);
      else
        data.reset();
      if (!data && error.empty())
        error = list.compression + "-compressed, a format dlenv does not read";
    }
    if (!data) {
      l.apt_lists_unread.push_back(list.file + ": " + (error.empty() ? "not read" : error));
      continue;
    }
    std::set<std::string, std::less<>> found;
    util::PackagesNamed(*data, wanted, found);
    const util::AptRelease& r = *it->second;
    const model::AptOrigin origin{r.origin,   r.label,        r.suite,
                                  r.codename, list.component, list.site};
    for (auto& p : l.packages) {
      if (!found.contains(p.name)) continue;
      // binary-amd64 and binary-i386 of one component are one repository
      if (std::find(p.origins.begin(), p.origins.end(), origin) == p.origins.end())
        p.origins.push_back(origin);
    }
  }
}

// The kernel keeps 15 characters of a command name: nv-fabricmanager's comm is
// "nv-fabricmanage".
void ProbeFabricManager(const ProbeContext& ctx, model::DriverLifecycle& l) {
  for (const std::string& name : ctx.fs.ListDir("/dev")) {
    if (name.starts_with("nvidia-nvswitch") && name.size() > 15 &&
        std::all_of(name.begin() + 15, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      l.nvswitch_nodes.push_back("/dev/" + name);
    }
  }
  if (l.nvswitch_nodes.empty()) return;
  std::size_t seen = 0;
  for (const std::string& pid : ctx.fs.ListDir("/proc")) {
    if (pid.empty() ||
        !std::all_of(pid.begin(), pid.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    if (++seen > kMaxProcesses) break;
    const std::string comm = FirstLine(ctx.fs.ReadFile(fs::path("/proc") / pid / "comm", 256));
    if (comm == "nv-fabricmanage" || comm == "nv-fabricmanager") {
      l.fabric_manager_pid = std::stoi(pid.substr(0, 9));
      break;
    }
  }
}

std::optional<std::string> SysfsModuleVersion(const ProbeContext& ctx) {
  // Debian's module is nvidia-current.ko: the kernel names it nvidia_current.
  for (const char* m : {"/sys/module/nvidia/version", "/sys/module/nvidia_current/version"}) {
    std::string v = FirstLine(ctx.fs.ReadFile(m, 256));
    if (!v.empty()) return v;
  }
  return std::nullopt;
}

}  // namespace

bool IsNvidiaCoreModuleFile(std::string_view name, std::string* compression) {
  std::string_view stem = name;
  std::string packed;
  for (std::string_view ext : {".xz", ".zst", ".gz"}) {
    if (stem.ends_with(ext)) {
      packed = std::string(ext.substr(1));
      stem.remove_suffix(ext.size());
      break;
    }
  }
  if (!stem.ends_with(".ko")) return false;
  stem.remove_suffix(3);
  for (std::string_view part :
       {"-uvm", "-drm", "-modeset", "-peermem", "_uvm", "_drm", "_modeset", "_peermem"}) {
    if (stem.ends_with(part)) return false;
  }
  const bool core = stem == "nvidia" || stem == "nvidia-current" || stem == "nvidia_current" ||
                    stem.starts_with("nvidia-tesla-") || stem.starts_with("nvidia-legacy-");
  if (core && compression) *compression = packed;
  return core;
}

bool IsNvidiaDkmsModule(std::string_view name) {
  return name == "nvidia" || name.starts_with("nvidia-current") ||
         name.starts_with("nvidia-open") || name.starts_with("nvidia-tesla-") ||
         name.starts_with("nvidia-legacy-") || name.starts_with("nvidia-srv");
}

void ProbeDriverLifecycle(const ProbeContext& ctx, model::Snapshot& snapshot) {
  auto& l = snapshot.driver_lifecycle;
  ProbeModules(ctx, snapshot.host.kernel, l);
  ProbeDkms(ctx, l);
  l.sysfs_module_version = SysfsModuleVersion(ctx);
  l.secure_boot = SecureBoot(ctx);
  if (l.secure_boot == true) ProbeMokKeys(ctx, l);
  if (CompressedContentsDecide(snapshot)) {
    for (auto& f : l.module_files) {
      if (f.compression) ReadCompressedModule(ctx, f);
    }
  }
  ProbePackages(ctx, l);
  ProbeAptConf(ctx, l);
  ProbeDistroNames(ctx, l);
  ProbeAptOrigins(ctx, l);
  ProbeFabricManager(ctx, l);
}

}  // namespace dlenv::probe
