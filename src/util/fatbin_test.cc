#include "util/fatbin.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "testing/nvidia_files.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/elf.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::util {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> ArchesOf(const fs::path& library) {
  std::string error;
  auto file = MappedFile::Open(library, &error);
  EXPECT_TRUE(file) << error;
  if (!file) return {};
  auto elf = ParseElf(file->bytes());
  EXPECT_TRUE(elf.info) << elf.error;
  if (!elf.info) return {};
  const ElfSection* s = elf.info->FindSection(".nv_fatbin");
  EXPECT_NE(s, nullptr);
  if (!s) return {};
  auto contents = ParseFatbin(SectionBytes(file->bytes(), *s));
  EXPECT_EQ(contents.problem, "");
  return contents.ArchNames();
}

// cuobjdump, where the toolkit has it, is a second oracle: --list-elf / --list-ptx print one
// line per entry naming e.g. "libk.1.sm_80.cubin" / "libk.1.sm_90.ptx".
std::optional<std::set<std::string>> CuobjdumpArches(const fs::path& bin, const fs::path& library) {
  fs::path cuobjdump = bin / "cuobjdump";
  if (!fs::exists(cuobjdump)) return std::nullopt;
  std::set<std::string> arches;
  for (const char* flag : {"--list-elf", "--list-ptx"}) {
    auto r =
        RunCommand({cuobjdump.string(), flag, library.string()}, ::dlenv::testing::ToolOptions());
    if (!r.ok()) return std::nullopt;
    for (auto line : Lines(r.out)) {
      auto at = line.find("sm_");
      if (at == std::string_view::npos) continue;
      auto end = line.find('.', at);
      std::string arch(line.substr(at + 3, end - at - 3));
      arches.insert(std::string(flag) == "--list-elf" ? "sm_" + arch : "compute_" + arch);
    }
  }
  return arches;
}

/// A shared object nvcc builds in `t` from `source`, for the given -gencode values.
fs::path BuildWithNvcc(const fs::path& bin, const testing::TempTree& t, const std::string& source,
                       const std::vector<std::string>& gencodes, ChildResult* result) {
  t.Write("/k.cu", source);
  const fs::path lib = t / "/libk.so";
  std::vector<std::string> argv{(bin / "nvcc").string(), "-shared", "-Xcompiler", "-fPIC"};
  for (const auto& g : gencodes) {
    argv.push_back("-gencode");
    argv.push_back(g);
  }
  argv.insert(argv.end(), {"-o", lib.string(), (t / "/k.cu").string()});
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(240);
  *result = RunCommand(argv, opts);
  return lib;
}

TEST(Fatbin, ReadsExactlyTheArchitecturesNvccCompiledIn) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  testing::TempTree t;
  ChildResult r;
  const fs::path lib =
      BuildWithNvcc(nv.bin(), t,
                    "__global__ void scale(float* x) { x[threadIdx.x] *= 2.0f; }\n"
                    "extern \"C\" void launch(float* x) { scale<<<1, 32>>>(x); }\n",
                    {"arch=compute_75,code=sm_75", "arch=compute_80,code=sm_80",
                     "arch=compute_90,code=compute_90"},
                    &r);
  ASSERT_TRUE(r.ok()) << r.Describe() << "\n" << r.err;
  auto arches = ArchesOf(lib);
  EXPECT_EQ(arches, (std::vector<std::string>{"sm_75", "sm_80", "compute_90"}));
  if (auto second = CuobjdumpArches(nv.bin(), lib)) {
    EXPECT_EQ(std::set<std::string>(arches.begin(), arches.end()), *second);
  }
}

TEST(Fatbin, MachineCodeAndPtxForTheSameArchitectureAreBothListed) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  testing::TempTree t;
  ChildResult r;
  const fs::path lib = BuildWithNvcc(nv.bin(), t, "__global__ void touch(int* x) { *x = 1; }\n",
                                     {"arch=compute_86,code=[sm_86,compute_86]"}, &r);
  ASSERT_TRUE(r.ok()) << r.Describe() << "\n" << r.err;
  EXPECT_EQ(ArchesOf(lib), (std::vector<std::string>{"sm_86", "compute_86"}));
}

std::string Container(
    const std::vector<std::tuple<std::uint16_t, std::uint32_t, std::uint64_t>>& entries) {
  auto put = [](std::string& s, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  std::string body;
  for (auto [kind, arch, payload] : entries) {
    std::string e;
    put(e, kind, 2);
    put(e, 0x101, 2);
    put(e, 64, 4);
    put(e, payload, 8);
    e.resize(28, '\0');
    put(e, arch, 4);
    e.resize(64, '\0');
    e.append(payload, 'x');
    body += e;
  }
  std::string c;
  put(c, 0xBA55ED50, 4);
  put(c, 1, 2);
  put(c, 16, 2);
  put(c, body.size(), 8);
  return c + body;
}

std::span<const std::byte> AsBytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// Arch-specific (sm_90a) and family-specific (sm_100f) targets keep their suffix, as cuobjdump
// names them, and run where NVIDIA says: 'a' on that GPU only, 'f' across its family.
TEST(Fatbin, ArchAndFamilySpecificTargetsKeepTheirSuffix) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  testing::TempTree t;
  ChildResult r;
  const fs::path lib = BuildWithNvcc(nv.bin(), t, "__global__ void touch(int* x) { *x = 1; }\n",
                                     {"arch=compute_80,code=sm_80", "arch=compute_90a,code=sm_90a",
                                      "arch=compute_100f,code=sm_100f"},
                                     &r);
  ASSERT_TRUE(r.ok()) << r.Describe() << "\n" << r.err;
  const auto arches = ArchesOf(lib);
  EXPECT_EQ(arches, (std::vector<std::string>{"sm_80", "sm_90a", "sm_100f"}));
  if (auto second = CuobjdumpArches(nv.bin(), lib)) {
    EXPECT_EQ(std::set<std::string>(arches.begin(), arches.end()), *second);
  }
}

