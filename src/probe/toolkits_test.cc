#include "probe/toolkits.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "testing/nvidia_files.h"
#include "testing/temp_tree.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

ProbeContext FixtureContext(const testing::TempTree& t,
                            std::map<std::string, std::string> env = {}) {
  ProbeContext ctx;
  ctx.fs = util::RootFs(t.path());
  ctx.env = util::Environment(std::move(env));
  return ctx;
}

const model::Toolkit* FindRoot(const model::Snapshot& s, const std::string& root) {
  auto it = std::find_if(s.toolkits.begin(), s.toolkits.end(),
                         [&](const auto& t) { return t.root == root; });
  return it == s.toolkits.end() ? nullptr : &*it;
}

bool Via(const model::Toolkit& t, const std::string& v) {
  return std::find(t.found_via.begin(), t.found_via.end(), v) != t.found_via.end();
}

TEST(ProbeToolkits, RealCuda13Toolkit) {
  // NVIDIA's files (testing::NvidiaFiles) installed where the toolkit installs itself.
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  testing::TempTree t;
  testing::InstallToolkit(nv, t, "/usr/local/cuda-13.0");
  t.Symlink("/usr/local/cuda", "cuda-13.0");
  const fs::path root = t / "/usr/local/cuda-13.0";
  model::Snapshot s;
  ProbeToolkits(FixtureContext(t, {{"PATH", "/usr/local/cuda/bin:/usr/bin"},
                                   {"CUDA_HOME", "/usr/local/cuda"}}),
                s);
  const model::Toolkit* tk = FindRoot(s, "/usr/local/cuda-13.0");
  ASSERT_NE(tk, nullptr);
  // Oracle for the release: CUDA_VERSION read with a regex, decoded by hand.
  std::smatch m;
  const std::string cuda_h = testing::ReadAll(root / "include/cuda.h");
  ASSERT_TRUE(std::regex_search(cuda_h, m, std::regex("#define CUDA_VERSION ([0-9]+)")));
  const int v = std::stoi(m[1]);
  EXPECT_EQ(tk->version, std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10));
  // Oracle for the components: each dist-info folder's METADATA Version line.
  std::size_t wheels = 0;
  for (const auto& e : fs::directory_iterator(root / "dist-info")) {
    const std::string meta = testing::ReadAll(e.path() / "METADATA");
    std::smatch name, version;
    ASSERT_TRUE(std::regex_search(meta, name, std::regex("\nName: ([^\r\n]+)")));
    ASSERT_TRUE(std::regex_search(meta, version, std::regex("\nVersion: ([^\r\n]+)")));
    std::string component =
        std::regex_replace(name[1].str(), std::regex("^nvidia[-_]|[-_]cu[0-9]+$"), "");
    std::replace(component.begin(), component.end(), '-', '_');
    ASSERT_TRUE(tk->components.contains(component)) << component;
    EXPECT_EQ(tk->components.at(component), version[1].str()) << component;
    ++wheels;
  }
  EXPECT_EQ(tk->components.size(), wheels);
  EXPECT_TRUE(Via(*tk, "/usr/local/cuda"));
  EXPECT_TRUE(Via(*tk, "CUDA_HOME"));
  EXPECT_TRUE(Via(*tk, "PATH"));
  EXPECT_TRUE(tk->nvcc_on_path);
  EXPECT_EQ(tk->nvcc_path, "/usr/local/cuda/bin/nvcc");
  EXPECT_EQ(std::count_if(s.toolkits.begin(), s.toolkits.end(),
                          [](const auto& t) { return t.nvcc_on_path; }),
            1);
}

