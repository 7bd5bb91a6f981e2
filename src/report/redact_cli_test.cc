// `--redact` on the real binary with cluster-style home folders: no user name and no host
// name may survive in any format of `dlenv doctor`, nor in `dlenv lock`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/environment.h"
#include "util/subprocess.h"

namespace dlenv::report {
namespace {

namespace fs = std::filesystem;

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

// Where `word` occurs as a whole word (the rule --redact promises for host names), or "".
std::string WholeWordAt(const std::string& text, const std::string& word) {
  for (std::size_t hit = text.find(word); hit != std::string::npos;
       hit = text.find(word, hit + 1)) {
    std::size_t end = hit + word.size();
    bool left = hit == 0 || !IsWordChar(text[hit - 1]);
    bool right = end == text.size() || !IsWordChar(text[end]) ||
                 (text[end] == '.' && (end + 1 == text.size() || !IsWordChar(text[end + 1])));
    if (left && right) return text.substr(hit >= 60 ? hit - 60 : 0, 120);
  }
  return "";
}

std::string HostName() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

class RedactCli : public ::testing::TestWithParam<const char*> {};

TEST_P(RedactCli, NoUserOrHostNameInAnyFormat) {
  testing::TempTree t;
  const std::string name = "zq_alice_smith";
  const std::string home_inside =
      std::string(GetParam()) + "/" + name;  // /gpfs/users/zq_alice_smith
  const fs::path home = t / home_inside;
  // A venv in the home folder, laid out as `python3 -m venv` leaves it (doctor reads files).
  const fs::path venv = home / "venv";
  t.Write(home_inside + "/venv/pyvenv.cfg",
          "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n");
  t.Write(home_inside + "/venv/lib/python3.11/site-packages/numpy-2.0.0.dist-info/METADATA",
          "Metadata-Version: 2.1\nName: numpy\nVersion: 2.0.0\n");
  t.Write(home_inside + "/venv/lib/python3.11/site-packages/numpy-2.0.0.dist-info/INSTALLER",
          "pip\n");
  fs::create_directories(venv / "bin");
  fs::create_symlink("/usr/bin/python3", venv / "bin/python");
  t.Write(home_inside + "/.conda/environments.txt", venv.string() + "\n");

  auto env = util::Environment::FromProcess().vars();
  env["HOME"] = home.string();
  env["USER"] = name;
  env["LOGNAME"] = name;
  env["VIRTUAL_ENV"] = venv.string();
  env.erase("CONDA_PREFIX");
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(120);
  o.env = env;
  o.cwd = home.string();

  const std::string host = HostName();
  const std::string python = (venv / "bin/python").string();
  const std::vector<std::vector<std::string>> runs = {
      {DLENV_BINARY, "doctor", "--redact", "--python", python},
      {DLENV_BINARY, "doctor", "--redact", "--json", "--python", python},
      {DLENV_BINARY, "doctor", "--redact", "--markdown", "--python", python},
      {DLENV_BINARY, "lock", "--redact", "--python", python},
  };
  for (const auto& args : runs) {
    auto r = util::RunCommand(args, o);
    const std::string what = args[1] + " " + args[3];
    ASSERT_EQ(r.outcome, util::ChildResult::Outcome::kExited) << what << ": " << r.Describe();
    ASSERT_LE(r.exit_code, 1) << what << ": " << r.err;
    // The environment is in the report (so the test is not vacuous), under <home>.
    EXPECT_NE(r.out.find("<home>/venv"), std::string::npos) << what << ":\n"
                                                            << r.out.substr(0, 3000);
    EXPECT_EQ(r.out.find(name), std::string::npos) << what << " leaks the user name:\n" << r.out;
    EXPECT_EQ(r.out.find(home_inside), std::string::npos) << what << " leaks the home folder";
    if (host.empty() || host.rfind("localhost", 0) == 0) continue;
    EXPECT_EQ(WholeWordAt(r.out, host), "") << what << " leaks the host name " << host;
    EXPECT_EQ(WholeWordAt(r.out, host.substr(0, host.find('.'))), "")
        << what << " leaks the short host name";
  }
}

INSTANTIATE_TEST_SUITE_P(ClusterHomes, RedactCli,
                         ::testing::Values("/gpfs/users", "/scratch", "/data", "/home"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n.substr(1);
                         });

}  // namespace
}  // namespace dlenv::report
