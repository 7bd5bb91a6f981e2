// Kernel modules built here (an ELF object with a .modinfo section, as kbuild leaves one), read
// by dlenv and by kmod's own modinfo; signed with the kernel's scripts/sign-file
// (linux-kbuild-*) and a key made by openssl, the way DKMS signs.

#include "util/kernel_module.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/elf.h"
#include "util/subprocess.h"

namespace dlenv::util {
namespace {

namespace fs = std::filesystem;

ChildResult RunTool(std::vector<std::string> argv) {
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(60);
  return RunCommand(argv, o);
}

std::optional<fs::path> SignFile() {
  for (const auto& e :
       fs::directory_iterator("/usr/lib", fs::directory_options::skip_permission_denied)) {
    if (!e.path().filename().string().starts_with("linux-kbuild-")) continue;
    if (fs::exists(e.path() / "scripts/sign-file")) return e.path() / "scripts/sign-file";
  }
  return std::nullopt;
}

KernelModuleInfo Read(const fs::path& p) {
  std::string error;
  auto m = MappedFile::Open(p, &error);
  EXPECT_TRUE(m) << error;
  return m ? ReadKernelModule(m->bytes()) : KernelModuleInfo{};
}

TEST(KernelModule, ModinfoFields) {
  const std::string section("version=550.54.15\0license=NVIDIA\0\0junk\0=novalue\0srcversion=AB",
                            61);
  auto fields = ParseModinfo(section);
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0], (std::pair<std::string, std::string>{"version", "550.54.15"}));
  EXPECT_EQ(fields[2].first, "srcversion");
  EXPECT_EQ(fields[2].second, "AB");
}

TEST(KernelModule, NotAModuleIsAnErrorNotACrash) {
  const std::string junk = "not an ELF file" + std::string(kModuleSignatureMagic);
  auto info = ReadKernelModule(std::as_bytes(std::span(junk.data(), junk.size())));
  EXPECT_TRUE(info.error);
  EXPECT_TRUE(info.signature_appended);  // the trailer alone is what the kernel looks for
  EXPECT_FALSE(ReadKernelModule({}).signature_appended);
}

TEST(KernelModule, BuiltModuleReadAsModinfoReadsItUnsignedThenSigned) {
  testing::TempTree t;
  const auto src =
      t.Write("/nvidia.c",
              "__attribute__((section(\".modinfo\"), used, aligned(1))) static const "
              "char v[] = \"version=535.216.01\";\n__attribute__((section(\".modinfo\"), "
              "used, aligned(1))) static const char l[] = \"license=NVIDIA\";\n");
  const fs::path ko = t / "/nvidia.ko";
  auto cc = RunTool({"cc", "-c", "-o", ko.string(), src.string()});
  ASSERT_TRUE(cc.ok()) << cc.Describe() << cc.err;

  auto info = Read(ko);
  EXPECT_FALSE(info.error) << *info.error;
  EXPECT_EQ(info.Get("version"), "535.216.01");
  EXPECT_EQ(info.Get("license"), "NVIDIA");
  EXPECT_FALSE(info.signature_appended);
  auto modinfo = RunTool({"modinfo", "-F", "version", ko.string()});
  if (!modinfo.ok()) DLENV_SKIP_OR_FAIL("kmod's modinfo is not installed: " << modinfo.Describe());
  EXPECT_EQ(modinfo.out, "535.216.01\n");

  const auto sign_file = SignFile();
  if (!sign_file)
    DLENV_SKIP_OR_FAIL("no /usr/lib/linux-kbuild-*/scripts/sign-file (linux-kbuild-6.1)");
  auto key =
      RunTool({"openssl", "req", "-new", "-x509", "-nodes", "-days", "1", "-subj",
               "/CN=dlenv test MOK", "-newkey", "rsa:2048", "-keyout", (t / "/mok.key").string(),
               "-outform", "DER", "-out", (t / "/mok.der").string()});
  ASSERT_TRUE(key.ok()) << key.Describe() << key.err;
  auto sign = RunTool({sign_file->string(), "sha256", (t / "/mok.key").string(),
                       (t / "/mok.der").string(), ko.string()});
  ASSERT_TRUE(sign.ok()) << sign.Describe() << sign.err;
  info = Read(ko);
  EXPECT_TRUE(info.signature_appended);
  EXPECT_EQ(info.Get("version"), "535.216.01");  // the ELF is intact in front of the signature
  auto signer = RunTool({"modinfo", "-F", "signer", ko.string()});
  EXPECT_EQ(signer.out, "dlenv test MOK\n");  // kmod sees the same signature
}

}  // namespace
}  // namespace dlenv::util
