// A hostile or broken site-packages (a FIFO, /dev/zero, a socket, a folder, a link loop
// where metadata should be) must not hang `dlenv doctor` nor blow up its memory: each such
// file is skipped and named, and the rest of the report stands. On the real binary.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/environment.h"
#include "util/subprocess.h"

namespace dlenv::probe {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif
#else
constexpr bool kAsan = false;
#endif

namespace fs = std::filesystem;

constexpr const char* kSite = "/venv/lib/python3.11/site-packages";

TEST(SpecialFiles, DoctorSkipsAndNamesThemAndFinishesSmall) {
  testing::TempTree t;
  const std::string site = kSite;
  t.Write("/venv/pyvenv.cfg", "home = /usr/bin\nversion = 3.11.2\n");
  fs::create_directories(t / "/venv/bin");
  fs::create_symlink("/usr/bin/python3", t / "/venv/bin/python");
  // What must still be reported.
  t.Write(site + "/numpy-2.0.0.dist-info/METADATA",
          "Metadata-Version: 2.1\nName: numpy\nVersion: 2.0.0\n");
  // torch's metadata is fine, its version.py is /dev/zero.
  t.Write(site + "/torch-2.3.1.dist-info/METADATA",
          "Metadata-Version: 2.1\nName: torch\nVersion: 2.3.1\n");
  t.Symlink(site + "/torch/version.py", "/dev/zero");
  t.Write(site + "/torch/__init__.py", "");
  // The special files.
  t.MakeDir(site + "/evil-1.0.dist-info");
  ASSERT_EQ(mkfifo((t / (site + "/evil-1.0.dist-info/METADATA")).c_str(), 0644), 0);
  t.Symlink(site + "/zero-1.0.dist-info/METADATA", "/dev/zero");
  t.MakeDir(site + "/folder-1.0.dist-info/METADATA");
  t.Symlink(site + "/loop-1.0.dist-info/METADATA",
            (t / (site + "/loop-1.0.dist-info/other")).string());
  t.Symlink(site + "/loop-1.0.dist-info/other",
            (t / (site + "/loop-1.0.dist-info/METADATA")).string());
  t.MakeDir(site + "/sock-1.0.dist-info");
  fs::path sock = t / (site + "/sock-1.0.dist-info/METADATA");
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(sock.string().size(), sizeof addr.sun_path) << "temp folder too deep for a socket path";
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);

  std::vector<std::string> args = {DLENV_BINARY, "doctor", "--json", "--python",
                                   (t / "/venv/bin/python").string()};
  const bool timed = fs::exists("/usr/bin/time");
  if (timed) args.insert(args.begin(), {"/usr/bin/time", "-v"});
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(30);
  o.env = util::Environment::FromProcess().vars();
  auto start = std::chrono::steady_clock::now();
  auto r = util::RunCommand(args, o);
  auto took = std::chrono::steady_clock::now() - start;

  ASSERT_EQ(r.outcome, util::ChildResult::Outcome::kExited) << r.Describe();
  if (r.exit_code > 1) close(fd);
  ASSERT_LE(r.exit_code, 1) << r.err;
  EXPECT_LT(took, std::chrono::seconds(10));
  auto doc = nlohmann::json::parse(r.out);
  const nlohmann::json* env = nullptr;
  for (const auto& e : doc["python_envs"]) {
    if (e["prefix"].get<std::string>().find(t.path().string()) == 0) env = &e;
  }
  ASSERT_TRUE(env) << r.out.substr(0, 3000);
  // The rest of the report stands.
  bool numpy = false;
  for (const auto& p : (*env)["packages"]) numpy = numpy || p["name"] == "numpy";
  EXPECT_TRUE(numpy);
  // Each special file is named, with what it is.
  std::string skipped = (*env)["skipped_files"].dump();
  for (const char* want :
       {"evil-1.0.dist-info/METADATA: a named pipe (FIFO)",
        "zero-1.0.dist-info/METADATA: a character device",
        "folder-1.0.dist-info/METADATA: a folder", "loop-1.0.dist-info/METADATA: a loop",
        "sock-1.0.dist-info/METADATA: a socket", "torch/version.py: a character device"}) {
    EXPECT_NE(skipped.find(want), std::string::npos) << want << " not in " << skipped;
  }
  // The finding names them, and its fix runs (the socket must still be there for it).
  const nlohmann::json* finding = nullptr;
  for (const auto& f : doc["findings"]) {
    if (f["id"] == "env.unreadable_file") finding = &f;
  }
  ASSERT_TRUE(finding) << doc["findings"].dump();
  EXPECT_NE((*finding)["evidence"].get<std::string>().find("evil-1.0.dist-info/METADATA"),
            std::string::npos);
  util::ChildOptions sh = ::dlenv::testing::ToolOptions();
  sh.deadline = std::chrono::seconds(10);
  auto fix = util::RunCommand({"/bin/sh", "-c", (*finding)["fix"].get<std::string>()}, sh);
  EXPECT_TRUE(fix.ok()) << (*finding)["fix"] << ": " << fix.Describe() << fix.err;
  close(fd);

  if (!timed)
    DLENV_SKIP_OR_FAIL("peak memory not measured: /usr/bin/time missing (apt-get install time)");
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(r.err, m, std::regex(R"(Maximum resident set size \(kbytes\): (\d+))")))
      << r.err;
  long kib = std::stol(m[1]);
  // Reading /dev/zero behind METADATA unbounded would take gigabytes. Under AddressSanitizer
  // (the same binary, instrumented) shadow memory and quarantine add over 100 MB to any run.
  EXPECT_LT(kib, kAsan ? 300 * 1024 : 100 * 1024) << "peak RSS " << kib << " KiB";
  std::printf("doctor on the hostile tree: %.2f s, peak RSS %ld KiB\n",
              std::chrono::duration<double>(took).count(), kib);
}

}  // namespace
}  // namespace dlenv::probe
