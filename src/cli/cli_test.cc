// The CLI's contract with scripts: exit codes and the NO_COLOR convention, on the real binary.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "testing/tools.h"
#include "util/elf.h"
#include "util/environment.h"
#include "util/subprocess.h"

namespace dlenv::cli {
namespace {

util::ChildResult RunDlenv(std::vector<std::string> args,
                           std::map<std::string, std::string> extra_env = {}) {
  args.insert(args.begin(), DLENV_BINARY);
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(60);
  auto env = util::Environment::FromProcess().vars();
  for (auto& [k, v] : extra_env) env[k] = v;
  o.env = env;
  return util::RunCommand(args, o);
}

// Only `dlenv install` asks the network: libcurl is opened when it does (probe/http_curl.cc),
// never loaded by the other commands (docs/benchmarks.md: ~4.6 MB of doctor's memory).
TEST(Cli, BinaryDoesNotLinkLibcurl) {
  std::string error;
  auto file = util::MappedFile::Open(DLENV_BINARY, &error);
  ASSERT_TRUE(file) << error;
  auto elf = util::ParseElf(file->bytes());
  ASSERT_TRUE(elf.info) << elf.error;
  ASSERT_FALSE(elf.info->dynamic.needed.empty());
  for (const auto& needed : elf.info->dynamic.needed)
    EXPECT_EQ(needed.find("curl"), std::string::npos) << needed;
}

// A repeatable --python takes one interpreter each time: the file after it stays explain's.
TEST(Cli, RepeatablePythonLeavesTheNextArgumentToThePositional) {
  const auto log = std::filesystem::path(::testing::TempDir()) / "cli_python_then_file.log";
  std::ofstream(log) << "RuntimeError: CUDA error: no kernel image is available for execution "
                        "on the device\n";
  auto r = RunDlenv({"explain", "--python", "/usr/bin/python3", log.string(), "--json"});
  ASSERT_EQ(r.outcome, util::ChildResult::Outcome::kExited) << r.Describe() << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["input"]["kind"], "file") << r.out;
  EXPECT_EQ(doc["input"]["path"], log.string());
  EXPECT_TRUE(doc["recognised"].get<bool>());
  std::filesystem::remove(log);
}

TEST(Cli, UsageErrorsExitWithTwo) {
  auto r = RunDlenv({"doctor", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = RunDlenv({"doctor", "--root", "/no/such/folder"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("/no/such/folder"), std::string::npos) << r.err;
  r = RunDlenv({});
  EXPECT_EQ(r.exit_code, 2);
  // --with takes torch's companions from the framework identity, named as pip names them.
  r = RunDlenv({"install", "torch", "--offline", "--with", "torchvision,numpy"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("numpy is not one of: torchvision, torchaudio"), std::string::npos) << r.err;
  r = RunDlenv({"install", "torch", "--offline", "--with", "Flash_Attn,xformers"});
  EXPECT_NE(r.exit_code, 2) << r.err;
  EXPECT_NE(r.out.find("flash-attn not pinned"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("xformers not pinned"), std::string::npos) << r.out;
}

TEST(Cli, HelpAndVersionExitWithZero) {
  auto r = RunDlenv({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find(DLENV_VERSION), std::string::npos);
  r = RunDlenv({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos)
      << "exit codes must be documented in --help";
}

TEST(Cli, NoColourWhenNotATerminalOrNoColorSet) {
  auto r = RunDlenv({"doctor"}, {{"NO_COLOR", "1"}});
  EXPECT_LE(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out.find("\x1b["), std::string::npos);
  r = RunDlenv({"doctor"});
  EXPECT_EQ(r.out.find("\x1b["), std::string::npos) << "stdout is a pipe here";
}

}  // namespace
}  // namespace dlenv::cli
