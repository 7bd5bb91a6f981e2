// dlenv install against a package index served on 127.0.0.1 by the test itself
// (tests/index-fixtures/serve.py, stopped even when a test fails): the issue's scenario
// table through the live path, PEP 691 JSON and PEP 503 HTML, the user's mirror kept in the
// command, and hostile servers (malformed pages, redirect loops, huge and slow answers).
#include "install/live_index.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "install/install_plan.h"
#include "install/pip_config.h"
#include "install/plan.h"
#include "install/test_machines.h"
#include "probe/http.h"
#include "testing/fake_driver_env.h"
#include "testing/index_server.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::install {
namespace {

using testing::IndexServer;

IndexServer& Server() { return testing::SharedIndexServer(); }

struct Scenario {
  const char* name;
  const char* driver;
  int driver_cuda;
  std::vector<std::pair<int, int>> gpus;
  const char* python;
  const char* arch;
  const char* glibc;
  const char* index;            // pypi/simple or pypi-html-only/simple
  const char* expect;           // in the command
  const char* never = nullptr;  // never in the command
};

struct Answer {
  InstallPlan plan;
  LiveIndex live;
  bool reached = false;
};

Answer Ask(const Scenario& s, UserIndex user, const std::string& torch_index) {
  InstallRequest req;
  req.framework = "torch";
  req.arch = s.arch;
  req.torch_index = torch_index;
  req.timeout_seconds = 5;
  auto snap = ScenarioMachine(s.driver, s.driver_cuda, s.gpus, s.python, s.glibc);
  // The host as the planner sees it, through the same path as RunInstall.
  Host host = Describe(req, snap);
  Answer a;
  a.live = FetchTorchBuilds(req, user, BuiltinFrameworkFacts(), host, probe::HttpGet, &a.reached);
  a.plan = PlanInstall(req, snap, knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts(),
                       a.reached ? &a.live : nullptr, user);
  return a;
}

class LiveScenario : public ::testing::TestWithParam<Scenario> {};

TEST_P(LiveScenario, PicksTheNewestBuildThatRunsHere) {
  ASSERT_TRUE(Server().ok()) << "the fixture index did not start";
  const Scenario& s = GetParam();
  UserIndex user{Server().Url(std::string("/") + s.index), {}, "test"};
  auto a = Ask(s, user, Server().Url("/torch/whl"));
  ASSERT_TRUE(a.reached);
  EXPECT_TRUE(a.live.torch_index_reached);
  ASSERT_TRUE(a.plan.ok) << a.plan.error;
  std::string expect = s.expect;
  for (std::string::size_type at; (at = expect.find("URL/")) != std::string::npos;)
    expect.replace(at, 4, Server().Url("/"));
  EXPECT_NE(a.plan.command.find(expect), std::string::npos) << a.plan.command;
  if (s.never) {
    EXPECT_EQ(a.plan.command.find(s.never), std::string::npos) << a.plan.command;
  }
  // The user's index stays in the command.
  EXPECT_NE(a.plan.command.find(user.index_url), std::string::npos) << a.plan.command;
}

const Scenario kScenarios[] = {
    {"driver470_a100_cu118",
     "470.82.01",
     11040,
     {{8, 0}},
     "3.11.7",
     "x86_64",
     "2.36",
     "pypi/simple",
     "'torch==2.7.1+cu118' --index-url URL/torch/whl/cu118"},
    {"driver535_a100_newest_cuda12",
     "535.104.05",
     12020,
     {{8, 0}},
     "3.11.7",
     "x86_64",
     "2.36",
     "pypi/simple",
     "'torch==2.15.0+cu126' --index-url URL/torch/whl/cu126"},
    {"driver570_rtx5090_sm120",
     "570.124.06",
     12080,
     {{12, 0}},
     "3.12.1",
     "x86_64",
     "2.36",
     "pypi/simple",
     "'torch==2.11.0+cu128'",
     "cu126"},
    {"driver580_cu130",
     "580.65.06",
     13000,
     {{9, 0}},
     "3.12.1",
     "x86_64",
     "2.36",
     "pypi/simple",
     "'torch==2.15.0+cu130' --index-url URL/torch/whl/cu130"},
    {"k80_newest_with_sm37",
     "470.82.01",
     11040,
     {{3, 7}},
     "3.11.7",
     "x86_64",
     "2.36",
     "pypi/simple",
     "'torch==2.6.0+cu118'"},
    {"k80_python314_cpu",
     "470.82.01",
     11040,
     {{3, 7}},
     "3.14.0",
     "x86_64",
     "2.36",
     "pypi/simple",
     "'torch==2.15.0+cpu'"},
    // Python 3.8: 2.4.1 is its newest; the default wheel on the user's index is cu121 by its
    // PEP 658 metadata, so it comes from there rather than from PyTorch's index.
    {"python38_default_wheel_from_metadata",
     "535.104.05",
     12020,
     {{8, 0}},
     "3.8.18",
     "x86_64",
     "2.36",
     "pypi/simple",
     "-m pip install 'torch==2.4.1' --index-url URL/pypi/simple"},
    {"python314",
     "535.104.05",
     12020,
     {{8, 0}},
     "3.14.0",
     "x86_64",
     "2.36",
     "pypi/simple",
     "'torch==2.15.0+cu126'"},
    // On aarch64 the user's index's own 2.15.0 wheel needs no CUDA (its metadata says so): it
    // is a CPU build, preferred there over PyTorch's +cpu.
    {"aarch64_no_gpu",
     "",
     0,
     {},
     "3.12.1",
     "aarch64",
     "2.36",
     "pypi/simple",
     "-m pip install 'torch==2.15.0' --index-url URL/pypi/simple"},
    // On aarch64 2.11 cu128 has no wheel, so a 570 driver with an sm_120 GPU finds no CUDA build.
    {"aarch64_rtx5090_cpu",
     "570.124.06",
     12080,
     {{12, 0}},
     "3.12.1",
     "aarch64",
     "2.36",
     "pypi/simple",
     "'torch==2.15.0' --index-url URL/pypi/simple",
     "cu128"},
    {"no_gpu_cpu", "", 0, {}, "3.12.1", "x86_64", "2.36", "pypi/simple", "'torch==2.15.0+cpu'"},
    // glibc 2.27 is older than manylinux_2_28: only the manylinux2014 (glibc 2.17) wheel fits.
    {"old_glibc", "", 0, {}, "3.11.2", "x86_64", "2.27", "pypi/simple", "'torch==2.4.1+cpu'"},
    {"html_index",
     "470.82.01",
     11040,
     {{8, 0}},
     "3.11.7",
     "x86_64",
     "2.36",
     "pypi-html-only/simple",
     "'torch==2.7.1+cu118'"},
};

INSTANTIATE_TEST_SUITE_P(Fixture, LiveScenario, ::testing::ValuesIn(kScenarios),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(LiveIndex, TorchvisionAndTorchaudioMatchTheChosenTorch) {
  ASSERT_TRUE(Server().ok());
  Scenario s{"", "535.104.05", 12020, {{8, 0}}, "3.11.7", "x86_64", "2.36", "pypi/simple", ""};
  InstallRequest req;
  req.framework = "torch";
  req.arch = "x86_64";
  req.torch_index = Server().Url("/torch/whl");
  req.with = {"torchvision", "torchaudio"};
  UserIndex user{Server().Url("/pypi/simple"), {}, "test"};
  Host host = PythonHost(3, 11);
  bool reached = false;
  auto live = FetchTorchBuilds(req, user, BuiltinFrameworkFacts(), host, probe::HttpGet, &reached);
  ASSERT_TRUE(reached);
  auto snap = ScenarioMachine(s.driver, s.driver_cuda, s.gpus, s.python, s.glibc);
  auto plan =
      PlanInstall(req, snap, knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts(), &live, user);
  ASSERT_TRUE(plan.ok) << plan.error;
  // torch 2.15 has no torchvision 0.30 on the index yet: 2.7.1, its newest CUDA 12 build.
  EXPECT_NE(plan.command.find("'torch==2.7.1+cu128' 'torchvision==0.22.1' 'torchaudio==2.7.1'"),
            std::string::npos)
      << plan.command;
  std::string reasons;
  for (const auto& r : plan.reasons) reasons += r + "\n";
  EXPECT_NE(reasons.find("torch 2.15 passed over: the index has no torchvision 0.30"),
            std::string::npos)
      << reasons;
}

TEST(LiveIndex, YankedAndForeignFilesAreLeftOut) {
  ASSERT_TRUE(Server().ok());
  Scenario s{"", "580.65.06", 13000, {{9, 0}}, "3.12.1", "x86_64", "2.36", "pypi/simple", ""};
  auto a = Ask(s, {Server().Url("/pypi/simple"), {}, "test"}, Server().Url("/torch/whl"));
  for (const auto& b : a.live.torch)
    EXPECT_NE(b.version, "2.16.0") << "a yanked release was offered";
  EXPECT_EQ(a.plan.command.find("2.16.0"), std::string::npos);
}

TEST(LiveIndex, PipConfMirrorIsKeptInTheCommand) {
  ASSERT_TRUE(Server().ok());
  testing::TempTree tree;
  auto conf = tree.Write("home/.config/pip/pip.conf",
                         "[global]\nindex-url = " + Server().Url("/pypi/simple") +
                             "\nextra-index-url =\n    https://extra.example/simple\n");
  util::Environment env({{"HOME", (tree / "home").string()}});
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& p : PipConfigPaths(env, "")) {
    if (std::filesystem::exists(p)) files.emplace_back(p, testing::ReadAll(p));
  }
  auto user = ResolvePipIndex(env, files);
  EXPECT_EQ(user.index_url, Server().Url("/pypi/simple"));
  EXPECT_EQ(user.source, conf.string());
  Scenario s{"", "535.104.05", 12020, {{8, 0}}, "3.11.7", "x86_64", "2.36", "pypi/simple", ""};
  auto a = Ask(s, user, Server().Url("/torch/whl"));
  ASSERT_TRUE(a.plan.ok);
  EXPECT_NE(a.plan.command.find("--extra-index-url " + Server().Url("/pypi/simple") +
                                " --extra-index-url https://extra.example/simple"),
            std::string::npos)
      << a.plan.command;
  // PIP_INDEX_URL wins over the file, as in pip.
  env.Set("PIP_INDEX_URL", "https://env.example/simple");
  EXPECT_EQ(ResolvePipIndex(env, files).index_url, "https://env.example/simple");
}

TEST(LiveIndex, UnreachableIndexGivesTheOfflineAnswerAndANote) {
  Scenario s{"", "535.104.05", 12020, {{8, 0}}, "3.11.7", "x86_64", "2.36", "pypi/simple", ""};
  auto a = Ask(s, {"http://127.0.0.1:1/simple", {}, "test"}, "http://127.0.0.1:1/whl");
  EXPECT_FALSE(a.reached);
  ASSERT_FALSE(a.live.notes.empty());
  EXPECT_NE(a.live.notes[0].find("did not answer"), std::string::npos) << a.live.notes[0];
  ASSERT_TRUE(a.plan.ok);
  EXPECT_NE(a.plan.command.find("'torch==2.15.*'"), std::string::npos)
      << a.plan.command;  // the table's answer
}

TEST(LiveIndex, TorchIndexDownFallsBackToTheTableForVariants) {
  ASSERT_TRUE(Server().ok());
  Scenario s{"", "470.82.01", 11040, {{8, 0}}, "3.11.7", "x86_64", "2.36", "pypi/simple", ""};
  auto a = Ask(s, {Server().Url("/pypi/simple"), {}, "test"}, "http://127.0.0.1:1/whl");
  EXPECT_TRUE(a.reached);
  EXPECT_FALSE(a.live.torch_index_reached);
  ASSERT_TRUE(a.plan.ok);
  EXPECT_NE(a.plan.command.find("'torch==2.7.1+cu118' --index-url http://127.0.0.1:1/whl/cu118"),
            std::string::npos)
      << a.plan.command;
}

probe::HttpResponse Get(const std::string& url, double timeout = 5) {
  probe::HttpRequest r;
  r.url = url;
  r.accept = "application/vnd.pypi.simple.v1+json";
  r.timeout_seconds = timeout;
  r.max_bytes = 4u << 20;
  return probe::HttpGet(r);
}

TEST(HttpAdapter, HostileServers) {
  ASSERT_TRUE(Server().ok());
  auto redirected = Get(Server().Url("/redirect/pypi/simple/torch/"));
  EXPECT_TRUE(redirected.error.empty()) << redirected.error;
  EXPECT_EQ(redirected.status, 200);
  EXPECT_EQ(redirected.effective_url, Server().Url("/pypi/simple/torch/"));
  auto loop = Get(Server().Url("/loop/"));
  EXPECT_NE(loop.error.find("redirects"), std::string::npos) << loop.error;
  auto huge = Get(Server().Url("/huge/"));
  EXPECT_NE(huge.error.find("larger than 4 MiB"), std::string::npos) << huge.error;
  EXPECT_TRUE(huge.body.empty());
  auto start = std::chrono::steady_clock::now();
  auto slow = Get(Server().Url("/slow/"), 1);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(slow.error.find("no answer within 1 s"), std::string::npos) << slow.error;
  EXPECT_LT(seconds, 5);
  // A malformed page is a note, and the answer falls back to the table.
  Scenario s{"", "535.104.05", 12020, {{8, 0}}, "3.11.7", "x86_64", "2.36", "pypi/simple", ""};
  auto a = Ask(s, {Server().Url("/malformed/simple"), {}, "test"}, Server().Url("/torch/whl"));
  EXPECT_FALSE(a.reached);
  ASSERT_FALSE(a.live.notes.empty());
  EXPECT_NE(a.live.notes[0].find("malformed JSON"), std::string::npos) << a.live.notes[0];
}

TEST(HttpAdapter, ProxiesFromTheEnvironment) {
  ASSERT_TRUE(Server().ok());
  // index.invalid cannot resolve (RFC 6761): an answer proves libcurl went through http_proxy,
  // and NO_PROXY sends it direct again (and so to a DNS failure).
  const std::string url = "http://index.invalid/pypi/simple/torch/";
  ::setenv("http_proxy", Server().Url("").c_str(), 1);
  auto proxied = Get(url);
  ::setenv("NO_PROXY", "index.invalid", 1);
  auto direct = Get(url);
  ::unsetenv("http_proxy");
  ::unsetenv("NO_PROXY");
  EXPECT_TRUE(proxied.error.empty()) << proxied.error;
  EXPECT_EQ(proxied.status, 200);
  EXPECT_NE(proxied.body.find("torch-2.15.0"), std::string::npos);
  EXPECT_FALSE(direct.error.empty());
}

TEST(HttpAdapter, TlsIsVerified) {
  testing::TempTree tree;
  auto cert = tree / "cert.pem", key = tree / "key.pem";
  auto made =
      util::RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=dlenv-test", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key.string(), "-out", cert.string()},
                       {});
  if (!made.ok()) DLENV_SKIP_OR_FAIL("openssl could not make a certificate: " << made.Describe());
  IndexServer tls({"--tls", cert.string(), key.string()});
  ASSERT_TRUE(tls.ok());
  // A certificate nobody vouches for: refused.
  auto untrusted = Get(tls.Url("/pypi/simple/torch/", "https"));
  EXPECT_FALSE(untrusted.error.empty());
  EXPECT_EQ(untrusted.status, 0);
  EXPECT_TRUE(untrusted.body.empty());
  // The same server with its certificate as the CA: accepted, so the refusal was verification.
  probe::HttpRequest r;
  r.url = tls.Url("/pypi/simple/torch/", "https");
  r.accept = "application/vnd.pypi.simple.v1+json";
  r.timeout_seconds = 5;
  r.ca_file = cert.string();
  auto trusted = probe::HttpGet(r);
  EXPECT_TRUE(trusted.error.empty()) << trusted.error;
  EXPECT_EQ(trusted.status, 200);
}

