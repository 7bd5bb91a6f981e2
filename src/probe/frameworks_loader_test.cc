#include "probe/frameworks_loader.h"

#include <gtest/gtest.h>

#include "testing/temp_tree.h"

namespace dlenv::probe {
namespace {

ProbeContext ContextFor(const testing::TempTree& t, std::map<std::string, std::string> vars) {
  ProbeContext ctx;
  ctx.fs = util::RootFs(t.path());
  ctx.env = util::Environment(std::move(vars));
  return ctx;
}

TEST(LoaderSearch, ExpandsOriginAndDropsWhatItCannotPlace) {
  auto dirs = ExpandSearchPath("$ORIGIN/../../nvidia/cudnn/lib:${ORIGIN}:/opt/x:relative:$LIB/y:",
                               "/site/torch/lib");
  ASSERT_EQ(dirs.size(), 3u);
  EXPECT_EQ(dirs[0], "/site/nvidia/cudnn/lib");
  EXPECT_EQ(dirs[1], "/site/torch/lib");
  EXPECT_EQ(dirs[2], "/opt/x");
}

TEST(LoaderSearch, FollowsLdSoOrder) {
  testing::TempTree t;
  for (const char* dir : {"/rpath", "/ldlp", "/runpath", "/usr/lib/x86_64-linux-gnu"}) {
    t.Write(std::string(dir) + "/libcublas.so.12", "x");
  }
  std::vector<model::LibraryCopy> none;
  auto ctx = ContextFor(t, {{"LD_LIBRARY_PATH", "/ldlp"}});
  LoaderSearch search(ctx, none);
  // DT_RPATH alone comes before LD_LIBRARY_PATH ...
  EXPECT_EQ(search.Resolve("libcublas.so.12", {"/obj", "/rpath", std::nullopt}).found_via, "RPATH");
  // ... but is ignored once the object has DT_RUNPATH, which comes after LD_LIBRARY_PATH.
  EXPECT_EQ(search.Resolve("libcublas.so.12", {"/obj", "/rpath", "/runpath"}).found_via,
            "LD_LIBRARY_PATH");
  auto no_ldlp = ContextFor(t, {});
  LoaderSearch plain(no_ldlp, none);
  EXPECT_EQ(plain.Resolve("libcublas.so.12", {"/obj", "/rpath", "/runpath"}).found_via, "RUNPATH");
  // Nothing of its own: the system folders.
  auto need = plain.Resolve("libcublas.so.12", {"/obj", std::nullopt, std::nullopt});
  EXPECT_EQ(need.found_via, "default path");
  EXPECT_EQ(need.resolved, "/usr/lib/x86_64-linux-gnu/libcublas.so.12");
  // Not anywhere, not even in the fallback folders.
  EXPECT_FALSE(
      plain.Resolve("libcudnn.so.9", {"/obj", std::nullopt, "/runpath"}, {"/nowhere"}).resolved);
}

TEST(LoaderSearch, StubsInTheLoaderCacheDoNotCount) {
  testing::TempTree t;
  model::LibraryCopy stub;
  stub.path = "/usr/local/cuda/lib64/stubs/libcublas.so.12";
  stub.found_via = "ld.so.cache";
  stub.is_stub = true;
  std::vector<model::LibraryCopy> system = {stub};
  auto ctx = ContextFor(t, {});
  LoaderSearch search(ctx, system);
  EXPECT_FALSE(search.Resolve("libcublas.so.12", {"/obj", std::nullopt, std::nullopt}).resolved);
}

}  // namespace
}  // namespace dlenv::probe
