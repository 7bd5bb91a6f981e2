// The NVIDIA kernel module through a host's life, on fixture roots that Debian's real dkms
// builds and installs into (testing::DriverHost): a module for the running kernel, DKMS's
// state, an upgrade waiting for its reboot, Secure Boot with an unsigned module. Each fix
// dlenv prints is run on the tree (dkms autoinstall/install, the kernel's sign-file), and the
// finding must go.

#include "rules/kernel_module_rules.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "testing/driver_host.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"

namespace dlenv::rules {
namespace {

namespace fs = std::filesystem;
using testing::DriverHost;
using testing::FindFinding;
using testing::FindingIds;

constexpr const char* kModule = "nvidia-current";  // Debian's DKMS module name
constexpr const char* kVersion = "535.216.01";

#define REQUIRE_DKMS()                                                      \
  if (!DriverHost::HaveDkms()) DLENV_SKIP_OR_FAIL("dkms is not installed"); \
  if (!DriverHost::Root()) DLENV_SKIP_OR_FAIL("dkms install needs root")

std::vector<model::Finding> Check(const model::Snapshot& s) {
  std::vector<model::Finding> out;
  CheckKernelModule(s, knowledge::BuiltinKnowledge(), out);
  return out;
}

// Adds, builds and installs MODULE/VERSION for KERNEL with the real dkms.
void DkmsInstall(const DriverHost& h, const std::string& version, const std::string& kernel) {
  h.AddDkmsSource(kModule, version);
  const std::string mv = std::string(kModule) + "/" + version;
  auto add = h.Dkms({"add", mv});
  ASSERT_TRUE(add.ok()) << add.Describe() << add.out << add.err;
  auto install = h.Dkms({"install", mv, "-k", kernel});
  ASSERT_TRUE(install.ok()) << install.Describe() << install.out << install.err;
}

std::string ModinfoVersion(const fs::path& ko) {
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  return util::RunCommand({"modinfo", "-F", "version", ko.string()}, o).out;
}

TEST(KernelModule, HealthyDkmsHostSaysNothingAndReadsWhatDkmsWrote) {
  REQUIRE_DKMS();
  DriverHost h;
  h.AddGpu();
  DkmsInstall(h, kVersion, h.release);
  h.LoadModule(kVersion);
  h.WriteDpkgStatus(
      {{"nvidia-kernel-dkms", "535.216.01-1~deb12u1"}, {"libcuda1", "535.216.01-1~deb12u1"}});
  const auto s = h.Run();
  const auto& l = s.driver_lifecycle;
  EXPECT_TRUE(l.modules_dir);
  ASSERT_EQ(l.module_files.size(), 1u) << FindingIds(s);
  const auto& f = l.module_files[0];
  EXPECT_EQ(f.path, "/lib/modules/" + h.release + "/updates/dkms/nvidia-current.ko");
  EXPECT_EQ(f.version, kVersion);
  EXPECT_EQ(ModinfoVersion(h.tree / f.path), std::string(kVersion) + "\n");  // kmod agrees
  EXPECT_EQ(f.signature_appended, false);
  ASSERT_EQ(l.dkms_builds.size(), 1u);
  EXPECT_EQ(l.dkms_builds[0].module, kModule);
  EXPECT_EQ(l.dkms_builds[0].kernel, h.release);
  EXPECT_TRUE(l.dkms_builds[0].installed);
  EXPECT_EQ(l.sysfs_module_version, kVersion);
  for (const auto& finding : s.findings) {
    EXPECT_NE(finding.severity, model::Severity::kError) << FindingIds(s);
    EXPECT_FALSE(finding.id == "driver.no_module_for_kernel" ||
                 finding.id == "driver.reboot_required" ||
                 finding.id == "driver.module_unsigned_secure_boot")
        << FindingIds(s);
  }
}

TEST(KernelModule, NewKernelWithoutItsBuildAndDkmsAutoinstallFixesIt) {
  REQUIRE_DKMS();
  DriverHost h;
  h.AddGpu();
  const std::string old_kernel = "6.12.0-98-amd64";
  h.tree.MakeDir("/lib/modules/" + old_kernel + "/kernel");  // still installed: dkms needs it
  DkmsInstall(h, kVersion, old_kernel);                      // the kernel it ran before
  h.WriteDpkgStatus({{"nvidia-kernel-dkms", "535.216.01-1~deb12u1"}});
  auto s = h.Run();
  const auto* f = FindFinding(s, "driver.no_module_for_kernel");
  ASSERT_TRUE(f) << FindingIds(s);
  EXPECT_EQ(f->severity, model::Severity::kError);
  EXPECT_NE(f->evidence.find("nvidia-current/535.216.01 for 6.12.0-98-amd64 (installed)"),
            std::string::npos)
      << f->evidence;
  const std::string fix = "sudo dkms autoinstall -k " + h.release;
  ASSERT_NE(f->fix.find(fix), std::string::npos) << f->fix;
  EXPECT_NE(f->fix.find("linux-headers-" + h.release), std::string::npos) << f->fix;

  auto run = h.Dkms({"autoinstall", "-k", h.release});  // the fix, on the tree
  ASSERT_TRUE(run.ok()) << run.Describe() << run.out << run.err;
  s = h.Run();
  EXPECT_FALSE(FindFinding(s, "driver.no_module_for_kernel")) << FindingIds(s);
  ASSERT_EQ(s.driver_lifecycle.module_files.size(), 1u);
  EXPECT_EQ(s.driver_lifecycle.module_files[0].version, kVersion);
}

TEST(KernelModule, BuiltButNotInstalledAndDkmsInstallFixesIt) {
  REQUIRE_DKMS();
  DriverHost h;
  h.AddGpu();
  h.AddDkmsSource(kModule, kVersion);
  const std::string mv = std::string(kModule) + "/" + kVersion;
  ASSERT_TRUE(h.Dkms({"add", mv}).ok());
  auto build = h.Dkms({"build", mv, "-k", h.release});
  ASSERT_TRUE(build.ok()) << build.Describe() << build.out << build.err;
  auto s = h.Run();
  const auto* f = FindFinding(s, "driver.no_module_for_kernel");
  ASSERT_TRUE(f) << FindingIds(s);
  const std::string fix = "sudo dkms install " + mv + " -k " + h.release;
  ASSERT_NE(f->fix.find(fix), std::string::npos) << f->fix;
  auto run = h.Dkms({"install", mv, "-k", h.release});
  ASSERT_TRUE(run.ok()) << run.Describe() << run.out << run.err;
  s = h.Run();
  EXPECT_FALSE(FindFinding(s, "driver.no_module_for_kernel")) << FindingIds(s);
}

TEST(KernelModule, NoModuleButNothingExpectsOneSaysNothing) {
  DriverHost h;
  h.AddGpu();
  h.WriteDpkgStatus({{"bash", "5.2.15-2+b8"}});  // no NVIDIA driver installed at all
  auto s = h.Run();
  EXPECT_FALSE(FindFinding(s, "driver.no_module_for_kernel")) << FindingIds(s);
  // And a machine without an NVIDIA GPU needs no module even with the packages.
  DriverHost cpu;
  cpu.WriteDpkgStatus({{"nvidia-kernel-dkms", "535.216.01-1~deb12u1"}});
  s = cpu.Run();
  EXPECT_FALSE(FindFinding(s, "driver.no_module_for_kernel")) << FindingIds(s);
}

// The user-space driver as a real shared object whose file name carries its version, found
// through an ld.so.cache glibc's ldconfig made for the tree.
bool AddLibcuda(const DriverHost& h, const std::string& version) {
  const auto src = h.tree.Write("/src/libcuda.c", "int cuInit(unsigned f) { return (int)f; }\n");
  const std::string dir = "/usr/lib/x86_64-linux-gnu";
  h.tree.MakeDir(dir);
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  auto cc = util::RunCommand({"cc", "-shared", "-fPIC", "-Wl,-soname,libcuda.so.1", "-o",
                              (h.tree / (dir + "/libcuda.so." + version)).string(), src.string()},
                             o);
  if (!cc.ok()) return false;
  h.tree.Symlink(dir + "/libcuda.so.1", "libcuda.so." + version);
  h.tree.Write("/etc/ld.so.conf", dir + "\n");
  return util::RunCommand({"ldconfig", "-r", h.tree.path().string()}, o).ok();
}

TEST(KernelModule, UpgradedOnDiskOldModuleLoadedIsARebootAndAVersionMismatch) {
  REQUIRE_DKMS();
  DriverHost h;
  h.AddGpu();
  DkmsInstall(h, "550.163.01", h.release);   // the upgrade installed the new module ...
  h.LoadModule(kVersion);                    // ... the old one still runs
  ASSERT_TRUE(AddLibcuda(h, "550.163.01"));  // and the libraries moved with it
  const auto s = h.Run();
  const auto* reboot = FindFinding(s, "driver.reboot_required");
  ASSERT_TRUE(reboot) << FindingIds(s);
  EXPECT_EQ(reboot->severity, model::Severity::kWarning);
  EXPECT_NE(reboot->evidence.find("loaded kernel module 535.216.01"), std::string::npos);
  EXPECT_NE(reboot->evidence.find("550.163.01 (/lib/modules/"), std::string::npos)
      << reboot->evidence;
  EXPECT_NE(reboot->fix.find("sudo reboot"), std::string::npos);
  // Without NVML (--root), the library's file name says what NVML would have said.
  const auto* mismatch = FindFinding(s, "driver.version_mismatch");
  ASSERT_TRUE(mismatch) << FindingIds(s);
  EXPECT_NE(mismatch->evidence.find("user-space 550.163.01"), std::string::npos)
      << mismatch->evidence;
  EXPECT_NE(mismatch->fix.find("sudo reboot"), std::string::npos);

  // After the reboot the new module is the loaded one: nothing left to say.
  h.LoadModule("550.163.01");
  const auto after = h.Run();
  EXPECT_FALSE(FindFinding(after, "driver.reboot_required")) << FindingIds(after);
  EXPECT_FALSE(FindFinding(after, "driver.version_mismatch")) << FindingIds(after);
}

TEST(KernelModule, LibrariesMovedButTheModuleBuildFailedNeedsARebuildNotJustAReboot) {
  REQUIRE_DKMS();
  DriverHost h;
  h.AddGpu();
  DkmsInstall(h, kVersion, h.release);       // the old module is still the one on disk ...
  h.LoadModule(kVersion);                    // ... and loaded
  ASSERT_TRUE(AddLibcuda(h, "550.163.01"));  // only the libraries moved
  const auto s = h.Run();
  EXPECT_FALSE(FindFinding(s, "driver.reboot_required")) << FindingIds(s);
  const auto* f = FindFinding(s, "driver.version_mismatch");
  ASSERT_TRUE(f) << FindingIds(s);
  EXPECT_NE(f->evidence.find("installed for kernel " + h.release + ": 535.216.01"),
            std::string::npos)
      << f->evidence;
  EXPECT_NE(f->fix.find("sudo dkms autoinstall -k " + h.release), std::string::npos) << f->fix;
  EXPECT_NE(f->fix.find("a reboot alone does not help"), std::string::npos) << f->fix;
}

// The kernel's own compression commands (scripts/Makefile.modinst, Linux 6.1), which DKMS
// follows for its modules: the module is signed first, then compressed.
const std::vector<std::pair<std::string, std::vector<std::string>>> kCompressors = {
    {"xz", {"xz", "--check=crc32", "--lzma2=dict=1MiB", "-f"}},
    {"zst", {"zstd", "-T0", "--rm", "-f", "-q"}},
    {"gz", {"gzip", "-n", "-f"}},
};

TEST(KernelModule, CompressedModulesAreReadAsModinfoReadsThem) {
  REQUIRE_DKMS();
  for (const auto& [ext, command] : kCompressors) {
    SCOPED_TRACE(ext);
    DriverHost h;
    h.AddGpu();
    DkmsInstall(h, "550.163.01", h.release);
    const fs::path ko = h.tree / ("/lib/modules/" + h.release + "/updates/dkms/nvidia-current.ko");
    const std::string before = ModinfoVersion(ko);
    ASSERT_EQ(before, "550.163.01\n");
    auto args = command;
    args.push_back(ko.string());
    util::ChildOptions o = ::dlenv::testing::ToolOptions();
    auto packed = util::RunCommand(args, o);
    ASSERT_TRUE(packed.ok()) << packed.Describe() << packed.err;
    const fs::path file = ko.string() + "." + ext;
    ASSERT_TRUE(fs::exists(file) && !fs::exists(ko));
    h.LoadModule(kVersion);
    // DKMS says which version it installed: the module is not decompressed (doctor's costliest
    // read), and the reboot is found all the same.
    auto s = h.Run();
    ASSERT_EQ(s.driver_lifecycle.module_files.size(), 1u);
    EXPECT_EQ(s.driver_lifecycle.module_files[0].compression, ext);
    EXPECT_FALSE(s.driver_lifecycle.module_files[0].version);
    ASSERT_TRUE(FindFinding(s, "driver.reboot_required")) << FindingIds(s);
    // Without DKMS's record (a distribution's packaged module, as Ubuntu's
    // linux-modules-nvidia-*): only the module itself says its version.
    fs::remove_all(h.tree / "/var/lib/dkms");
    s = h.Run();
    ASSERT_EQ(s.driver_lifecycle.module_files.size(), 1u);
    const auto& f = s.driver_lifecycle.module_files[0];
    EXPECT_EQ(f.compression, ext);
    EXPECT_FALSE(f.error) << *f.error;
    // kmod's modinfo is the oracle for the version inside; Debian 12's kmod 30 reads xz and
    // zstd (`kmod --version`: +ZSTD +XZ -ZLIB), so for gzip it read the module before.
    EXPECT_EQ(f.version.value_or("?") + "\n", ext == "gz" ? before : ModinfoVersion(file));
    EXPECT_EQ(f.signature_appended, false);
    const auto* reboot = FindFinding(s, "driver.reboot_required");
    ASSERT_TRUE(reboot) << FindingIds(s);
    EXPECT_NE(reboot->evidence.find("550.163.01 (/lib/modules/" + h.release +
                                    "/updates/dkms/nvidia-current.ko." + ext + ")"),
              std::string::npos)
        << reboot->evidence;

    // Damaged on disk: the file is named with what is wrong, and no version is made up.
    const std::string inside = file.string().substr(h.tree.path().string().size());
    const std::string bytes = testing::ReadAll(file);
    h.tree.Write(inside, bytes.substr(0, bytes.size() / 2));
    s = h.Run();
    const auto& cut = s.driver_lifecycle.module_files.at(0);
    ASSERT_TRUE(cut.error);
    EXPECT_NE(cut.error->find("truncated"), std::string::npos) << *cut.error;
    EXPECT_FALSE(cut.version);
    EXPECT_FALSE(FindFinding(s, "driver.reboot_required")) << FindingIds(s);
  }
}

std::optional<fs::path> SignFile() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib", ec)) {
    if (e.path().filename().string().starts_with("linux-kbuild-") &&
        fs::exists(e.path() / "scripts/sign-file")) {
      return e.path() / "scripts/sign-file";
    }
  }
  return std::nullopt;
}

