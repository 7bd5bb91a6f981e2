// dlenv explain end to end: RunExplain on real texts judged against fixture reports (--from),
// messy logs (colours, ranks, timestamps, progress bars, chained tracebacks), garbage; the
// binary with `-- COMMAND` on real commands; the --json schema; docs/explain.md up to date.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <random>

#include "explain/command.h"
#include "explain/render.h"
#include "knowledge/error_signatures.h"
#include "model/json.h"
#include "testing/error_texts.h"
#include "testing/fake_driver_env.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::explain {
namespace {

using nlohmann::json;

// A `doctor --json` report of an A100 machine on driver 470 (CUDA 11.4) whose torch needs 12.1.
std::string OldDriverReport(const testing::TempTree& t) {
  model::Snapshot s;
  s.driver.kernel_module_version = "470.82.01";
  s.driver.nvml_driver_version = "470.82.01";
  s.driver.cuda_driver_version = 11040;
  model::GpuInfo g;
  g.name = "NVIDIA A100-SXM4-80GB";
  g.cc_major = 8;
  g.cc_minor = 0;
  s.gpus.push_back(g);
  s.findings.push_back({"driver.too_old", model::Severity::kError,
                        "torch 2.3.1+cu121 needs CUDA 12.1", "driver 470.82.01 reports CUDA 11.4",
                        "Install NVIDIA driver 525.60.13 or newer"});
  json doc = s;
  return t.Write("report.json", doc.dump()).string();
}

ExplainOptions FromFile(const std::string& path, const std::string& from) {
  ExplainOptions o;
  o.input = path;
  o.from = from;
  o.output.format = model::Format::kJson;
  return o;
}

TEST(Explain, ARealTextOnTheMachineOfItsReport) {
  testing::TempTree t;
  const auto log = t.Write("log.txt", testing::ErrorText("torch-2.15.0-driver-too-old"));
  auto r = RunExplain(FromFile(log.string(), OldDriverReport(t)));
  ASSERT_EQ(r.exit, model::ExitCode::kFindings) << r.error;
  const auto& m = r.document["matches"].at(0);
  EXPECT_EQ(m["signature"], "torch.driver_too_old");
  EXPECT_EQ(m["cause"]["id"], "driver_older_than_build");
  EXPECT_EQ(m["cause"]["fix"],
            "Install NVIDIA driver 525.60.13 or newer");  // the finding's own fix
  EXPECT_EQ(m["cause"]["finding"], "driver.too_old");
  EXPECT_EQ(m["lines"].at(0)["line"], 7);
  EXPECT_EQ(r.document["machine"]["source"],
            "the machine of " + t.path().string() + "/report.json");
  // The text rendering says the same.
  auto o = FromFile(log.string(), OldDriverReport(t));
  o.output.format = model::Format::kText;
  auto text = RunExplain(o).out;
  EXPECT_NE(text.find("fix: Install NVIDIA driver 525.60.13 or newer"), std::string::npos) << text;
  EXPECT_NE(text.find("confirm: dlenv verify"), std::string::npos) << text;
  o.output.format = model::Format::kMarkdown;
  EXPECT_NE(RunExplain(o).out.find("- **Fix:** Install NVIDIA driver 525.60.13"),
            std::string::npos);
}

// Every line of text with the prefix a launcher puts before it.
std::string Prefixed(const std::string& prefix, const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    out +=
        prefix + text.substr(start, end == std::string::npos ? std::string::npos : end + 1 - start);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

TEST(Explain, TheRootCauseComesFirstInAMessyLog) {
  // Ranks interleaved, colours, timestamps, CRLF, a progress bar, and a chained traceback in
  // which the "no kernel image" is printed before the cuDNN load failure that explains it.
  std::string log = "epoch 1:  10%|#   | 1/10\r epoch 1: 100%|##########| 10/10\r\n";
  log += "[rank1]: 2024-05-17 14:29:38,120 - \x1b[31mTraceback (most recent call last):\x1b[0m\r\n";
  log += Prefixed("[rank1]: ", testing::ErrorText("torch-2.3-no-kernel-image"));
  log += "[rank0]: During handling of the above exception, another exception occurred:\n";
  log += Prefixed("[rank0]: ", testing::ErrorText("glibc-2.36-dlopen-libcudnn"));
  log += "[rank0]: RuntimeError: CUDA error: CUDA out of memory. Tried to allocate 2.00 GiB\n";
  testing::TempTree t;
  auto r = RunExplain(FromFile(t.Write("log.txt", log).string(), OldDriverReport(t)));
  ASSERT_EQ(r.exit, model::ExitCode::kFindings);
  const auto& matches = r.document["matches"];
  ASSERT_GE(matches.size(), 2u) << matches.dump(2);
  EXPECT_EQ(matches[0]["signature"], "lib.cannot_open");
  EXPECT_EQ(matches[0]["values"]["soname"], "libcudnn.so.8");
  EXPECT_EQ(matches[0]["ranks"], json::array({0}));
  EXPECT_EQ(matches[1]["signature"], "cuda.no_kernel_image");
  EXPECT_EQ(matches[1]["ranks"], json::array({1}));
  EXPECT_EQ(matches[0]["chain"], matches[1]["chain"]) << "one chained exception, read whole";
  EXPECT_EQ(matches[1]["lines"][0]["text"],
            "RuntimeError: CUDA error: no kernel image is available for execution on the device");
}

TEST(Explain, OutOfMemoryIsNotBlamedOnTheSetup) {
  testing::TempTree t;
  auto r = RunExplain(
      FromFile(t.Write("log.txt", testing::ErrorText("torch-2.15.0-out-of-memory")).string(),
               OldDriverReport(t)));
  EXPECT_EQ(r.exit, model::ExitCode::kOk);
  EXPECT_EQ(r.document["configuration_problem"], false);
  const auto& m = r.document["matches"].at(0);
  EXPECT_EQ(m["signature"], "torch.out_of_memory");
  EXPECT_NE(m["hint"].get<std::string>().find("expandable_segments"), std::string::npos);
  auto o = FromFile((t / "log.txt").string(), OldDriverReport(t));
  o.output.format = model::Format::kText;
  EXPECT_NE(RunExplain(o).out.find("not a configuration problem"), std::string::npos);
}

TEST(Explain, NothingRecognisedSaysSoAndListsTheMachinesErrors) {
  testing::TempTree t;
  auto o = FromFile(t.Write("log.txt", "ValueError: shapes (2,3) and (4,5) not aligned\n").string(),
                    OldDriverReport(t));
  auto r = RunExplain(o);
  EXPECT_EQ(r.exit, model::ExitCode::kNoMatch);
  EXPECT_EQ(r.document["recognised"], false);
  ASSERT_EQ(r.document["machine_findings"].size(), 1u);
  EXPECT_EQ(r.document["machine_findings"][0]["id"], "driver.too_old");
  o.output.format = model::Format::kText;
  const auto text = RunExplain(o).out;
  EXPECT_NE(text.find("no error that dlenv knows"), std::string::npos);
  EXPECT_NE(text.find("driver.too_old"), std::string::npos);
}

TEST(Explain, GarbageAndBadInputsAreClearNeverACrash) {
  testing::TempTree t;
  std::mt19937 rng(3);
  std::string garbage(4u << 20, '\0');
  for (auto& c : garbage) c = static_cast<char>(rng());
  auto r = RunExplain(FromFile(t.Write("garbage.bin", garbage).string(), OldDriverReport(t)));
  EXPECT_EQ(r.exit, model::ExitCode::kNoMatch);
  EXPECT_NO_THROW((void)r.document.dump());  // valid UTF-8 throughout
  auto missing = RunExplain(FromFile((t / "missing.txt").string(), ""));
  EXPECT_EQ(missing.exit, model::ExitCode::kUsage);
  EXPECT_NE(missing.error.find("missing.txt"), std::string::npos);
  auto bad_from = RunExplain(
      FromFile(t.Write("x.txt", "x").string(), t.Write("bad.json", "{\"a\": 1}").string()));
  EXPECT_EQ(bad_from.exit, model::ExitCode::kUsage);
  EXPECT_NE(bad_from.error.find("neither"), std::string::npos) << bad_from.error;
}

TEST(Explain, AFleetSnapshotKnowsOnlyGpusAndFindingsAndSaysWhatItAssumed) {
  testing::TempTree t;
  const auto from = t.Write(
      "node.json",
      R"({"fleet_snapshot_version": 1, "hostname": "gpu7", "gpus": [{"index": 0, "name": "NVIDIA H100 80GB HBM3"}],
                                              "findings": [], "lock": {}, "healthy": true})");
  auto r = RunExplain(FromFile(
      t.Write("log.txt", testing::ErrorText("torch-2.15.0-no-driver")).string(), from.string()));
  const auto& cause = r.document["matches"].at(0)["cause"];
  EXPECT_EQ(cause["id"], "driver_missing");
  EXPECT_FALSE(cause["assumed"].empty());
  EXPECT_EQ(r.document["machine"]["known"]["driver"], false);
}

util::ChildResult Dlenv(const std::vector<std::string>& args,
                        std::chrono::seconds deadline = std::chrono::seconds(60)) {
  std::vector<std::string> argv = {DLENV_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = deadline;
  return util::RunCommand(argv, o);
}

json JsonAtEnd(const std::string& text) {
  const auto start = text.rfind("\n{\n");
  return json::parse(start == std::string::npos ? text : text.substr(start + 1));
}

TEST(ExplainCommand, RunsTheCommandPassesItsOutputThroughAndKeepsItsStatus) {
  testing::TempTree t;
  const auto err_text = t.Write("err.txt", testing::ErrorText("torch-2.15.0-no-driver"));
  const auto r = Dlenv({"explain", "--json", "--", "sh", "-c",
                        "printf 'out\\000put'; cat " + err_text.string() + " >&2; exit 7"});
  ASSERT_EQ(r.outcome, util::ChildResult::Outcome::kExited) << r.Describe();
  EXPECT_EQ(r.exit_code, 1) << r.err;  // a configuration problem was recognised
  EXPECT_EQ(r.out, std::string("out\0put", 7)) << "the command's stdout, unchanged and alone";
  EXPECT_EQ(r.err.substr(0, testing::ErrorText("torch-2.15.0-no-driver").size()),
            testing::ErrorText("torch-2.15.0-no-driver"));
  const auto doc = JsonAtEnd(r.err);
  EXPECT_EQ(doc["command"]["exit_code"], 7);
  EXPECT_EQ(doc["command"]["outcome"], "exited");
  EXPECT_EQ(doc["matches"][0]["signature"], "torch.no_driver");
}

TEST(ExplainCommand, ACommandThatNeverEndsIsStoppedByTimeout) {
  const auto r = Dlenv(
      {"explain", "--json", "--timeout", "1", "--", "sh", "-c", "echo waiting; exec sleep 1000"},
      std::chrono::seconds(30));
  ASSERT_EQ(r.outcome, util::ChildResult::Outcome::kExited) << r.Describe();
  EXPECT_EQ(r.exit_code, 5);  // nothing known in "waiting"
  EXPECT_EQ(r.out, "waiting\n");
  const auto doc = JsonAtEnd(r.err);
  EXPECT_EQ(doc["command"]["outcome"], "timed_out");
  EXPECT_TRUE(doc["command"]["exit_code"].is_null());
}

TEST(ExplainCommand, ASuccessfulCommandIsOkAndAMissingOneIsUsage) {
  const auto ok = Dlenv({"explain", "--", "true"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(ok.err.empty()) << ok.err;
  const auto missing = Dlenv({"explain", "--", "/nonexistent/dlenv-no-such"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("cannot run"), std::string::npos) << missing.err;
  const auto stray = Dlenv({"doctor", "--", "x"});
  EXPECT_EQ(stray.exit_code, 2);
}

// The real torch 2.15.0+cu132 wheels (scripts/make-test-envs.sh) on the fake driver at 470
// (CUDA 11.4), where the text was captured: doctor raises driver.too_old for that torch, so the
// verdict's fix is doctor's own. The same text with no --python: the torch is assumed elsewhere.
TEST(ExplainCommand, TheCapturedTextOnTheFakeDriverWithTheRealTorchGetsDoctorsFix) {
  const char* envs = std::getenv("DLENV_TEST_ENVS");
  const std::string python =
      std::string(envs ? envs : "/var/tmp/dlenv-test-envs") + "/wheels-torch-deps/bin/python";
  if (access(python.c_str(), X_OK) != 0) {
    const char* require = std::getenv("DLENV_REQUIRE_TEST_ENVS");
    if (require && std::string(require) == "1") FAIL() << "missing " << python;
    GTEST_SKIP() << "no " << python << " (scripts/make-test-envs.sh makes it)";
  }
  testing::TempTree t;
  const auto scenario =
      t.Write("old.json", R"({"driver_version": "470.82.01", "cuda_driver_version": 11040,
      "gpus": [{"name": "NVIDIA A100-SXM4-80GB", "cc": [8, 0], "memory_total": 85520809984}]})");
  const auto log = t.Write("log.txt", testing::ErrorText("torch-2.15.0-driver-too-old"));
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(120);
  o.env = testing::FakeDriverEnv(scenario);
  auto with_torch =
      util::RunCommand({DLENV_BINARY, "explain", log.string(), "--json", "--python", python}, o);
  ASSERT_EQ(with_torch.exit_code, 1) << with_torch.err;
  auto cause = json::parse(with_torch.out)["matches"][0]["cause"];
  EXPECT_EQ(cause["id"], "driver_older_than_build");
  EXPECT_EQ(cause["finding_on_machine"], true);
  EXPECT_NE(cause["fix"].get<std::string>().find("dlenv install torch --python " + python),
            std::string::npos)
      << cause["fix"];
  auto without = util::RunCommand({DLENV_BINARY, "explain", log.string(), "--json"}, o);
  cause = json::parse(without.out)["matches"][0]["cause"];
  EXPECT_EQ(cause["id"], "driver_older_than_build_other_env");
  EXPECT_EQ(cause["finding_on_machine"], false);
}

util::ChildResult Validate(const std::string& document_path) {
  const std::string script =
      "import json, sys, jsonschema\n"
      "schema = json.load(open(sys.argv[1]))\n"
      "jsonschema.Draft202012Validator.check_schema(schema)\n"
      "jsonschema.validate(json.load(open(sys.argv[2])), schema, "
      "cls=jsonschema.Draft202012Validator)\n";
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(60);
  return util::RunCommand(
      {"/usr/bin/python3", "-c", script,
       std::string(DLENV_SOURCE_DIR) + "/schema/explain.schema.json", document_path},
      o);
}

TEST(ExplainSchema, DocumentsValidate) {
  testing::TempTree t;
  const auto from = OldDriverReport(t);
  std::vector<json> docs = {
      RunExplain(
          FromFile(t.Write("a.txt", testing::ErrorText("torch-2.15.0-driver-too-old")).string(),
                   from))
          .document,
      RunExplain(FromFile(t.Write("b.txt", "nothing here\n").string(), from)).document,
      RunExplain(
          FromFile(t.Write("c.txt", testing::ErrorText("torch-2.15.0-shape-mismatch")).string(),
                   from))
          .document,
  };
  const auto command = Dlenv({"explain", "--json", "--timeout", "1", "--", "sh", "-c",
                              "echo 'Torch not compiled with CUDA enabled' >&2; exit 1"});
  docs.push_back(JsonAtEnd(command.err));
  int n = 0;
  for (const auto& doc : docs) {
    const auto path = t.Write("doc" + std::to_string(n++) + ".json", doc.dump());
    auto v = Validate(path.string());
    EXPECT_TRUE(v.ok()) << v.Describe() << "\n" << v.err << "\n" << doc.dump(2);
  }
  json bad = docs[0];
  bad.erase("matches");
  auto v = Validate(t.Write("bad.json", bad.dump()).string());
  EXPECT_FALSE(v.ok()) << "the schema must require matches";
}

TEST(ExplainDocs, TheCatalogueInDocsIsGeneratedFromTheData) {
  const std::string doc = testing::ReadAll(std::string(DLENV_SOURCE_DIR) + "/docs/explain.md");
  const std::string marker =
      "<!-- generated by `dlenv explain --catalogue`: do not edit below -->\n";
  const auto at = doc.find(marker);
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(doc.substr(at + marker.size()), RenderCatalogue(knowledge::BuiltinErrorSignatures()))
      << "regenerate: dlenv explain --catalogue, pasted below the marker in docs/explain.md";
}

}  // namespace
}  // namespace dlenv::explain
