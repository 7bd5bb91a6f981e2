#include "install/index_parser.h"

#include <gtest/gtest.h>

namespace dlenv::install {
namespace {

TEST(IndexParser, Pep691Json) {
  const char* body = R"({"meta": {"api-version": "1.1"}, "name": "torch", "files": [
    {"filename": "torch-2.7.1+cu118-cp311-cp311-manylinux_2_28_x86_64.whl", "url": "../../files/t.whl#sha256=ab",
     "requires-python": ">=3.9.0", "core-metadata": {"sha256": "cd"}, "yanked": false},
    {"filename": "torch-2.7.0-cp311-cp311-manylinux_2_28_x86_64.whl", "url": "https://files.example/t2.whl",
     "yanked": "broken", "dist-info-metadata": false},
    {"filename": 7, "url": "x"}, "not an object"]})";
  auto page = ParseProjectPage(body, "application/vnd.pypi.simple.v1+json",
                               "https://idx.example/whl/cu118/torch/");
  ASSERT_TRUE(page.error.empty()) << page.error;
  ASSERT_EQ(page.files.size(), 2u);
  EXPECT_EQ(page.files[0].url, "https://idx.example/whl/files/t.whl");
  EXPECT_EQ(page.files[0].metadata_url, "https://idx.example/whl/files/t.whl.metadata");
  EXPECT_EQ(page.files[0].requires_python, ">=3.9.0");
  EXPECT_FALSE(page.files[0].yanked);
  EXPECT_TRUE(page.files[1].yanked);
  EXPECT_FALSE(page.files[1].metadata_url);
}

TEST(IndexParser, Pep503Html) {
  const char* body = R"(<!DOCTYPE html><html><body>
    <a href="/files/torch-2.7.1%2Bcu128-cp312-cp312-manylinux_2_28_x86_64.whl#sha256=00" data-requires-python="&gt;=3.9.0"
       data-dist-info-metadata="sha256=11">torch-2.7.1+cu128-cp312-cp312-manylinux_2_28_x86_64.whl</a><br/>
    <A HREF='rel/torch-2.6.0-cp312-cp312-manylinux_2_28_x86_64.whl' data-yanked="">torch-2.6.0-cp312-cp312-manylinux_2_28_x86_64.whl</A>
    <a>no href</a><abbr>not a link</abbr>
    </body></html>)";
  auto page = ParseProjectPage(body, "text/html", "https://idx.example/simple/torch/");
  ASSERT_TRUE(page.error.empty()) << page.error;
  ASSERT_EQ(page.files.size(), 2u);
  EXPECT_EQ(page.files[0].filename, "torch-2.7.1+cu128-cp312-cp312-manylinux_2_28_x86_64.whl");
  EXPECT_EQ(page.files[0].url,
            "https://idx.example/files/torch-2.7.1%2Bcu128-cp312-cp312-manylinux_2_28_x86_64.whl");
  EXPECT_EQ(page.files[0].requires_python, ">=3.9.0");
  EXPECT_TRUE(page.files[0].metadata_url);
  EXPECT_EQ(
      page.files[1].url,
      "https://idx.example/simple/torch/rel/torch-2.6.0-cp312-cp312-manylinux_2_28_x86_64.whl");
  EXPECT_TRUE(page.files[1].yanked);
}

TEST(IndexParser, MalformedPagesAreErrorsNotCrashes) {
  EXPECT_FALSE(ParseProjectPage("{\"files\": ", "application/vnd.pypi.simple.v1+json", "https://x/")
                   .error.empty());
  EXPECT_FALSE(
      ParseProjectPage("{\"meta\": {\"api-version\": \"2.0\"}, \"files\": []}", "", "https://x/")
          .error.empty());
  EXPECT_FALSE(ParseProjectPage("{\"files\": 3}", "", "https://x/").error.empty());
  EXPECT_FALSE(ParseProjectPage("\x01\x02 binary junk", "application/octet-stream", "https://x/")
                   .error.empty());
  // Truncated tags end the scan.
  auto page = ParseProjectPage("<html><a href=\"x.whl", "text/html", "https://x/");
  EXPECT_TRUE(page.files.empty());
}

TEST(IndexParser, ResolvesLinksLikeABrowser) {
  EXPECT_EQ(ResolveUrl("https://h/a/b/", "c.whl"), "https://h/a/b/c.whl");
  EXPECT_EQ(ResolveUrl("https://h/a/b/", "../c.whl#x"), "https://h/a/c.whl");
  EXPECT_EQ(ResolveUrl("https://h/a/b/", "/c.whl"), "https://h/c.whl");
  EXPECT_EQ(ResolveUrl("https://h/a/b/", "//o/c.whl"), "https://o/c.whl");
  EXPECT_EQ(ResolveUrl("https://h/a/b/", "http://o/c.whl"), "http://o/c.whl");
  EXPECT_EQ(ResolveUrl("http://127.0.0.1:8000/simple/torch/", "../../f/t.whl"),
            "http://127.0.0.1:8000/f/t.whl");
}

TEST(IndexParser, CudaFromRequirements) {
  EXPECT_EQ(CudaFromRequiresDist(
                {"filelock", "nvidia-cuda-runtime-cu12==12.8.90; platform_system == \"Linux\""}),
            "12.8");
  EXPECT_EQ(
      CudaFromRequiresDist({"cuda-toolkit[cublas,cudart]==13.2.2; platform_system == \"Linux\"",
                            "nvidia-cudnn-cu13==9.26.0.51"}),
      "13.2");
  EXPECT_EQ(CudaFromRequiresDist({"nvidia-cudnn-cu11==8.7.0.84"}), "11");
  EXPECT_FALSE(CudaFromRequiresDist({"filelock", "sympy>=1.13"}));
  EXPECT_EQ(LocalLabel("2.7.1+CU128"), "cu128");
  EXPECT_EQ(LocalLabel("2.7.1"), "");
}

}  // namespace
}  // namespace dlenv::install