TEST(KernelModule, SecureBootRefusesTheUnsignedModuleUntilItIsSigned) {
  REQUIRE_DKMS();
  DriverHost h;
  h.AddGpu();
  DkmsInstall(h, kVersion, h.release);
  // efivarfs: 4 bytes of attributes (NV, BS, RT = 0x06) and the 1-byte value.
  const std::string on("\x06\x00\x00\x00\x01", 5);
  h.tree.Write("/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", on);
  auto s = h.Run();
  EXPECT_EQ(s.driver_lifecycle.secure_boot, true);
  const auto* f = FindFinding(s, "driver.module_unsigned_secure_boot");
  ASSERT_TRUE(f) << FindingIds(s);
  EXPECT_EQ(f->severity, model::Severity::kError);
  EXPECT_NE(f->fix.find("mokutil --import"), std::string::npos);
  EXPECT_NE(f->fix.find("sudo dkms remove nvidia-current/535.216.01 -k " + h.release),
            std::string::npos)
      << f->fix;

  // What the rebuild does: the kernel's sign-file signs the module with the enrolled key.
  const auto sign_file = SignFile();
  if (!sign_file)
    DLENV_SKIP_OR_FAIL("no /usr/lib/linux-kbuild-*/scripts/sign-file (linux-kbuild-6.1)");
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  auto key = util::RunCommand({"openssl", "req", "-new", "-x509", "-nodes", "-days", "1", "-subj",
                               "/CN=DKMS module signing key", "-newkey", "rsa:2048", "-keyout",
                               (h.tree / "/var/lib/dkms/mok.key").string(), "-outform", "DER",
                               "-out", (h.tree / "/var/lib/dkms/mok.pub").string()},
                              o);
  ASSERT_TRUE(key.ok()) << key.Describe() << key.err;
  const fs::path ko = h.tree / s.driver_lifecycle.module_files.at(0).path;
  auto sign =
      util::RunCommand({sign_file->string(), "sha512", (h.tree / "/var/lib/dkms/mok.key").string(),
                        (h.tree / "/var/lib/dkms/mok.pub").string(), ko.string()},
                       o);
  ASSERT_TRUE(sign.ok()) << sign.Describe() << sign.err;
  s = h.Run();
  EXPECT_EQ(s.driver_lifecycle.module_files.at(0).signature_appended, true);
  EXPECT_FALSE(FindFinding(s, "driver.module_unsigned_secure_boot")) << FindingIds(s);

  // Secure Boot off: an unsigned module loads, nothing to say.
  DriverHost off;
  off.AddGpu();
  DkmsInstall(off, kVersion, off.release);
  off.tree.Write("/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
                 std::string("\x06\x00\x00\x00\x00", 5));
  s = off.Run();
  EXPECT_EQ(s.driver_lifecycle.secure_boot, false);
  EXPECT_FALSE(FindFinding(s, "driver.module_unsigned_secure_boot")) << FindingIds(s);
}