TEST(Fatbin, WhereSpecificTargetsRun) {
  EXPECT_TRUE(ArchesRunOn({"sm_90a"}, 9, 0));
  EXPECT_FALSE(ArchesRunOn({"sm_90a"}, 10, 0));
  EXPECT_TRUE(ArchesRunOn({"sm_100a"}, 10, 0));
  EXPECT_FALSE(ArchesRunOn({"sm_100a"}, 10, 3));  // B300 runs no B200-specific code
  EXPECT_TRUE(ArchesRunOn({"sm_100f"}, 10, 3));   // ... but the family's
  EXPECT_FALSE(ArchesRunOn({"sm_100f"}, 12, 0));
  EXPECT_FALSE(ArchesRunOn({"compute_90a"}, 10, 0));  // arch-specific PTX: that GPU only
  EXPECT_TRUE(ArchesRunOn({"compute_90"}, 12, 0));
  EXPECT_TRUE(ArchesRunOn({"sm_80"}, 8, 6));
  EXPECT_FALSE(ArchesRunOn({"sm_86"}, 8, 0));
}

TEST(Fatbin, SkipsPaddingBetweenContainers) {
  std::string two =
      Container({{2, 70, 8}}) + std::string(8, '\0') + Container({{1, 120, 16}, {2, 100, 0}});
  auto c = ParseFatbin(AsBytes(two));
  EXPECT_EQ(c.problem, "");
  EXPECT_EQ(c.containers, 2);
  EXPECT_EQ(c.entries, 3);
  EXPECT_EQ(c.ArchNames(), (std::vector<std::string>{"sm_70", "sm_100", "compute_120"}));
}

TEST(Fatbin, HostileSizesStopTheWalkWithAProblem) {
  // An entry claiming a payload far larger than its container.
  std::string c = Container({{2, 80, 8}, {2, 90, 8}});
  std::string lying = c;
  std::memset(lying.data() + 16 + 8, 0xff, 8);
  auto r = ParseFatbin(AsBytes(lying));
  EXPECT_NE(r.problem, "");
  EXPECT_TRUE(r.sass.empty());
  // A container claiming more bytes than the section holds.
  std::string truncated = c.substr(0, c.size() - 10);
  r = ParseFatbin(AsBytes(truncated));
  EXPECT_NE(r.problem.find("runs past"), std::string::npos);
  // Garbage after a good container keeps what was read.
  r = ParseFatbin(AsBytes(c + "garbage!garbage!"));
  EXPECT_EQ(r.ArchNames(), (std::vector<std::string>{"sm_80", "sm_90"}));
  EXPECT_NE(r.problem, "");
  // An entry header size of zero must not loop forever.
  std::string zero = c;
  std::memset(zero.data() + 16 + 4, 0, 4);
  r = ParseFatbin(AsBytes(zero));
  EXPECT_NE(r.problem, "");
}

}  // namespace
}  // namespace dlenv::util

namespace dlenv::util {
namespace {

// A real NVIDIA library from the toolkit on this machine: hundreds of megabytes, thousands of
// containers, compressed payloads. CUDA 13.0 builds nothing below compute capability 7.5
// (NVIDIA, "Navigating GPU Architecture Support"), so every architecture must be >= 75.
TEST(Fatbin, WalksARealToolkitLibraryWithoutProblems) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  const fs::path lib = nv.lib() / "libcublasLt.so.13";
  std::string error;
  auto file = MappedFile::Open(lib, &error);
  ASSERT_TRUE(file) << error;
  auto elf = ParseElf(file->bytes());
  ASSERT_TRUE(elf.info) << elf.error;
  const ElfSection* s = elf.info->FindSection(".nv_fatbin");
  ASSERT_NE(s, nullptr);
  auto contents = ParseFatbin(SectionBytes(file->bytes(), *s));
  EXPECT_EQ(contents.problem, "");
  EXPECT_GT(contents.containers, 100);
  EXPECT_GT(contents.entries, contents.containers);
  ASSERT_FALSE(contents.sass.empty());
  EXPECT_GE(*contents.sass.begin(), 75);
  EXPECT_TRUE(contents.sass.count(80) && contents.sass.count(90))
      << ::testing::PrintToString(contents.ArchNames());
  for (int ptx : contents.ptx) EXPECT_GE(ptx, 75);
}

}  // namespace
}  // namespace dlenv::util