TEST(HttpCache, SecondAskIsServedFromTheCacheUnlessRefreshed) {
  ASSERT_TRUE(Server().ok());
  testing::TempTree tree;
  probe::HttpRequest r;
  r.url = Server().Url("/pypi/simple/torch/");
  r.accept = "application/vnd.pypi.simple.v1+json";
  bool cached = true;
  auto first = probe::CachedHttpGet(r, tree.path().string(), 3600, false, &cached);
  EXPECT_FALSE(cached);
  auto second = probe::CachedHttpGet(r, tree.path().string(), 3600, false, &cached);
  EXPECT_TRUE(cached);
  EXPECT_EQ(first.body, second.body);
  EXPECT_EQ(second.content_type, "application/vnd.pypi.simple.v1+json");
  probe::CachedHttpGet(r, tree.path().string(), 3600, true, &cached);
  EXPECT_FALSE(cached);
  probe::CachedHttpGet(r, tree.path().string(), 0, false, &cached);  // expired
  EXPECT_FALSE(cached);
}

// The whole command on the fake driver: dlenv probes the (fake) driver and GPU, reads the
// user's index from PIP_INDEX_URL, asks the fixture index, and prints the command.
struct CliRun {
  std::string out;
  int code = -1;
};

CliRun DlenvInstall(const std::string& scenario, std::vector<std::string> args,
                    std::map<std::string, std::string> vars) {
  testing::TempTree tree;
  auto config = tree.Write("scenario.json", scenario);
  auto env = testing::FakeDriverEnv(config);
  env["XDG_CACHE_HOME"] = (tree / "cache").string();
  env["HOME"] = (tree / "home").string();
  env.erase("PIP_INDEX_URL");
  env.erase("PIP_EXTRA_INDEX_URL");
  env.erase("PIP_CONFIG_FILE");
  for (const auto& [k, v] : vars) env[k] = v;
  std::vector<std::string> argv = {DLENV_BINARY,       "install",   "torch", "--python",
                                   "/usr/bin/python3", "--timeout", "5"};
  argv.insert(argv.end(), args.begin(), args.end());
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.env = env;
  o.deadline = std::chrono::seconds(120);
  auto r = util::RunCommand(argv, o);
  return {r.out + r.err, r.outcome == util::ChildResult::Outcome::kExited ? r.exit_code : -1};
}

