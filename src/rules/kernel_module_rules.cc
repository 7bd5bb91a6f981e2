#include "rules/kernel_module_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>

#include "rules/driver_rules.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::Severity;

std::optional<std::string> LoadedVersion(const model::Snapshot& s) {
  if (s.driver.kernel_module_version) return s.driver.kernel_module_version;
  return s.driver_lifecycle.sysfs_module_version;
}

std::vector<const model::DkmsBuild*> BuildsFor(const model::DriverLifecycle& l,
                                               const std::string& kernel) {
  std::vector<const model::DkmsBuild*> out;
  for (const auto& b : l.dkms_builds) {
    if (b.kernel == kernel) out.push_back(&b);
  }
  return out;
}

// A package that brings a kernel module: DKMS sources (nvidia-kernel-dkms, nvidia-dkms-550),
// Ubuntu's prebuilt linux-modules-nvidia-*, or a metapackage that pulls one in.
bool ModulePackage(const std::string& name) {
  return name.find("dkms") != std::string::npos || name.starts_with("nvidia-kernel-") ||
         name.starts_with("linux-modules-nvidia-") || name.starts_with("nvidia-driver") ||
         name.starts_with("cuda-drivers") || name.starts_with("nvidia-open");
}

// linux-modules-nvidia-535-server-6.8.0-40-generic -> 535-server: the flavour, without the
// kernel release Ubuntu appends.
std::optional<std::string> UbuntuModulesFlavour(const model::DriverLifecycle& l) {
  constexpr std::string_view kPrefix = "linux-modules-nvidia-";
  for (const auto& p : l.packages) {
    if (!p.name.starts_with(kPrefix)) continue;
    std::vector<std::string> flavour;
    for (const auto& part : util::Split(p.name.substr(kPrefix.size()), '-')) {
      if (part.find('.') != std::string::npos) break;
      flavour.push_back(part);
    }
    if (!flavour.empty()) return util::Join(flavour, "-");
  }
  return std::nullopt;
}

std::string ModuleForKernelFix(const model::Snapshot& s, const std::string& release) {
  const auto& l = s.driver_lifecycle;
  for (const auto* b : BuildsFor(l, release)) {
    if (!b->installed) {
      return fmt::format(
          "DKMS built it but did not install it: `sudo dkms install {}/{} -k {}`, "
          "then `sudo modprobe nvidia`",
          b->module, b->version, release);
    }
  }
  if (!l.dkms_added.empty()) {
    return fmt::format(
        "Build it with DKMS for this kernel (it needs the kernel's headers): `sudo apt-get install "
        "linux-headers-{0} && sudo dkms autoinstall -k {0}`, then `sudo modprobe nvidia`; "
        "`dkms status` shows what DKMS built for each kernel, and /var/lib/dkms/{1}/*/build/"
        "make.log why a build failed",
        release, util::Split(l.dkms_added.front(), '/').front());
  }
  if (auto flavour = UbuntuModulesFlavour(l)) {
    return fmt::format(
        "Install Ubuntu's prebuilt module for this kernel: `sudo apt-get install "
        "linux-modules-nvidia-{}-{}`, then `sudo modprobe nvidia`",
        *flavour, release);
  }
  return fmt::format(
      "Reinstall the driver for kernel {}: its DKMS package (Debian `sudo "
      "apt-get install nvidia-kernel-dkms linux-headers-{}`), or NVIDIA's .run "
      "installer again; then `sudo modprobe nvidia`",
      release, release);
}

