#include "knowledge/torch_arch_list.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "testing/require.h"
#include "testing/tools.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::knowledge {
namespace {

namespace fs = std::filesystem;

std::string Texts(const TorchArchList& l) {
  std::vector<std::string> t;
  for (const auto& a : l.arches) t.push_back(a.text);
  return util::Join(t, ";");
}

TEST(TorchArchList, NamesExpandInTorchsOrderAndSpacesSeparate) {
  EXPECT_EQ(Texts(ParseTorchArchList("Ampere Hopper")), "8.0;8.6+PTX;9.0+PTX");
  // "Kepler+Tesla" is replaced before "Kepler" (torch replaces in its table's order).
  EXPECT_EQ(Texts(ParseTorchArchList("Kepler+Tesla;Kepler")), "3.7;3.5+PTX");
  EXPECT_EQ(Texts(ParseTorchArchList("Blackwell")), "10.0;10.3;12.0;12.1+PTX");
  auto l = ParseTorchArchList("9.0a;7.5");
  ASSERT_EQ(l.arches.size(), 2u);
  EXPECT_TRUE(l.arches[0].specific);
  EXPECT_EQ(l.arches[0].major, 9);
  EXPECT_FALSE(l.arches[1].ptx);
  EXPECT_TRUE(ParseTorchArchList("").arches.empty());
}

TEST(TorchArchList, EntriesTorchRejectsAreNamed) {
  EXPECT_EQ(ParseTorchArchList("8.0;sm_90;8.6").unknown, std::vector<std::string>{"sm_90"});
  EXPECT_EQ(ParseTorchArchList("8.0;;8.6").unknown, std::vector<std::string>{""});
  EXPECT_EQ(ParseTorchArchList("8.0,8.6").unknown, std::vector<std::string>{"8.0,8.6"});
  EXPECT_EQ(ParseTorchArchList("6.5").unknown, std::vector<std::string>{"6.5"});
  EXPECT_EQ(ParseTorchArchList("9.0+ptx").unknown, std::vector<std::string>{"9.0+ptx"});
}

TEST(TorchArchList, WhichGpusTheCodeRunsOn) {
  auto ampere = ParseTorchArchList("8.0");
  EXPECT_TRUE(ArchRunningOn(ampere, 8, 6));   // sm_80 SASS runs on 8.6
  EXPECT_FALSE(ArchRunningOn(ampere, 9, 0));  // not on another major
  EXPECT_FALSE(ArchRunningOn(ampere, 7, 5));  // nor on an older GPU
  auto ptx = ParseTorchArchList("8.6+PTX");
  EXPECT_FALSE(ArchRunningOn(ptx, 8, 0));  // 8.6 code needs 8.6 or newer
  ASSERT_TRUE(ArchRunningOn(ptx, 12, 0));  // PTX is compiled for newer GPUs
  EXPECT_EQ(ArchRunningOn(ptx, 12, 0)->text, "8.6+PTX");
  auto specific = ParseTorchArchList("9.0a");
  EXPECT_TRUE(ArchRunningOn(specific, 9, 0));
  EXPECT_FALSE(ArchRunningOn(specific, 10, 0));
  EXPECT_EQ(TorchArchFor(9, 0), "9.0");
  EXPECT_EQ(TorchArchFor(6, 4), "");
}

/// The -gencode flags torch would pass nvcc for our reading of a list.
std::set<std::string> Flags(const TorchArchList& l) {
  std::set<std::string> flags;
  for (const auto& a : l.arches) {
    const std::string num = fmt::format("{}{}{}", a.major, a.minor, a.specific ? "a" : "");
    flags.insert(fmt::format("-gencode=arch=compute_{0},code=sm_{0}", num));
    if (a.ptx) flags.insert(fmt::format("-gencode=arch=compute_{0},code=compute_{0}", num));
  }
  return flags;
}

// The oracle: the newest torch wheel's own _get_cuda_arch_flags, given each list in
// TORCH_CUDA_ARCH_LIST, in one interpreter.
TEST(TorchArchList, ReadsEachListAsTheNewestTorchDoes) {
  const char* dir = std::getenv("DLENV_TEST_ENVS");
  const fs::path python =
      fs::path(dir && *dir ? dir : "/var/tmp/dlenv-test-envs") / "wheels-torch-deps/bin/python";
  if (!fs::exists(python)) {
    DLENV_SKIP_OR_FAIL(python << " missing: run scripts/make-test-envs.sh");
  }
  const std::vector<std::string> lists = {
      "Ampere;Hopper",   "Kepler+Tesla;Kepler",   "Blackwell", "Maxwell Pascal", "9.0a 12.0+PTX",
      "7.5;8.0;8.6+PTX", "Rubin;Blackwell+Tegra", "8.0;sm_90", "8.0;;8.6",       "6.5",
      "Ada;Turing"};
  const char* script = R"(
import json, os, sys
from torch.utils import cpp_extension
out = []
for value in json.loads(sys.argv[1]):
    os.environ["TORCH_CUDA_ARCH_LIST"] = value
    try:
        out.append({"flags": cpp_extension._get_cuda_arch_flags()})
    except ValueError as e:
        out.append({"error": str(e)})
print(json.dumps(out))
)";
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(120);
  auto r = util::RunCommand({python.string(), "-c", script, nlohmann::json(lists).dump()}, opts);
  ASSERT_TRUE(r.ok()) << r.Describe() << "\n" << r.err;
  auto torch = nlohmann::json::parse(r.out.substr(r.out.find('[')));
  ASSERT_EQ(torch.size(), lists.size()) << r.out;
  for (std::size_t i = 0; i < lists.size(); ++i) {
    auto ours = ParseTorchArchList(lists[i]);
    if (torch[i].contains("error")) {
      ASSERT_FALSE(ours.unknown.empty()) << lists[i];
      EXPECT_EQ(torch[i]["error"],
                fmt::format("Unknown CUDA arch ({}) or GPU not supported", ours.unknown.front()))
          << lists[i];
    } else {
      EXPECT_TRUE(ours.unknown.empty()) << lists[i];
      EXPECT_EQ(Flags(ours), torch[i]["flags"].get<std::set<std::string>>()) << lists[i];
    }
  }
}

}  // namespace
}  // namespace dlenv::knowledge