TEST(ProbeToolkits, VersionJsonWinsAndLinksDeduplicate) {
  testing::TempTree t;
  t.Write("/usr/local/cuda-12.4/bin/nvcc", "");
  t.Write("/usr/local/cuda-12.4/version.json",
          R"({"cuda":{"version":"12.4.1"},"cuda_cudart":{"version":"12.4.127"}})");
  t.Write("/usr/local/cuda-12.4/include/cuda.h", "#define CUDA_VERSION 12040\n");
  t.Symlink("/usr/local/cuda", "/usr/local/cuda-12.4");  // absolute: resolved inside the root
  t.Write("/usr/local/cuda-11.8/version.txt", "CUDA Version 11.8.89\n");
  t.Write("/usr/local/cuda-11.8/bin/nvcc", "");
  t.MakeDir("/usr/local/cuda-unrelated");  // no toolkit files: not reported
  model::Snapshot s;
  ProbeToolkits(FixtureContext(t, {{"PATH", "/usr/local/cuda-11.8/bin:/usr/bin"},
                                   {"CUDA_HOME", "/usr/local/cuda"}}),
                s);
  ASSERT_EQ(s.toolkits.size(), 2u);
  const auto* a = FindRoot(s, "/usr/local/cuda-12.4");
  const auto* b = FindRoot(s, "/usr/local/cuda-11.8");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->version, "12.4.1");
  EXPECT_EQ(a->version_source, "/usr/local/cuda-12.4/version.json");
  EXPECT_EQ(a->components.at("cuda_cudart"), "12.4.127");
  EXPECT_EQ(a->found_via,
            (std::vector<std::string>{"/usr/local/cuda", "/usr/local/cuda-12.4", "CUDA_HOME"}));
  EXPECT_FALSE(a->nvcc_on_path);
  EXPECT_EQ(b->version, "11.8.89");
  EXPECT_TRUE(b->nvcc_on_path);
  EXPECT_EQ(b->nvcc_path, "/usr/local/cuda-11.8/bin/nvcc");
}

TEST(ProbeToolkits, CondaToolkit) {
  testing::TempTree t;
  t.Write("/opt/conda/envs/ml/bin/nvcc", "");
  t.Write("/opt/conda/envs/ml/conda-meta/cuda-nvcc-12.4.131-0.json", "{}");
  t.Write("/opt/conda/envs/ml/conda-meta/cuda-version-12.4-h3060b56_3.json", "{}");
  t.Write("/opt/conda/envs/ml/conda-meta/python-3.11.9-h955ad1f_0.json", "{}");
  t.Write("/opt/conda/envs/ml/targets/x86_64-linux/include/cuda.h", "#define CUDA_VERSION 12040\n");
  model::Snapshot s;
  ProbeToolkits(FixtureContext(t, {{"CONDA_PREFIX", "/opt/conda/envs/ml"},
                                   {"PATH", "/opt/conda/envs/ml/bin"}}),
                s);
  ASSERT_EQ(s.toolkits.size(), 1u);
  const auto& tk = s.toolkits[0];
  EXPECT_EQ(tk.root, "/opt/conda/envs/ml");
  EXPECT_EQ(tk.version, "12.4");
  EXPECT_EQ(tk.components.at("cuda-nvcc"), "12.4.131");
  EXPECT_FALSE(tk.components.contains("python"));
  EXPECT_EQ(tk.found_via, (std::vector<std::string>{"PATH", "conda"}));
  EXPECT_TRUE(tk.nvcc_on_path);
}

TEST(ProbeToolkits, NothingInstalledAndHostileFiles) {
  testing::TempTree empty;
  model::Snapshot s;
  ProbeToolkits(
      FixtureContext(empty, {{"PATH", "relative/bin:/nonexistent"}, {"CUDA_HOME", "not/absolute"}}),
      s);
  EXPECT_TRUE(s.toolkits.empty());

  testing::TempTree bad;
  bad.Write("/usr/local/cuda-99/version.json", "{\"cuda\": [1, 2");
  bad.Write("/usr/local/cuda-99/bin/nvcc", "");
  bad.Symlink("/usr/local/cuda", "/usr/local/cuda");  // a loop
  model::Snapshot s2;
  ProbeToolkits(FixtureContext(bad), s2);
  ASSERT_EQ(s2.toolkits.size(), 1u);
  EXPECT_EQ(s2.toolkits[0].version, std::nullopt);
}

}  // namespace
}  // namespace dlenv::probe