void CheckModuleForKernel(const model::Snapshot& s, std::vector<Finding>& out) {
  const auto& l = s.driver_lifecycle;
  const std::string& release = s.host.kernel;
  // Without /lib/modules/RELEASE this is not the root the kernel boots (an image, a fixture);
  // with the module loaded the running kernel has one; without a GPU nothing needs it.
  if (!l.modules_dir || release.empty() || LoadedVersion(s) || !l.module_files.empty() ||
      s.host.nvidia_pci_devices.empty()) {
    return;
  }
  const bool expected =
      !l.dkms_added.empty() || std::any_of(l.packages.begin(), l.packages.end(),
                                           [](auto& p) { return ModulePackage(p.name); });
  if (!expected) return;  // no driver installed at all: driver.not_found says so
  std::vector<std::string> dkms;
  for (const auto& b : l.dkms_builds) {
    dkms.push_back(fmt::format("{}/{} for {} ({})", b.module, b.version, b.kernel,
                               b.installed ? "installed" : "built"));
  }
  std::string evidence =
      fmt::format("running kernel {}; no nvidia.ko under /lib/modules/{}; ", release, release);
  evidence += l.dkms_added.empty() ? "no NVIDIA module added to DKMS"
              : dkms.empty()       ? fmt::format("DKMS has {} but built it for no kernel",
                                                 util::Join(l.dkms_added, ", "))
                                   : "DKMS: " + util::Join(dkms, "; ");
  out.push_back({"driver.no_module_for_kernel", Severity::kError,
                 "No NVIDIA kernel module for the running kernel",
                 evidence + " (a new kernel booted without its module build)",
                 ModuleForKernelFix(s, release)});
}

void CheckRebootRequired(const model::Snapshot& s, std::vector<Finding>& out) {
  const auto loaded = LoadedVersion(s);
  if (!loaded) return;
  std::set<std::string> on_disk;
  std::vector<std::string> where;
  for (const auto& [version, source] : InstalledModuleVersions(s)) {
    on_disk.insert(version);
    where.push_back(fmt::format("{} ({})", version, source));
  }
  if (on_disk.empty() || on_disk.contains(*loaded)) return;
  std::string evidence = fmt::format("loaded kernel module {}; installed for kernel {}: {}",
                                     *loaded, s.host.kernel, util::Join(where, ", "));
  if (const auto user = UserspaceDriverVersion(s)) {
    evidence += fmt::format("; user-space driver {} ({})", user->version, user->source);
  }
  out.push_back({"driver.reboot_required", Severity::kWarning,
                 "The NVIDIA driver was upgraded on disk; the old kernel module is still loaded",
                 evidence + " (until a reboot, CUDA fails with \"Driver/library version "
                            "mismatch\" once the libraries moved too)",
                 "`sudo reboot`. Without rebooting, stop every GPU process and reload the module: "
                 "`sudo systemctl stop nvidia-persistenced; sudo rmmod nvidia_uvm nvidia_drm "
                 "nvidia_modeset nvidia && sudo modprobe nvidia nvidia_uvm`"});
}

void CheckSecureBoot(const model::Snapshot& s, std::vector<Finding>& out) {
  const auto& l = s.driver_lifecycle;
  if (l.secure_boot != true || LoadedVersion(s)) return;
  std::vector<std::string> unsigned_files;
  for (const auto& f : l.module_files) {
    if (f.signature_appended == false) unsigned_files.push_back(f.path);
  }
  if (unsigned_files.empty()) return;
  std::string rebuild = "rebuild the module so that DKMS signs it with that key";
  for (const auto* b : BuildsFor(l, s.host.kernel)) {
    rebuild = fmt::format(
        "rebuild it so that DKMS signs it: `sudo dkms remove {0}/{1} -k {2} && "
        "sudo dkms install {0}/{1} -k {2}`",
        b->module, b->version, s.host.kernel);
    break;
  }
  out.push_back(
      {"driver.module_unsigned_secure_boot", Severity::kError,
       "Secure Boot is on and the NVIDIA kernel module is not signed: the kernel refuses it",
       fmt::format("SecureBoot EFI variable = 1; no \"~Module signature appended~\" in {}; the "
                   "module is not loaded (modprobe: \"Key was rejected by service\")",
                   util::Join(unsigned_files, ", ")),
       fmt::format("Enroll a Machine Owner Key and sign the module with it: `sudo mokutil --import "
                   "/var/lib/dkms/mok.pub` (DKMS makes that key on its first signed build; Ubuntu "
                   "keeps it in /var/lib/shim-signed/mok/MOK.der), reboot and enroll the key in "
                   "MokManager, then {}. Or turn Secure Boot off in the firmware",
                   rebuild)});
}

