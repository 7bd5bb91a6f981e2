// The whole native flow of `dlenv verify`, run as the real binary against the fake driver
// (tests/fake_driver/fake_driver.cc + fake_compute.cc) and the fake cuBLAS, cuDNN and NCCL
// (fake_libraries.cc): a healthy GPU passes every check, and each scripted failure gives
// its verdict and finding.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "testing/fake_driver_env.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/environment.h"
#include "util/subprocess.h"

namespace dlenv::verify {
namespace {

using nlohmann::json;

json Healthy() {
  return json::parse(R"({
    "driver_version": "550.54.15", "cuda_driver_version": 12040,
    "gpus": [{"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-11111111", "pci_bus_id": "00000000:3B:00.0",
              "cc": [9, 0], "memory_total": 1073741824, "memory_used": 1048576}]
  })");
}

struct Run {
  json doc;
  int exit_code = -1;
  double seconds = 0;
  std::string err;

  const json* Check(const std::string& name, int gpu = 0) const {
    for (const auto& c : doc["checks"]) {
      if (c["check"] == name && (c["gpus"].empty() || c["gpus"][0] == gpu)) return &c;
    }
    return nullptr;
  }
  std::string Verdict(const std::string& name) const {
    const json* c = Check(name);
    return c ? (*c)["verdict"].get<std::string>() : "absent";
  }
  bool HasFinding(const std::string& id) const {
    for (const auto& f : doc["findings"]) {
      if (f["id"] == id) return true;
    }
    return false;
  }
  std::string FindingEvidence(const std::string& id) const {
    for (const auto& f : doc["findings"]) {
      if (f["id"] == id) return f["evidence"];
    }
    return "";
  }
};

Run Verify(const json& scenario, std::vector<std::string> extra = {},
           std::map<std::string, std::string> env_overrides = {}) {
  testing::TempTree tree;
  auto config = tree.Write("scenario.json", scenario.dump());
  auto env = testing::FakeDriverEnv(config);
  for (const auto& [k, v] : env_overrides) env[k] = v;
  std::vector<std::string> argv = {DLENV_BINARY, "verify", "--json", "--framework", "none"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  util::ChildOptions options = ::dlenv::testing::ToolOptions();
  options.env = env;
  options.deadline = std::chrono::seconds(120);
  auto child = util::RunCommand(argv, options);
  Run run;
  run.exit_code = child.outcome == util::ChildResult::Outcome::kExited ? child.exit_code : -1;
  run.seconds = child.seconds;
  run.err = child.err;
  run.doc = json::parse(child.out, nullptr, false);
  EXPECT_TRUE(run.doc.is_object()) << child.Describe() << "\n" << child.out << child.err;
  if (!run.doc.is_object()) run.doc = json{{"checks", json::array()}, {"findings", json::array()}};
  return run;
}

TEST(VerifyFakeDriver, HealthyGpuPassesEveryCheckInOrder) {
  auto run = Verify(Healthy());
  EXPECT_EQ(run.exit_code, 0) << run.doc.dump(2);
  std::vector<std::string> order;
  for (const auto& c : run.doc["checks"]) {
    order.push_back(c["check"]);
    EXPECT_EQ(c["verdict"], "pass") << c.dump(2);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"context", "memory", "kernel", "cublas", "cudnn",
                                             "nccl", "transfers"}));
  EXPECT_TRUE(run.doc["findings"].empty()) << run.doc["findings"].dump(2);
  // The memory check saw NVML account for its allocation.
  EXPECT_NE(run.Check("memory")->dump().find("this process's memory on the GPU grew by"),
            std::string::npos);
}

TEST(VerifyFakeDriver, TwoGpusRunPerGpuChecksAndOneAllReduceAcrossBoth) {
  auto s = Healthy();
  s["gpus"].push_back(s["gpus"][0]);
  s["gpus"][1]["pci_bus_id"] = "00000000:5E:00.0";
  s["gpus"][1]["uuid"] = "GPU-22222222";
  auto run = Verify(s);
  EXPECT_EQ(run.exit_code, 0) << run.doc.dump(2);
  ASSERT_NE(run.Check("context", 1), nullptr);
  const json* nccl = run.Check("nccl");
  ASSERT_NE(nccl, nullptr);
  EXPECT_EQ((*nccl)["gpus"], json::parse("[0, 1]"));
  EXPECT_NE(nccl->dump().find("across 2 ranks"), std::string::npos);
  auto one = Verify(s, {"--gpu", "1"});
  EXPECT_EQ(one.Check("context", 0), nullptr);
  EXPECT_NE(one.Check("context", 1), nullptr);
  EXPECT_EQ(one.Check("peer"), nullptr);  // one GPU: no pair
}

