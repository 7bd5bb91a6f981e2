// Every command that takes --python gives the same usage error for a path that is neither
// an interpreter nor an environment, on the real binary.
#include <gtest/gtest.h>

#include "testing/tools.h"
#include "util/environment.h"
#include "util/subprocess.h"

namespace dlenv::cli {
namespace {

TEST(CliPython, EveryCommandRejectsANonexistentPythonAlike) {
  const std::vector<std::vector<std::string>> commands = {
      {"doctor"},
      {"doctor", "--json"},
      {"install", "torch"},
      {"verify"},
      {"compare", "--quick"},
      {"lock"},
      {"check", "--lock", "/nonexistent.lock"},
      {"diff", "-", "-"},
  };
  for (auto args : commands) {
    std::string name = args[0];
    args.insert(args.begin(), DLENV_BINARY);
    args.insert(args.end(), {"--python", "/nonexistent"});
    util::ChildOptions o = ::dlenv::testing::ToolOptions();
    o.deadline = std::chrono::seconds(60);
    o.env = util::Environment::FromProcess().vars();
    auto r = util::RunCommand(args, o);
    EXPECT_EQ(r.exit_code, 2) << name << ": " << r.Describe() << "\n" << r.err;
    EXPECT_EQ(r.err, "dlenv: --python /nonexistent: not a Python interpreter or environment\n")
        << name;
    EXPECT_EQ(r.out, "") << name;
  }
}

}  // namespace
}  // namespace dlenv::cli
