#include "util/metadata.h"

#include <gtest/gtest.h>

#include "util/conda_meta.h"

namespace dlenv::util {
namespace {

TEST(CoreMetadata, ReadsHeaderBlockOnly) {
  auto md = ParseCoreMetadata(
      "Metadata-Version: 2.1\r\n"
      "Name: torch\r\n"
      "Version: 2.3.1+cu121\r\n"
      "Summary: Tensors and Dynamic neural networks\r\n"
      "  in Python\r\n"
      "Requires-Dist: filelock\r\n"
      "requires-dist: nvidia-cudnn-cu12 ==8.9.2.26 ; platform_system == \"Linux\"\r\n"
      "\r\n"
      "Name: not-a-header\r\n"
      "Requires-Dist: body-text\r\n");
  EXPECT_EQ(md.name, "torch");
  EXPECT_EQ(md.version, "2.3.1+cu121");
  EXPECT_EQ(md.requires_dist,
            (std::vector<std::string>{
                "filelock", "nvidia-cudnn-cu12 ==8.9.2.26 ; platform_system == \"Linux\""}));
}

TEST(CoreMetadata, KeepsContinuationLinesAndStopsAtNonHeaders) {
  auto fields =
      ParseEmailHeaders("Name: a\nDescription: one\n two\nnot a header line\nVersion: 1\n");
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[1].second, "one\n two");
  EXPECT_FALSE(ParseCoreMetadata("Version: 1\n").name);
  EXPECT_FALSE(ParseCoreMetadata("").name);
}

TEST(RequiresTxt, BecomesRequiresDistAsPipConvertsIt) {
  auto reqs = RequiresTxtToRequiresDist(
      "six>=1.5\n\n[:python_version < \"3.8\"]\nimportlib-metadata\n\n[Socks "
      "Proxy]\nPySocks!=1.5.7\n\n"
      "[tests:sys_platform == \"win32\"]\ncolorama\n");
  EXPECT_EQ(reqs, (std::vector<std::string>{
                      "six>=1.5", "importlib-metadata ; python_version < \"3.8\"",
                      "PySocks!=1.5.7 ; extra == \"socks_proxy\"",
                      "colorama ; (sys_platform == \"win32\") and extra == \"tests\""}));
}

TEST(Record, ParsesCsvWithQuotes) {
  auto rows = ParseRecord(
      "torch/__init__.py,sha256=abc,123\n"
      "\"odd,name.py\",sha256=def,\"4\"\r\n"
      "torch-2.3.1.dist-info/RECORD,,\n"
      ",,\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].size, 123);
  EXPECT_EQ(rows[1].path, "odd,name.py");
  EXPECT_EQ(rows[1].size, 4);
  EXPECT_FALSE(rows[2].size);
}

TEST(CondaMeta, ReadsRecordAndItsDistInfo) {
  auto r =
      ParseCondaMeta(R"({"name":"pytorch","version":"2.1.0","build":"py3.11_cuda12.1_cudnn8.9.2_0",
    "channel":"https://conda.anaconda.org/pytorch/linux-64","requested_spec":"pytorch",
    "files":["lib/python3.11/site-packages/torch/__init__.py",
             "lib/python3.11/site-packages/torch-2.1.0.dist-info/METADATA"]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->build, "py3.11_cuda12.1_cudnn8.9.2_0");
  EXPECT_EQ(r->requested_spec, "pytorch");
  EXPECT_EQ(r->python_metadata_dirs,
            (std::vector<std::string>{"lib/python3.11/site-packages/torch-2.1.0.dist-info"}));
  EXPECT_FALSE(ParseCondaMeta("{\"name\": 1}"));
  EXPECT_FALSE(ParseCondaMeta("[truncated"));
}

}  // namespace
}  // namespace dlenv::util
