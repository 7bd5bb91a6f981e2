#include "install/pip_config.h"

#include <gtest/gtest.h>

namespace dlenv::install {
namespace {

TEST(PipConfig, PathsInPipsOrder) {
  util::Environment env({{"HOME", "/home/u"}, {"VIRTUAL_ENV", "/venv"}});
  auto paths = PipConfigPaths(env, "");
  std::vector<std::string> want{"/etc/xdg/pip/pip.conf", "/etc/pip.conf", "/home/u/.pip/pip.conf",
                                "/home/u/.config/pip/pip.conf", "/venv/pip.conf"};
  EXPECT_EQ(paths, want);
  EXPECT_EQ(PipConfigPaths(env, "/env").back(),
            "/env/pip.conf");  // the environment dlenv installs into
}

TEST(PipConfig, LaterFilesInstallSectionAndEnvironmentWin) {
  std::vector<std::pair<std::string, std::string>> files{
      {"/etc/pip.conf", "[global]\nindex-url = https://global.example/simple\n"},
      {"/home/u/.config/pip/pip.conf",
       "# mirror\n[install]\nindex_url=https://install.example/simple\n[global]\nindex-url = "
       "https://user.example/simple\n"
       "extra-index-url =\n    https://a.example/simple\n\thttps://b.example/simple\n; done\n"}};
  util::Environment env;
  auto user = ResolvePipIndex(env, files);
  EXPECT_EQ(user.index_url, "https://install.example/simple");
  EXPECT_EQ(user.source, "/home/u/.config/pip/pip.conf");
  EXPECT_EQ(user.extra_index_urls,
            (std::vector<std::string>{"https://a.example/simple", "https://b.example/simple"}));
  env.Set("PIP_INDEX_URL", " https://env.example/simple ");
  env.Set("PIP_EXTRA_INDEX_URL", "https://c.example/simple https://d.example/simple");
  user = ResolvePipIndex(env, files);
  EXPECT_EQ(user.index_url, "https://env.example/simple");
  EXPECT_EQ(user.source, "PIP_INDEX_URL");
  EXPECT_EQ(user.extra_index_urls.size(), 2u);
  // PIP_CONFIG_FILE=os.devnull turns the files off, as in pip.
  util::Environment off(std::map<std::string, std::string>{{"PIP_CONFIG_FILE", "os.devnull"}});
  EXPECT_EQ(ResolvePipIndex(off, files).index_url, "");
}

TEST(PipConfig, UvSettings) {
  std::vector<std::pair<std::string, std::string>> files{
      {"/home/u/.config/uv/uv.toml",
       "[[index]]\nname = \"extra\"\nurl = \"https://extra.example/simple\"\n\n[[index]]\nurl = "
       "\"https://mirror.example/simple\"\ndefault = true\n"}};
  util::Environment env;
  auto user = ResolveUvIndex(env, files);
  EXPECT_EQ(user.index_url, "https://mirror.example/simple");
  EXPECT_EQ(user.extra_index_urls, std::vector<std::string>{"https://extra.example/simple"});
  auto flat =
      ResolveUvIndex(env, {{"uv.toml",
                            "index-url = \"https://flat.example/simple\"\nextra-index-url = "
                            "[\"https://x.example/simple\"]\n"}});
  EXPECT_EQ(flat.index_url, "https://flat.example/simple");
  env.Set("UV_DEFAULT_INDEX", "https://env.example/simple");
  EXPECT_EQ(ResolveUvIndex(env, files).index_url, "https://env.example/simple");
}

}  // namespace
}  // namespace dlenv::install