// Peer copies between each ordered pair: timed, read back and compared, bandwidth per pair.
TEST(VerifyFakeDriver, PeerCopiesBetweenEachPairAreCheckedAndTimed) {
  auto s = Healthy();
  for (int i = 1; i < 3; ++i) {
    s["gpus"].push_back(s["gpus"][0]);
    s["gpus"][i]["pci_bus_id"] = fmt::format("00000000:{}E:00.0", 5 + i);
    s["gpus"][i]["uuid"] = fmt::format("GPU-{}", i);
  }
  auto run = Verify(s);
  EXPECT_EQ(run.exit_code, 0) << run.doc.dump(2);
  const json* peer = run.Check("peer");
  ASSERT_NE(peer, nullptr) << run.doc.dump(2);
  EXPECT_EQ((*peer)["verdict"], "pass") << peer->dump(2);
  EXPECT_EQ((*peer)["gpus"], json::parse("[0, 1, 2]"));
  EXPECT_EQ((*peer)["summary"], "6 GPU pairs: each copy correct");
  const std::string evidence = (*peer)["evidence"].dump();
  for (const char* pair : {"GPU 0 -> GPU 1: ", "GPU 2 -> GPU 0: ", "GPU 1 -> GPU 2: "}) {
    EXPECT_NE(evidence.find(pair), std::string::npos) << pair << "\n" << evidence;
  }
  EXPECT_NE(evidence.find("GB/s, 64.0 MiB checked (peer access on)"), std::string::npos)
      << evidence;

  // P2P refused (a GeForce card's policy, ACS on the bridge): the copy still runs, through
  // the host, and says so.
  s["peer_access"] = false;
  auto no_p2p = Verify(s);
  const json* host = no_p2p.Check("peer");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ((*host)["verdict"], "pass");
  EXPECT_NE((*host)["evidence"].dump().find("no peer access: the copy goes through the host"),
            std::string::npos)
      << host->dump(2);

  // A copy that loses a byte is wrong results, named for the pair.
  s["peer_access"] = true;
  s["wrong_copy"] = true;
  auto wrong = Verify(s);
  const json* bad = wrong.Check("peer");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ((*bad)["verdict"], "fail");
  EXPECT_NE((*bad)["summary"].get<std::string>().find("copy from GPU 0 to GPU 1 came back "
                                                      "different (first at byte 67108863)"),
            std::string::npos)
      << bad->dump(2);
  EXPECT_TRUE(wrong.HasFinding("gpu.wrong_results"));

  // A driver that hangs in the copy is cut off by the check's deadline.
  s["wrong_copy"] = false;
  s["hang"] = "cuMemcpyPeer";
  auto hung = Verify(s, {"--timeout", "3"});
  EXPECT_EQ(hung.Verdict("peer"), "fail");
  EXPECT_TRUE(hung.HasFinding("verify.check_hung"));
}

TEST(VerifyFakeDriver, AGpuThatIsNotThereFailsInsteadOfPassingNothing) {
  auto run = Verify(Healthy(), {"--gpu", "3", "--timeout", "5"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.Verdict("context"), "absent");  // no check ran on GPU 0
  const json* c = run.Check("context", 3);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ((*c)["verdict"], "fail");
  EXPECT_NE((*c)["summary"].get<std::string>().find("CUDA sees 1 GPU"), std::string::npos);
}

TEST(VerifyFakeDriver, FailingAllocationFailsTheMemoryCheck) {
  auto s = Healthy();
  s["returns"] = {{"cuMemAlloc_v2", 2}};  // CUDA_ERROR_OUT_OF_MEMORY
  auto run = Verify(s);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.Verdict("memory"), "fail");
  EXPECT_NE((*run.Check("memory"))["summary"].get<std::string>().find("cuMemAlloc"),
            std::string::npos);
  EXPECT_TRUE(run.HasFinding("verify.check_failed"));
  EXPECT_EQ(run.Verdict("context"), "pass");
}

TEST(VerifyFakeDriver, MemoryThatNvmlDoesNotAccountFails) {
  auto s = Healthy();
  s["nvml_process_accounting"] = false;
  auto run = Verify(s);
  EXPECT_EQ(run.Verdict("memory"), "fail");
  EXPECT_NE((*run.Check("memory"))["summary"].get<std::string>().find("NVML did not see"),
            std::string::npos);
  EXPECT_EQ(run.Verdict("kernel"), "pass");
}

TEST(VerifyFakeDriver, BadMemoryCellsAreWrongResults) {
  auto s = Healthy();
  s["memory_errors"] = 3;
  auto run = Verify(s);
  EXPECT_EQ(run.Verdict("memory"), "fail");
  EXPECT_TRUE(run.HasFinding("gpu.wrong_results"));
  // 3 bad words for each of the 5 patterns, counted by the check kernel.
  EXPECT_NE((*run.Check("memory"))["summary"].get<std::string>().find("memory errors"),
            std::string::npos);
}