const char* kA100On470 = R"({"driver_version": "470.82.01", "cuda_driver_version": 11040,
  "gpus": [{"name": "NVIDIA A100-SXM4-40GB", "uuid": "GPU-1", "cc": [8, 0], "memory_total": 42949672960}]})";
const char* kRtx5090On570 = R"({"driver_version": "570.124.06", "cuda_driver_version": 12080,
  "gpus": [{"name": "NVIDIA GeForce RTX 5090", "uuid": "GPU-2", "cc": [12, 0], "memory_total": 34359738368}]})";

TEST(InstallFakeDriver, LiveIndexOnTheFakeDriver) {
  ASSERT_TRUE(Server().ok());
  if (!std::filesystem::exists("/usr/bin/python3")) DLENV_SKIP_OR_FAIL("no /usr/bin/python3");
  auto version =
      util::RunCommand({"/usr/bin/python3", "-c", "import sys; print(sys.version_info[1])"},
                       ::dlenv::testing::ToolOptions());
  if (!version.ok() || std::atoi(version.out.c_str()) < 9 || std::atoi(version.out.c_str()) > 13) {
    DLENV_SKIP_OR_FAIL("the fixture's 2.7.1 wheels are for Python 3.9-3.13");
  }
  std::map<std::string, std::string> vars{{"PIP_INDEX_URL", Server().Url("/pypi/simple")}};
  auto a100 = DlenvInstall(kA100On470, {"--torch-index", Server().Url("/torch/whl")}, vars);
  EXPECT_EQ(a100.code, 0) << a100.out;
  EXPECT_NE(a100.out.find("'torch==2.7.1+cu118' --index-url " + Server().Url("/torch/whl/cu118") +
                          " --extra-index-url " + Server().Url("/pypi/simple")),
            std::string::npos)
      << a100.out;
  EXPECT_NE(a100.out.find("minor-version compatibility"), std::string::npos) << a100.out;
  EXPECT_NE(a100.out.find("(from PIP_INDEX_URL) is kept in the command"), std::string::npos)
      << a100.out;
  auto rtx = DlenvInstall(kRtx5090On570, {"--torch-index", Server().Url("/torch/whl")}, vars);
  EXPECT_NE(rtx.out.find("'torch==2.11.0+cu128'"), std::string::npos) << rtx.out;
  // A second ask comes from the cache, --refresh asks again: same answer either way.
  auto cached = DlenvInstall(kRtx5090On570, {"--torch-index", Server().Url("/torch/whl")}, vars);
  EXPECT_NE(cached.out.find("'torch==2.11.0+cu128'"), std::string::npos) << cached.out;
}

TEST(InstallFakeDriver, OfflineAndUnreachableSayWhereTheAnswerCameFrom) {
  const std::string date = BuiltinFrameworkFacts().date;
  auto offline = DlenvInstall(kA100On470, {"--offline"}, {});
  EXPECT_EQ(offline.code, 0) << offline.out;
  EXPECT_NE(
      offline.out.find("OFFLINE ANSWER (--offline): from dlenv's embedded table dated " + date),
      std::string::npos)
      << offline.out;
  EXPECT_NE(offline.out.find("https://download.pytorch.org/whl/cu118"), std::string::npos)
      << offline.out;
  auto down = DlenvInstall(kA100On470, {"--torch-index", "http://127.0.0.1:1/whl"},
                           {{"PIP_INDEX_URL", "http://127.0.0.1:1/simple"}});
  EXPECT_EQ(down.code, 0) << down.out;
  EXPECT_NE(down.out.find("OFFLINE ANSWER (the index could not be reached)"), std::string::npos)
      << down.out;
  EXPECT_NE(down.out.find("--extra-index-url http://127.0.0.1:1/simple"), std::string::npos)
      << down.out;
}

}  // namespace
}  // namespace dlenv::install
