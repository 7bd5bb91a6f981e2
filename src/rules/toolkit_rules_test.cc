#include "rules/toolkit_rules.h"

#include <gtest/gtest.h>

namespace dlenv::rules {
namespace {

using model::Severity;

model::Toolkit Tk(std::string root, std::string version, std::vector<std::string> via,
                  bool nvcc = false) {
  model::Toolkit t;
  t.root = std::move(root);
  t.version = std::move(version);
  t.found_via = std::move(via);
  t.nvcc_on_path = nvcc;
  if (nvcc) t.nvcc_path = t.root + "/bin/nvcc";
  return t;
}

std::vector<model::Finding> Check(const model::Snapshot& s) {
  std::vector<model::Finding> out;
  CheckToolkits(s, knowledge::BuiltinKnowledge(), out);
  return out;
}

const model::Finding* Find(const std::vector<model::Finding>& f, std::string_view id) {
  for (const auto& x : f) {
    if (x.id == id) return &x;
  }
  return nullptr;
}

// A machine with one toolkit, nvcc on PATH from it, CUDA_HOME pointing at it, the real
// libraries picked by the loader and the stub only inside the toolkit.
model::Snapshot Healthy() {
  model::Snapshot s;
  s.toolkits.push_back(
      Tk("/usr/local/cuda-12.4", "12.4.1", {"/usr/local/cuda", "CUDA_HOME", "PATH"}, true));
  model::LibraryCopy cudart{"cudart",    "/usr/local/cuda-12.4/lib64/libcudart.so.12",
                            {},          "12.4.127",
                            "file name", "ld.so.cache",
                            false,       true};
  model::LibraryCopy stub{
      "cuda", "/usr/local/cuda-12.4/lib64/stubs/libcuda.so", {}, "12.4", "header", "toolkit", true,
      false};
  s.libraries = {cudart, stub};
  s.driver.nvml_driver_version = "550.54.15";
  return s;
}

TEST(ToolkitRules, HealthySetupIsSilent) { EXPECT_TRUE(Check(Healthy()).empty()); }

TEST(ToolkitRules, PathMismatch) {
  model::Snapshot s = Healthy();
  s.toolkits[0].nvcc_on_path = false;
  s.toolkits.push_back(
      Tk("/usr/local/cuda-11.8", "11.8.89", {"/usr/local/cuda-11.8", "PATH"}, true));
  auto f = Check(s);
  const auto* m = Find(f, "toolkit.path_mismatch");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->severity, Severity::kWarning);
  EXPECT_NE(m->evidence.find("/usr/local/cuda-11.8/bin/nvcc"), std::string::npos);
  EXPECT_NE(m->evidence.find("CUDA_HOME -> /usr/local/cuda-12.4"), std::string::npos);
  EXPECT_NE(m->fix.find("/usr/local/cuda-12.4"), std::string::npos);
}

TEST(ToolkitRules, SameReleaseInTwoFoldersIsNoMismatch) {
  model::Snapshot s = Healthy();
  s.toolkits[0].nvcc_on_path = false;
  s.toolkits.push_back(
      Tk("/opt/conda", "12.4", {"PATH", "conda"}, true));  // cuda.h says 12.4, version.json 12.4.1
  EXPECT_EQ(Find(Check(s), "toolkit.path_mismatch"), nullptr);
}

TEST(ToolkitRules, StubsPickedFromLdLibraryPathIsAnError) {
  model::Snapshot s = Healthy();
  s.libraries[1].found_via = "LD_LIBRARY_PATH";
  s.libraries[1].loader_first = true;
  auto f = Check(s);
  const auto* m = Find(f, "toolkit.stubs_on_library_path");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->severity, Severity::kError);
  EXPECT_NE(m->evidence.find("stubs/libcuda.so (via LD_LIBRARY_PATH, the loader's pick)"),
            std::string::npos);
}

TEST(ToolkitRules, StubsInTheCacheBehindTheRealLibraryIsAWarning) {
  model::Snapshot s = Healthy();
  s.libraries[1].found_via = "ld.so.cache";
  auto f = Check(s);
  const auto* m = Find(f, "toolkit.stubs_on_library_path");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->severity, Severity::kWarning);
}

class NewerThanDriver : public ::testing::Test {
 protected:
  const knowledge::Knowledge& k = knowledge::BuiltinKnowledge();
  // Thresholds come from the knowledge table itself, not from numbers copied here.
  util::DottedVersion ga = *k.GaDriverFor(*util::DottedVersion::Parse("12.4"));
  util::DottedVersion floor = *k.MinorCompatDriverFor(12);

  std::vector<model::Finding> WithDriver(std::optional<std::string> driver) {
    model::Snapshot s = Healthy();
    s.driver.nvml_driver_version = std::move(driver);
    return Check(s);
  }
};

TEST_F(NewerThanDriver, BelowTheFamilyMinimumIsAnError) {
  const auto f = WithDriver(std::to_string(floor.major() - 1) + ".0");
  const auto* m = Find(f, "toolkit.newer_than_driver");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->severity, Severity::kError);
  EXPECT_NE(m->evidence.find(floor.ToString()), std::string::npos);
}

TEST_F(NewerThanDriver, BetweenFamilyMinimumAndGaIsMinorVersionCompatibility) {
  ASSERT_LT(floor, ga);
  const auto f = WithDriver(floor.ToString());  // exactly the family minimum
  const auto* m = Find(f, "toolkit.newer_than_driver");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->severity, Severity::kWarning);
  EXPECT_NE(m->title.find("limited features"), std::string::npos);
  EXPECT_NE(m->evidence.find(ga.ToString()), std::string::npos);
}

TEST_F(NewerThanDriver, SilentAtTheGaDriverAndWithoutADriver) {
  EXPECT_EQ(Find(WithDriver(ga.ToString()), "toolkit.newer_than_driver"), nullptr);
  EXPECT_EQ(Find(WithDriver(std::nullopt), "toolkit.newer_than_driver"), nullptr);
  EXPECT_EQ(Find(WithDriver("not a version"), "toolkit.newer_than_driver"), nullptr);
}

TEST_F(NewerThanDriver, TheNewestToolkitDecides) {
  model::Snapshot s = Healthy();
  s.toolkits.push_back(Tk("/usr/local/cuda-13.0", "13.0", {"/usr/local/cuda-13.0"}));
  s.driver.nvml_driver_version = ga.ToString();  // enough for 12.4, below 13.x's minimum
  const auto f = Check(s);
  const auto* m = Find(f, "toolkit.newer_than_driver");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->severity, Severity::kError);
  EXPECT_NE(m->title.find("/usr/local/cuda-13.0"), std::string::npos);
}

}  // namespace
}  // namespace dlenv::rules
