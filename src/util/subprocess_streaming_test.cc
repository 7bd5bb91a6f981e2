// RunStreaming on real commands: the child's bytes reach the given descriptors unchanged and
// as they come, dlenv keeps only a bounded tail, and exit status, signal, a deadline and a
// command that cannot start each come back as data.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "testing/temp_tree.h"
#include "util/subprocess.h"

namespace dlenv::util {
namespace {

using Outcome = ChildResult::Outcome;

struct Captured {
  testing::TempTree tree;
  int out = open((tree / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err = open((tree / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ~Captured() {
    close(out);
    close(err);
  }
  StreamingOptions Options() const {
    StreamingOptions o;
    o.out_fd = out;
    o.err_fd = err;
    o.inherit_stdin = false;
    return o;
  }
  std::string Out() const { return testing::ReadAll(tree / "out"); }
  std::string Err() const { return testing::ReadAll(tree / "err"); }
};

TEST(RunStreaming, PassesBothStreamsThroughByteForByteAndKeepsTheExitCode) {
  Captured c;
  // Binary bytes, no trailing newline, CR, a NUL: all must arrive unchanged.
  auto r = RunStreaming(
      {"sh", "-c", "printf 'a\\000b\\r\\nc\\377'; printf 'to err\\n' >&2; exit 3"}, c.Options());
  EXPECT_EQ(r.outcome, Outcome::kExited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(c.Out(), std::string("a\0b\r\nc\xff", 7));
  EXPECT_EQ(c.Err(), "to err\n");
  EXPECT_TRUE(r.out.empty()) << "keep_tail_bytes is 0: nothing kept";
}

TEST(RunStreaming, OutputArrivesWhileTheChildRuns) {
  Captured c;
  auto o = c.Options();
  const auto start = std::chrono::steady_clock::now();
  double first_chunk_at = -1;
  o.on_output = [&](int stream, std::string_view chunk) {
    if (first_chunk_at < 0 && stream == 1 && chunk.find("first") != std::string_view::npos)
      first_chunk_at =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto r = RunStreaming({"sh", "-c", "echo first; sleep 2; echo second"}, o);
  ASSERT_EQ(r.outcome, Outcome::kExited);
  EXPECT_GE(r.seconds, 1.9);
  ASSERT_GE(first_chunk_at, 0);
  EXPECT_LT(first_chunk_at, 1.5) << "the first line came only when the child ended";
  EXPECT_EQ(c.Out(), "first\nsecond\n");
}

TEST(RunStreaming, KeepsOnlyTheTail) {
  Captured c;
  auto o = c.Options();
  o.keep_tail_bytes = 10;
  auto r = RunStreaming({"sh", "-c", "seq 1 100000"}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.out.size(), 10u);
  EXPECT_EQ(r.out, "99\n100000\n");
  EXPECT_EQ(c.Out().size(), 588895u);  // all of seq's output passed through
}

TEST(RunStreaming, ADeadlineStopsACommandThatNeverEnds) {
  Captured c;
  auto o = c.Options();
  o.deadline = std::chrono::milliseconds(500);
  auto r = RunStreaming({"sh", "-c", "echo started; exec sleep 1000"}, o);
  EXPECT_EQ(r.outcome, Outcome::kTimedOut);
  EXPECT_LT(r.seconds, 5);
  EXPECT_EQ(c.Out(), "started\n");
}

TEST(RunStreaming, AChildThatIgnoresSigtermIsKilled) {
  Captured c;
  auto o = c.Options();
  o.deadline = std::chrono::milliseconds(300);
  auto r = RunStreaming({"sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"}, o);
  EXPECT_EQ(r.outcome, Outcome::kTimedOut);
  EXPECT_LT(r.seconds, 6);
}

TEST(RunStreaming, SignalsAndFailuresToStartAreData) {
  Captured c;
  auto r = RunStreaming({"sh", "-c", "kill -SEGV $$"}, c.Options());
  EXPECT_EQ(r.outcome, Outcome::kSignaled);
  EXPECT_EQ(r.signal, SIGSEGV);
  auto missing = RunStreaming({"/nonexistent/dlenv-no-such-command"}, c.Options());
  EXPECT_EQ(missing.outcome, Outcome::kFailedToStart);
  EXPECT_NE(missing.err.find("No such file"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace dlenv::util