// mokutil reads and writes shim's variables through libefivar, which takes EFIVARFS_PATH for
// its efivarfs folder: pointed at the tree's, the real mokutil is the oracle and runs the fix.
util::ChildResult Mokutil(const DriverHost& h, std::vector<std::string> args) {
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.env = {{"EFIVARFS_PATH", (h.tree / "/sys/firmware/efi/efivars").string() + "/"},
           {"PATH", "/usr/bin:/bin:/usr/sbin:/sbin"}};
  args.insert(args.begin(), "mokutil");
  return util::RunCommand(args, o);
}

TEST(KernelModule, SignedButTheKeyNotEnrolledUntilMokManagerEnrollsIt) {
  REQUIRE_DKMS();
  const auto sign_file = SignFile();
  if (!sign_file)
    DLENV_SKIP_OR_FAIL("no /usr/lib/linux-kbuild-*/scripts/sign-file (linux-kbuild-6.1)");
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  // (mokutil --version fails without EFI variables: its file is what says it is here.)
  if (!fs::exists("/usr/bin/mokutil")) DLENV_SKIP_OR_FAIL("no mokutil (Debian's mokutil package)");
  DriverHost h;
  h.AddGpu();
  DkmsInstall(h, kVersion, h.release);
  h.tree.Write("/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
               std::string("\x06\x00\x00\x00\x01", 5));
  // DKMS's key (as DKMS 3 makes it: a DER certificate) and the module signed with it.
  const std::string pub = (h.tree / "/var/lib/dkms/mok.pub").string();
  auto key = util::RunCommand(
      {"openssl", "req", "-new", "-x509", "-nodes", "-days", "1", "-subj",
       "/CN=DKMS module signing key", "-newkey", "rsa:2048", "-keyout",
       (h.tree / "/var/lib/dkms/mok.key").string(), "-outform", "DER", "-out", pub},
      o);
  ASSERT_TRUE(key.ok()) << key.Describe() << key.err;
  // shim's MokListRT, which always holds its vendor's certificate: one EFI_SIGNATURE_LIST (the
  // X.509 type GUID, list/header/signature sizes, owner GUID, DER) behind efivarfs' attributes.
  const std::string vendor_der = (h.tree.MakeDir("/root") / "vendor.der").string();
  ASSERT_TRUE(util::RunCommand(
                  {"openssl", "req", "-new", "-x509", "-nodes", "-days", "1", "-subj",
                   "/CN=shim vendor", "-newkey", "rsa:2048", "-keyout",
                   (h.tree / "/root/vendor.key").string(), "-outform", "DER", "-out", vendor_der},
                  o)
                  .ok());
  const std::string der = testing::ReadAll(vendor_der);
  auto le32 = [](std::size_t v) {
    std::string b(4, '\0');
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i) & 0xff);
    return b;
  };
  const std::string x509_guid("\xa1\x59\xc0\xa5\xe4\x94\xa7\x4a\x87\xb5\xab\x15\x5c\x2b\xf0\x72",
                              16);
  const std::string vendor_list = std::string("\x06\0\0\0", 4) + x509_guid +
                                  le32(28 + 16 + der.size()) + le32(0) + le32(16 + der.size()) +
                                  std::string(16, '\x42') + der;
  const std::string shim = "-605dab50-e046-4300-abb6-3dd810dd8b23";
  h.tree.Write("/sys/firmware/efi/efivars/MokListRT" + shim, vendor_list);
  auto s = h.Run();
  const fs::path ko = h.tree / s.driver_lifecycle.module_files.at(0).path;
  ASSERT_TRUE(util::RunCommand({sign_file->string(), "sha512",
                                (h.tree / "/var/lib/dkms/mok.key").string(), pub, ko.string()},
                               o)
                  .ok());
  // Signed, then compressed, as Ubuntu 24.04's DKMS leaves it: the signature is read inside.
  ASSERT_TRUE(util::RunCommand({"zstd", "-T0", "--rm", "-f", "-q", ko.string()}, o).ok());
  s = h.Run();
  ASSERT_EQ(s.driver_lifecycle.module_files.at(0).compression, "zst");
  EXPECT_EQ(s.driver_lifecycle.module_files.at(0).signature_appended, true);
  const auto* f = FindFinding(s, "driver.mok_key_not_enrolled");
  ASSERT_TRUE(f) << FindingIds(s);
  EXPECT_EQ(f->severity, model::Severity::kError);
  EXPECT_NE(f->evidence.find("/var/lib/dkms/mok.pub is not in MokListRT"), std::string::npos)
      << f->evidence;
  EXPECT_FALSE(FindFinding(s, "driver.module_unsigned_secure_boot"));
  ASSERT_NE(f->fix.find("`sudo mokutil --import /var/lib/dkms/mok.pub`"), std::string::npos)
      << f->fix;
  auto test = Mokutil(h, {"--test-key", pub});
  EXPECT_NE(test.out.find("is not enrolled"), std::string::npos) << test.out << test.err;

  // The fix, by mokutil itself on the tree's variables (--hash-file stands for the password it
  // asks for): an enrollment request in MokNew, which dlenv reports as pending.
  auto hash = Mokutil(h, {"--generate-hash=dlenv"});
  ASSERT_TRUE(hash.ok()) << hash.Describe() << hash.err;
  const auto hash_file = h.tree.Write("/root/mok-password-hash", hash.out);
  auto import = Mokutil(h, {"--import", pub, "--hash-file", hash_file.string()});
  ASSERT_TRUE(import.ok()) << import.Describe() << import.out << import.err;
  s = h.Run();
  f = FindFinding(s, "driver.mok_key_not_enrolled");
  ASSERT_TRUE(f) << FindingIds(s);
  EXPECT_TRUE(s.driver_lifecycle.mok_keys.at(0).pending);
  EXPECT_NE(f->fix.find("Enroll MOK"), std::string::npos) << f->fix;
  EXPECT_EQ(f->fix.find("sudo mokutil --import"), std::string::npos) << f->fix;  // done already

  // What MokManager does at the boot: MokNew's lists join MokList, which shim hands the kernel
  // as MokListRT. mokutil then says the key is enrolled, and dlenv says nothing.
  const fs::path vars = h.tree / "/sys/firmware/efi/efivars";
  h.tree.Write("/sys/firmware/efi/efivars/MokListRT" + shim,
               vendor_list + testing::ReadAll(vars / ("MokNew" + shim)).substr(4));
  fs::remove(vars / ("MokNew" + shim));
  fs::remove(vars / ("MokAuth" + shim));
  test = Mokutil(h, {"--test-key", pub});
  EXPECT_NE(test.out.find("is already enrolled"), std::string::npos) << test.out << test.err;
  const std::string listed = testing::ReadAll(vars / ("MokListRT" + shim));
  s = h.Run();
  EXPECT_TRUE(s.driver_lifecycle.mok_keys.at(0).enrolled);
  EXPECT_FALSE(FindFinding(s, "driver.mok_key_not_enrolled")) << FindingIds(s);

  // A damaged MokListRT is named, not read past.
  h.tree.Write("/sys/firmware/efi/efivars/MokListRT" + shim, std::string("\x06\0\0\0\x01\x02", 6));
  s = h.Run();
  f = FindFinding(s, "driver.mok_key_not_enrolled");
  ASSERT_TRUE(f) << FindingIds(s);
  EXPECT_NE(f->evidence.find("MokListRT: 2 trailing bytes"), std::string::npos) << f->evidence;
  EXPECT_EQ(f->severity, model::Severity::kWarning);  // not read all through: not certain

  // The kernel's own copy (Linux 5.13+: /sys/firmware/efi/mok-variables, no attribute prefix)
  // is read first: the enrolled key is found there.
  fs::remove(vars / ("MokListRT" + shim));
  h.tree.Write("/sys/firmware/efi/mok-variables/MokListRT", listed.substr(4));
  s = h.Run();
  EXPECT_TRUE(s.driver_lifecycle.mok_keys.at(0).enrolled);
  EXPECT_FALSE(FindFinding(s, "driver.mok_key_not_enrolled")) << FindingIds(s);

  // Without shim there is no MokListRT and no Machine Owner Key to enroll: nothing to say.
  fs::remove_all(h.tree / "/sys/firmware/efi/mok-variables");
  s = h.Run();
  EXPECT_TRUE(s.driver_lifecycle.mok_keys.empty());
  EXPECT_FALSE(FindFinding(s, "driver.mok_key_not_enrolled")) << FindingIds(s);

  // shim in insecure mode (`mokutil --disable-validation`, MokSBStateRT = 1): the kernel does
  // not enforce Secure Boot, so neither rule speaks.
  h.tree.Write("/sys/firmware/efi/efivars/MokSBStateRT" + shim, std::string("\x06\0\0\0\x01", 5));
  s = h.Run();
  EXPECT_EQ(s.driver_lifecycle.secure_boot, false);
}

TEST(KernelModule, ContainersAndWslBootNoModuleOfTheirOwn) {
  model::Snapshot s;
  s.host.kernel = "6.12.0-99-amd64";
  s.host.nvidia_pci_devices.push_back({"0000:3b:00.0", "0x10de", "0x2330", "0x030200", "nvidia"});
  s.driver_lifecycle.modules_dir = true;
  s.driver_lifecycle.dkms_added = {"nvidia/550.163.01"};
  s.driver_lifecycle.secure_boot = true;
  EXPECT_EQ(Check(s).size(), 1u);  // the bare machine: no module for the kernel
  s.host.container = "docker";
  EXPECT_TRUE(Check(s).empty());
  s.host.container.reset();
  s.host.wsl = true;
  EXPECT_TRUE(Check(s).empty());
}

}  // namespace
}  // namespace dlenv::rules
