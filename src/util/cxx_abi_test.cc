// The std::string ABI of mangled names, against g++ itself: the same declarations compiled with
// -D_GLIBCXX_USE_CXX11_ABI=1 and =0, their symbols read back with nm.

#include "util/cxx_abi.h"

#include <gtest/gtest.h>

#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::util {
namespace {

constexpr const char* kSource = R"(#include <string>
namespace c10 {
struct Device { explicit Device(const std::string& s); };
Device::Device(const std::string&) {}
std::string get_privateuse1_backend(bool) { return "x"; }
void count(int) {}
void torchCheckFail(const char*, const char*, unsigned, const std::string&) {}
}
)";

std::vector<std::string> Symbols(int abi) {
  testing::TempTree t;
  const auto src = t.Write("/a.cc", kSource);
  const auto obj = t.path() / "a.o";
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  auto cc =
      RunCommand({"c++", "-std=c++17", "-c", "-D_GLIBCXX_USE_CXX11_ABI=" + std::to_string(abi),
                  src.string(), "-o", obj.string()},
                 o);
  EXPECT_TRUE(cc.ok()) << cc.err;
  auto nm = RunCommand({"nm", "--defined-only", "-P", obj.string()}, o);
  EXPECT_TRUE(nm.ok()) << nm.err;
  std::vector<std::string> out;
  for (auto line : Lines(nm.out)) {
    const std::string name(line.substr(0, line.find(' ')));
    if (name.starts_with("_ZN3c10")) out.push_back(name);
  }
  return out;
}

StringAbi AbiOf(const std::vector<std::string>& names, std::string_view function) {
  for (const auto& n : names) {
    if (n.find(function) != std::string::npos) return StringAbiOf(n);
  }
  ADD_FAILURE() << function << " not compiled";
  return StringAbi::kNone;
}

TEST(CxxAbi, ReadsWhatGccMangles) {
  const auto cxx11 = Symbols(1), old = Symbols(0);
  ASSERT_FALSE(cxx11.empty());
  EXPECT_EQ(AbiOf(cxx11, "DeviceC"), StringAbi::kCxx11);
  EXPECT_EQ(AbiOf(old, "DeviceC"), StringAbi::kPreCxx11);
  EXPECT_EQ(AbiOf(cxx11, "torchCheckFail"), StringAbi::kCxx11);
  EXPECT_EQ(AbiOf(old, "torchCheckFail"), StringAbi::kPreCxx11);
  // Returning a string: the C++11 ABI tags the name (B5cxx11), the old one says nothing.
  EXPECT_EQ(AbiOf(cxx11, "get_privateuse1_backend"), StringAbi::kCxx11);
  EXPECT_EQ(AbiOf(old, "get_privateuse1_backend"), StringAbi::kNone);
  EXPECT_EQ(AbiOf(cxx11, "5count"), StringAbi::kNone);
  // Not mangled, or not demangling: no answer rather than a guess.
  EXPECT_EQ(StringAbiOf("aoti_torch_empty_strided"), StringAbi::kNone);
  EXPECT_EQ(StringAbiOf("_Zxyz"), StringAbi::kNone);
  EXPECT_EQ(StringAbiOf("_ZN3c104Ss_xE"), StringAbi::kNone);
  EXPECT_EQ(StringAbiName(StringAbi::kPreCxx11), "pre-C++11 (_GLIBCXX_USE_CXX11_ABI=0)");
}

}  // namespace
}  // namespace dlenv::util