TEST(VerifyFakeDriver, JitRefusingNewerPtxIsADriverTooOld) {
  auto s = Healthy();
  s["cuda_driver_version"] = 10010;
  s["jit_error"] = {{"status", 222},
                    {"log",
                     "ptxas application ptx input, line 12; fatal : Unsupported .version 6.5; "
                     "current version is '6.4'"}};
  auto run = Verify(s);
  EXPECT_EQ(run.Verdict("kernel"), "fail");
  EXPECT_TRUE(run.HasFinding("driver.too_old"));
  const auto evidence = run.FindingEvidence("driver.too_old");
  EXPECT_NE(evidence.find("CUDA_ERROR_UNSUPPORTED_PTX_VERSION"), std::string::npos) << evidence;
  EXPECT_NE(evidence.find("Unsupported .version 6.5"), std::string::npos)
      << evidence;  // the JIT log
  EXPECT_NE(evidence.find("supports CUDA 10.1"), std::string::npos) << evidence;
}

TEST(VerifyFakeDriver, KernelReturningWrongDataFails) {
  auto s = Healthy();
  s["wrong_kernel_result"] = true;
  auto run = Verify(s);
  EXPECT_EQ(run.Verdict("kernel"), "fail");
  EXPECT_TRUE(run.HasFinding("gpu.wrong_results"));
  EXPECT_NE((*run.Check("kernel"))["summary"].get<std::string>().find("first at 12345"),
            std::string::npos);
  EXPECT_EQ(run.Verdict("memory"), "pass");
}

TEST(VerifyFakeDriver, GemmThatDiffersBetweenRunsIsNondeterministic) {
  auto s = Healthy();
  s["gemm_nondeterministic"] = true;
  auto run = Verify(s);
  EXPECT_EQ(run.Verdict("cublas"), "fail");
  EXPECT_TRUE(run.HasFinding("gpu.nondeterministic_results"));
  EXPECT_FALSE(run.HasFinding("gpu.wrong_results"));  // one low bit: inside tolerance, not wrong
}

TEST(VerifyFakeDriver, WrongGemmIsOutsideTolerance) {
  auto s = Healthy();
  s["gemm_wrong"] = true;
  auto run = Verify(s);
  EXPECT_EQ(run.Verdict("cublas"), "fail");
  EXPECT_TRUE(run.HasFinding("gpu.wrong_results"));
}

TEST(VerifyFakeDriver, HangBecomesAVerdictWithinItsDeadlineAndTheRestStillRuns) {
  auto s = Healthy();
  s["hang"] = "cublasSgemm_v2";
  auto run = Verify(s, {"--timeout", "3"});
  EXPECT_EQ(run.Verdict("cublas"), "fail");
  EXPECT_TRUE(run.HasFinding("verify.check_hung"));
  EXPECT_EQ(run.Verdict("cudnn"), "pass");
  EXPECT_EQ(run.Verdict("transfers"), "pass");
  EXPECT_LT(run.seconds, 3 + 25.0);  // the hang costs its deadline, not the run's
}

TEST(VerifyFakeDriver, CrashBecomesAVerdictAndTheRestStillRuns) {
  auto s = Healthy();
  s["crash"] = "cudnnConvolutionForward";
  auto run = Verify(s);
  EXPECT_EQ(run.Verdict("cudnn"), "fail");
  EXPECT_TRUE(run.HasFinding("verify.check_crashed"));
  EXPECT_NE(run.FindingEvidence("verify.check_crashed").find("SIGSEGV"), std::string::npos);
  EXPECT_EQ(run.Verdict("nccl"), "pass");
}

TEST(VerifyFakeDriver, MissingMathLibrariesAreSkippedNotFailed) {
  auto run = Verify(Healthy(), {}, {{"DLENV_CUBLAS_LIBRARY", "/nonexistent/libcublas.so.12"}});
  EXPECT_EQ(run.Verdict("cublas"), "skip");
  EXPECT_EQ(run.exit_code, 0);
}

TEST(VerifyFakeDriver, NoGpuSaysSoInOneLineAndExitsFour) {
  auto s = Healthy();
  s["gpus"] = json::array();
  auto run = Verify(s);
  EXPECT_EQ(run.exit_code, 4);
  EXPECT_TRUE(run.doc["no_gpu"].is_string());
  EXPECT_TRUE(run.doc["checks"].empty());
}

TEST(VerifyFakeDriver, TextReportWithoutAGpuIsOneLineAndWaitsForNothing) {
  testing::TempTree tree;
  auto env = util::Environment::FromProcess().vars();
  env["DLENV_CUDA_LIBRARY"] = (tree / "absent/libcuda.so.1").string();
  env["DLENV_NVML_LIBRARY"] = (tree / "absent/libnvidia-ml.so.1").string();
  util::ChildOptions options = ::dlenv::testing::ToolOptions();
  options.env = env;
  options.deadline = std::chrono::seconds(60);
  auto child = util::RunCommand({DLENV_BINARY, "verify", "--framework", "none"}, options);
  EXPECT_EQ(child.exit_code, 4);
  EXPECT_EQ(child.out.rfind("No GPU to verify: ", 0), 0u) << child.out;
  EXPECT_LT(child.seconds, 10.0);
}

}  // namespace
}  // namespace dlenv::verify
