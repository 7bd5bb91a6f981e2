// dlenv install tensorflow|jax|cupy against the fixture index on 127.0.0.1
// (tests/index-fixtures/serve.py; the projects are written by add-packages.py, shaped like
// PyPI's): a scenario table through the live path, in PEP 691 JSON and PEP 503 HTML, and
// the pure helpers that read the extras.
#include "install/live_packages.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "install/install_plan.h"
#include "install/plan.h"
#include "install/test_machines.h"
#include "probe/http.h"
#include "testing/fake_driver_env.h"
#include "testing/index_server.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::install {
namespace {

testing::IndexServer& Server() { return testing::SharedIndexServer(); }

struct Case {
  const char* name;
  const char* framework;
  const char* driver;  // "" : no driver
  int driver_cuda;
  std::vector<std::pair<int, int>> gpus;
  const char* python;
  const char* arch;
  const char* expect;            // in the command, or in the error when it starts with "error: "
  const char* reason = nullptr;  // in one of the reasons
};

struct Answer {
  InstallPlan plan;
  LiveIndex live;
  bool reached = false;
};

Answer Ask(const Case& c, const UserIndex& user) {
  InstallRequest req;
  req.framework = c.framework;
  req.arch = c.arch;
  req.timeout_seconds = 5;
  auto snap = ScenarioMachine(c.driver, c.driver_cuda, c.gpus, c.python, "2.36");
  Host host = Describe(req, snap);  // as RunInstall sees the machine
  Answer a;
  a.live = FetchFrameworkBuilds(c.framework, req, user, BuiltinFrameworkFacts(), host,
                                probe::HttpGet, &a.reached);
  a.plan = PlanInstall(req, snap, knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts(),
                       a.reached ? &a.live : nullptr, user);
  return a;
}

void Check(const Case& c, const std::string& index) {
  ASSERT_TRUE(Server().ok()) << "the fixture index did not start";
  UserIndex user{Server().Url(index), {}, "test"};
  auto a = Ask(c, user);
  ASSERT_TRUE(a.reached) << util::Join(a.live.notes, "\n");
  std::string expect = c.expect;
  std::string all_reasons = util::Join(a.plan.reasons, "\n");
  if (expect.starts_with("error: ")) {
    EXPECT_FALSE(a.plan.ok) << a.plan.command;
    EXPECT_NE(a.plan.error.find(expect.substr(7)), std::string::npos) << a.plan.error;
    return;
  }
  ASSERT_TRUE(a.plan.ok) << a.plan.error << "\n" << util::Join(a.live.notes, "\n");
  EXPECT_NE(a.plan.command.find(expect), std::string::npos) << a.plan.command << "\n"
                                                            << all_reasons;
  // The user's index stays in the command; the pin is exact (no ".*" from the table).
  EXPECT_NE(a.plan.command.find("--index-url " + user.index_url), std::string::npos)
      << a.plan.command;
  EXPECT_EQ(a.plan.command.find(".*"), std::string::npos) << a.plan.command;
  if (c.reason) {
    EXPECT_NE(all_reasons.find(c.reason), std::string::npos) << all_reasons;
  }
}

class PackageScenario : public ::testing::TestWithParam<Case> {};

TEST_P(PackageScenario, Pep691Json) { Check(GetParam(), "/pypi/simple"); }
TEST_P(PackageScenario, Pep503Html) { Check(GetParam(), "/pypi-html-only/simple"); }

const Case kCases[] = {
    // TensorFlow: the newest series whose and-cuda CUDA the driver supports.
    {"tf_no_gpu",
     "tensorflow",
     "",
     0,
     {},
     "3.12.1",
     "x86_64",
     "'tensorflow-cpu==2.21.0'",
     "no NVIDIA GPU"},
    {"tf_no_gpu_aarch64_has_no_tensorflow_cpu",
     "tensorflow",
     "",
     0,
     {},
     "3.12.1",
     "aarch64",
     "'tensorflow==2.21.0'",
     "no tensorflow-cpu 2.21.0 wheel"},
    {"tf_driver580_a100",
     "tensorflow",
     "580.65.06",
     13000,
     {{8, 0}},
     "3.12.1",
     "x86_64",
     "'tensorflow[and-cuda]==2.21.0'",
     "asks (its and-cuda extra) for CUDA 12.5 and cuDNN 9.3"},
    {"tf_driver535_a100_py311_older_series",
     "tensorflow",
     "535.104.05",
     12020,
     {{8, 0}},
     "3.11.7",
     "x86_64",
     "'tensorflow[and-cuda]==2.15.1'",
     "passed over: tensorflow 2.21.0 needs CUDA 12.5, the driver supports 12.2"},
    {"tf_driver535_py312_nothing_fits",
     "tensorflow",
     "535.104.05",
     12020,
     {{8, 0}},
     "3.12.1",
     "x86_64",
     "error: no TensorFlow release on the index fits Python 3.12"},
    {"tf_driver470_py310_before_and_cuda",
     "tensorflow",
     "470.82.01",
     11040,
     {{8, 0}},
     "3.10.4",
     "x86_64",
     "'tensorflow==2.11.1'",
     "install CUDA 11.2 and cuDNN 8.1 yourself"},
    {"tf_py38_cpu", "tensorflow", "", 0, {}, "3.8.18", "x86_64", "'tensorflow-cpu==2.13.1'"},
    {"tf_py314_no_wheel",
     "tensorflow",
     "",
     0,
     {},
     "3.14.0",
     "x86_64",
     "error: no TensorFlow release on"},
    // JAX: the newest release with a jaxlib here; the cudaNN extra whose plugin is here too.
    {"jax_no_gpu",
     "jax",
     "",
     0,
     {},
     "3.12.1",
     "x86_64",
     "'jax==0.12.0.1'",
     "jax 0.12.0.1 is the newest release with a jaxlib wheel"},
    {"jax_driver580_h100",
     "jax",
     "580.65.06",
     13000,
     {{9, 0}},
     "3.12.1",
     "x86_64",
     "'jax[cuda13]==0.12.0.1'"},
    {"jax_driver535_a100",
     "jax",
     "535.104.05",
     12020,
     {{8, 0}},
     "3.12.1",
     "x86_64",
     "'jax[cuda12]==0.12.0.1'"},
    {"jax_driver580_v100_below_cuda13_floor",
     "jax",
     "580.65.06",
     13000,
     {{7, 0}},
     "3.12.1",
     "x86_64",
     "'jax[cuda12]==0.12.0.1'"},
    {"jax_py311_older_release", "jax", "", 0, {}, "3.11.7", "x86_64", "'jax==0.8.0'"},
    {"jax_py310_driver535",
     "jax",
     "535.104.05",
     12020,
     {{8, 0}},
     "3.10.4",
     "x86_64",
     "'jax[cuda12]==0.4.30'"},
    {"jax_py38_nothing", "jax", "", 0, {}, "3.8.18", "x86_64", "error: no JAX release on"},
    {"jax_aarch64_cuda13_plugin",
     "jax",
     "580.65.06",
     13000,
     {{9, 0}},
     "3.12.1",
     "aarch64",
     "'jax[cuda13]==0.12.0.1'"},
    {"jax_aarch64_driver535_no_cuda12_plugin_cpu",
     "jax",
     "535.104.05",
     12020,
     {{9, 0}},
     "3.12.1",
     "aarch64",
     "'jax==0.12.0.1'",
     "no JAX CUDA build fits"},
    // CuPy: per CUDA major, the newest release with a wheel here, with [ctk] where it exists.
    {"cupy_driver580",
     "cupy",
     "580.65.06",
     13000,
     {{9, 0}},
     "3.12.1",
     "x86_64",
     "'cupy-cuda13x[ctk]==14.2.0'",
     "the [ctk] extra installs the CUDA 13.x libraries"},
    {"cupy_driver535",
     "cupy",
     "535.104.05",
     12020,
     {{8, 0}},
     "3.12.1",
     "x86_64",
     "'cupy-cuda12x[ctk]==14.2.0'"},
    {"cupy_driver470",
     "cupy",
     "470.82.01",
     11040,
     {{8, 0}},
     "3.11.7",
     "x86_64",
     "'cupy-cuda11x==13.6.0'"},
    {"cupy_driver470_py314",
     "cupy",
     "470.82.01",
     11040,
     {{8, 0}},
     "3.14.0",
     "x86_64",
     "error: no CuPy package fits driver 470.82.01"},
    {"cupy_no_gpu", "cupy", "", 0, {}, "3.12.1", "x86_64", "error: CuPy runs only on a GPU"},
};

INSTANTIATE_TEST_SUITE_P(Fixture, PackageScenario, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(LivePackages, PreReleasesAreNeverPicked) {
  Case c{"", "jax", "580.65.06", 13000, {{9, 0}}, "3.12.1", "x86_64", ""};
  UserIndex user{Server().Url("/pypi/simple"), {}, "test"};
  auto a = Ask(c, user);
  ASSERT_TRUE(a.plan.ok) << a.plan.error;
  EXPECT_EQ(a.plan.command.find("rc1"), std::string::npos) << a.plan.command;
  c.framework = "cupy";
  a = Ask(c, user);
  EXPECT_EQ(a.plan.command.find("rc1"), std::string::npos) << a.plan.command;
}

TEST(LivePackages, UnreachableIndexIsNotAnAnswer) {
  // A closed port: nothing answers, so the caller falls back to the table and says so.
  for (const char* framework : {"tensorflow", "jax", "cupy"}) {
    Case c{"", framework, "", 0, {}, "3.12.1", "x86_64", ""};
    auto a = Ask(c, UserIndex{"http://127.0.0.1:9/simple", {}, "test"});
    EXPECT_FALSE(a.reached) << framework;
    EXPECT_FALSE(a.live.notes.empty()) << framework;
  }
}

TEST(LivePackages, AMissingProjectPageIsAnErrorNotTheTable) {
  // An index that answers but has no such project (a mirror without TensorFlow).
  Case c{"", "tensorflow", "", 0, {}, "3.12.1", "x86_64", ""};
  auto a = Ask(c, UserIndex{Server().Url("/torch/whl/cpu"), {}, "test"});
  EXPECT_FALSE(a.reached);  // 404 for the project: the table answers, with the note
  ASSERT_FALSE(a.live.notes.empty());
  EXPECT_NE(a.live.notes[0].find("HTTP 404"), std::string::npos) << a.live.notes[0];
}

TEST(LivePackages, RequirementsOfAnExtra) {
  std::vector<std::string> reqs{
      "numpy>=1.26.0",
      "nvidia-cudnn-cu12<10.0,>=9.3.0.75; extra == \"and-cuda\"",
      "nvidia-cuda-runtime-cu12<13.0,>=12.5.82; extra == \"and-cuda\"",
      "tensorflow-io-gcs-filesystem>=0.23.1; python_version < \"3.13\" and extra == "
      "\"gcs-filesystem\"",
      "typing_extensions; python_version < \"3.11\"",
  };
  auto and_cuda = RequirementsOfExtra(reqs, "and-cuda", "3.12");
  ASSERT_EQ(and_cuda.size(), 2u);
  EXPECT_EQ(CudaFromRequiresDist(and_cuda), "12.5");
  EXPECT_EQ(CudnnFromRequiresDist(and_cuda)->ToString(), "9.3");
  // The marker's other clauses count: gcs-filesystem needs Python < 3.13.
  EXPECT_EQ(RequirementsOfExtra(reqs, "gcs-filesystem", "3.12").size(), 1u);
  EXPECT_TRUE(RequirementsOfExtra(reqs, "gcs-filesystem", "3.13").empty());
  EXPECT_TRUE(RequirementsOfExtra(reqs, "nope", "3.12").empty());
  EXPECT_FALSE(CudnnFromRequiresDist({"numpy", "nvidia-cublas-cu12==12.1.3.1"}));
  EXPECT_EQ(CudnnFromRequiresDist({"nvidia-cudnn-cu13==9.26.0.51"})->ToString(), "9.26");
}

// The whole command on the fake driver (an H100 on driver 580): dlenv probes the driver and
// GPU, reads the user's index from PIP_INDEX_URL, asks the fixture index, prints the command.
TEST(InstallFakeDriver, TensorFlowJaxCupyFromTheLiveIndex) {
  ASSERT_TRUE(Server().ok());
  auto version =
      util::RunCommand({"/usr/bin/python3", "-c", "import sys; print(sys.version_info[1])"},
                       ::dlenv::testing::ToolOptions());
  if (!version.ok() || std::atoi(version.out.c_str()) != 11)
    DLENV_SKIP_OR_FAIL("the expected answers are for Debian 12's Python 3.11");
  testing::TempTree tree;
  auto config = tree.Write("scenario.json", R"({"driver_version": "580.65.06",
    "cuda_driver_version": 13000, "gpus": [{"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-1",
    "cc": [9, 0], "memory_total": 85899345920}]})");
  auto env = testing::FakeDriverEnv(config);
  env["XDG_CACHE_HOME"] = (tree / "cache").string();
  env["HOME"] = (tree / "home").string();
  env["PIP_INDEX_URL"] = Server().Url("/pypi/simple");
  env.erase("PIP_EXTRA_INDEX_URL");
  env.erase("PIP_CONFIG_FILE");
  const std::pair<const char*, const char*> expect[] = {
      {"tensorflow", "'tensorflow[and-cuda]==2.21.0' --index-url "},
      {"jax", "'jax[cuda13]==0.8.0' --index-url "},  // 0.12 needs Python 3.12
      {"cupy", "'cupy-cuda13x[ctk]==14.2.0' --index-url "},
  };
  for (const auto& [framework, command] : expect) {
    util::ChildOptions o = ::dlenv::testing::ToolOptions();
    o.env = env;
    o.deadline = std::chrono::seconds(120);
    auto r = util::RunCommand(
        {DLENV_BINARY, "install", framework, "--python", "/usr/bin/python3", "--timeout", "5"}, o);
    EXPECT_TRUE(r.ok()) << r.Describe() << r.out << r.err;
    EXPECT_NE(r.out.find(command + Server().Url("/pypi/simple")), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("OFFLINE ANSWER"), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace dlenv::install
