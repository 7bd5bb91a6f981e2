#include "util/read_file.h"

#include <grp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::util {
namespace {

namespace fs = std::filesystem;

TEST(ReadRegularFile, ReadsARegularFileUpToTheCap) {
  testing::TempTree t;
  auto p = t.Write("/f.txt", "0123456789");
  auto whole = ReadRegularFile(p, 100);
  ASSERT_TRUE(whole.data);
  EXPECT_EQ(*whole.data, "0123456789");
  EXPECT_FALSE(whole.truncated);
  auto exact = ReadRegularFile(p, 10);
  EXPECT_EQ(exact.data, "0123456789");
  EXPECT_FALSE(exact.truncated);
  auto capped = ReadRegularFile(p, 4);
  EXPECT_EQ(capped.data, "0123");
  EXPECT_TRUE(capped.truncated);
}

TEST(ReadRegularFile, ReadsProcFilesWhoseSizeIsZero) {
  auto r = ReadRegularFile("/proc/self/status", 1u << 20);
  ASSERT_TRUE(r.data) << r.skipped;
  EXPECT_NE(r.data->find("VmRSS"), std::string::npos);
}

TEST(ReadRegularFile, MissingIsNotASkip) {
  auto r = ReadRegularFile("/no/such/file", 100);
  EXPECT_FALSE(r.data);
  EXPECT_TRUE(r.missing);
  EXPECT_EQ(r.skipped, "");
}

TEST(ReadRegularFile, SpecialFilesAreSkippedWithoutBlocking) {
  testing::TempTree t;
  fs::path fifo = t / "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  t.MakeDir("/dir");
  t.Symlink("/loop-a", (t / "/loop-b").string());
  t.Symlink("/loop-b", (t / "/loop-a").string());
  t.Symlink("/zero", "/dev/zero");
  fs::path sock = t / "/sock";
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(sock.string().size(), sizeof addr.sun_path);
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);

  const struct {
    fs::path path;
    const char* reason;
  } cases[] = {
      {fifo, "a named pipe (FIFO), not a regular file"},
      {t / "/dir", "a folder, not a regular file"},
      {t / "/loop-a", "a loop of symbolic links"},
      {t / "/zero", "a character device, not a regular file"},
      {sock, "a socket or a device without a reader, not a regular file"},
  };
  auto start = std::chrono::steady_clock::now();
  for (const auto& c : cases) {
    auto r = ReadRegularFile(c.path, 16u << 20);
    EXPECT_FALSE(r.data) << c.path;
    EXPECT_FALSE(r.missing) << c.path;
    EXPECT_EQ(r.skipped, c.reason) << c.path;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  close(fd);
}

TEST(ReadRegularFile, UnreadableFileSaysWhy) {
  testing::TempTree t;
  auto p = t.Write("/secret", "x");
  fs::permissions(p, fs::perms::none);
  // Root reads a mode-000 file anyway (and CI runs as root): the read runs in a child that
  // first becomes an unprivileged user (nobody, 65534), as a user running dlenv would be.
  fs::permissions(t.path(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(30);
  auto r = RunInChild(
      [&] {
        if (geteuid() == 0 &&
            (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
          return 3;
        if (geteuid() == 0) return 4;
        auto read = ReadRegularFile(p, 100);
        std::printf("%s|%s", read.data ? "read" : "refused", read.skipped.c_str());
        return 0;
      },
      opts);
  ASSERT_TRUE(r.ok()) << r.Describe() << r.err;
  EXPECT_EQ(r.out, "refused|cannot open: Permission denied");
}

}  // namespace
}  // namespace dlenv::util
