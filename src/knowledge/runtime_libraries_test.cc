#include "knowledge/runtime_libraries.h"

#include <gtest/gtest.h>

#include <set>

namespace dlenv::knowledge {
namespace {

TEST(RuntimeLibraries, BuiltinTableParsesAndEveryRowHasASource) {
  const auto& r = BuiltinRuntimeLibraries();
  EXPECT_FALSE(r.date.empty());
  EXPECT_FALSE(r.providers_source.empty());
  std::set<std::string> sonames;
  for (const auto& row : r.providers) {
    EXPECT_TRUE(sonames.insert(row.soname).second) << "two rows for " << row.soname;
    EXPECT_TRUE(row.soname.starts_with("lib") && row.soname.find(".so.") != std::string::npos)
        << row.soname;
    for (const auto& d : row.dists) {
      EXPECT_TRUE(d.starts_with("nvidia-")) << d;
      // CUDA 13 component wheels have no -cu13 suffix; those names are 0.0.1 placeholders on PyPI.
      bool placeholder = d.ends_with("-cu13") && !d.starts_with("nvidia-cudnn") &&
                         !d.starts_with("nvidia-nccl") && !d.starts_with("nvidia-nvshmem") &&
                         !d.starts_with("nvidia-cusparselt");
      EXPECT_FALSE(placeholder) << d;
    }
  }
  for (const auto& row : r.dlopened) {
    EXPECT_FALSE(row.source.empty()) << row.framework;
    EXPECT_FALSE(row.sonames.empty()) << row.framework;
    // Every library a framework dlopens has a known provider, so a fix can name it.
    for (const auto& s : row.sonames)
      EXPECT_NE(r.ProviderOf(s), nullptr) << row.framework << " " << s;
  }
  ASSERT_NE(r.ProviderOf("libcusparseLt.so.0"), nullptr);
  EXPECT_EQ(r.ProviderOf("libcusparseLt.so.0")->dists.front(), "nvidia-cusparselt-cu13");
  ASSERT_NE(r.DlopenedBy("tensorflow", 12), nullptr);
  EXPECT_NE(r.DlopenedBy("tensorflow", 12)->source.find("dso_loader.cc"), std::string::npos);
  EXPECT_EQ(r.DlopenedBy("tensorflow", 99), nullptr);
}

TEST(RuntimeLibraries, MalformedDataIsAClearError) {
  EXPECT_THROW(ParseRuntimeLibraries("{"), std::exception);
  EXPECT_THROW(
      ParseRuntimeLibraries(R"({"date": "x", "providers": {"source": "s", "rows": [{"soname": ""}]},
                                         "dlopened": {"rows": []}})"),
      std::exception);
  EXPECT_THROW(ParseRuntimeLibraries(R"({"date": "x", "providers": {"source": "s", "rows": []},
                                         "dlopened": {"rows": [{"framework": "torch", "cuda_major": 13,
                                                                "sonames": ["libnvrtc.so.13"], "source": ""}]}})"),
               std::exception);
  auto ok = ParseRuntimeLibraries(
      R"({"date": "d", "providers": {"source": "s", "rows": []}, "dlopened": {"rows": []}})");
  EXPECT_EQ(ok.date, "d");
}

}  // namespace
}  // namespace dlenv::knowledge