// A DKMS module that is signed (inside the decompressed image, when compressed) still fails to
// load under Secure Boot when its key is not among shim's Machine Owner Keys: `mokutil --import`
// only asks for the enrollment, which MokManager completes at the next boot once the password
// is typed there. The DKMS build must be the one for the running kernel: distributions' own
// signed modules (Ubuntu's linux-modules-nvidia) carry a key the kernel trusts anyway.
void CheckMokEnrollment(const model::Snapshot& s, std::vector<Finding>& out) {
  const auto& l = s.driver_lifecycle;
  if (l.secure_boot != true || LoadedVersion(s) || l.mok_keys.empty() || l.module_files.empty())
    return;
  for (const auto& f : l.module_files) {
    if (f.signature_appended == false) return;  // driver.module_unsigned_secure_boot says it
  }
  const model::DkmsBuild* build = nullptr;
  for (const auto* b : BuildsFor(l, s.host.kernel)) {
    if (b->installed && !build) build = b;
  }
  if (!build) return;
  std::vector<std::string> paths;
  bool pending = false;
  for (const auto& k : l.mok_keys) {
    if (k.enrolled) return;
    paths.push_back(k.path);
    pending = pending || k.pending;
  }
  // The key the fix names: the one whose enrollment waits, else the first.
  const auto waiting =
      std::find_if(l.mok_keys.begin(), l.mok_keys.end(), [](const auto& k) { return k.pending; });
  const std::string& key = (waiting != l.mok_keys.end() ? *waiting : l.mok_keys.front()).path;
  out.push_back(
      // A list that could not be read all through makes "not enrolled" a likelihood only.
      {"driver.mok_key_not_enrolled", l.mok_list_error ? Severity::kWarning : Severity::kError,
       pending ? "The key DKMS signs the NVIDIA module with waits for enrollment at the next boot: "
                 "until then the kernel refuses the module"
               : "Secure Boot is on and the key DKMS signs the NVIDIA module with is not enrolled: "
                 "the kernel refuses the module",
       fmt::format("SecureBoot EFI variable = 1; DKMS {}/{} is installed for {} and the module is "
                   "not loaded; {} {} not in MokListRT{}{} (modprobe: \"Key was rejected by "
                   "service\")",
                   build->module, build->version, s.host.kernel, util::Join(paths, ", "),
                   paths.size() == 1 ? "is" : "are",
                   pending ? "; MokNew asks for its enrollment (mokutil --import was run)" : "",
                   l.mok_list_error ? "; " + *l.mok_list_error : ""),
       pending
           ? "Reboot; in the blue MokManager screen choose \"Enroll MOK\", then \"Continue\", "
             "and type the password given to `mokutil --import`. Afterwards `mokutil "
             "--test-key " +
                 key + "` says it is already enrolled and `sudo modprobe nvidia` loads the module"
           : fmt::format("`sudo mokutil --import {}` (it asks for a one-time password), reboot, "
                         "choose \"Enroll MOK\" in the blue MokManager screen and type that "
                         "password; then `sudo modprobe nvidia`. Or turn Secure Boot off in the "
                         "firmware",
                         key)});
}

}  // namespace

std::vector<std::pair<std::string, std::string>> InstalledModuleVersions(const model::Snapshot& s) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto& l = s.driver_lifecycle;
  for (const auto& f : l.module_files) {
    if (f.version) out.emplace_back(*f.version, f.path);
  }
  for (const auto* b : BuildsFor(l, s.host.kernel)) {
    if (b->installed) out.emplace_back(b->version, "DKMS " + b->module + "/" + b->version);
  }
  return out;
}

void CheckKernelModule(const model::Snapshot& s, const knowledge::Knowledge&,
                       std::vector<model::Finding>& out) {
  // A container and WSL boot no NVIDIA module of their own.
  if (s.host.container || s.host.wsl) return;
  CheckModuleForKernel(s, out);
  CheckRebootRequired(s, out);
  CheckSecureBoot(s, out);
  CheckMokEnrollment(s, out);
}

}  // namespace dlenv::rules
