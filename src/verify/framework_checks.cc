#include "verify/framework_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "knowledge/frameworks.h"
#include "rules/error_signatures.h"
#include "util/embedded.h"
#include "util/json_read.h"
#include "util/strings.h"
#include "util/subprocess.h"
#include "verify/findings.h"

namespace dlenv::verify {
namespace {

using nlohmann::json;

// Whether a distribution provides the framework's module (tensorflow-io does not).
bool Provides(const std::string& package, const std::string& framework) {
  const auto* f = knowledge::Frameworks().Find(framework);
  return f && f->ProvidesImport(package);
}

bool OnGpu(const std::string& device) {
  const std::string d = util::ToLower(device);
  return d.find("cuda") != std::string::npos || d.find("gpu") != std::string::npos;
}

void AddFinding(CheckResult& r, model::Finding f) {
  for (const auto& e : r.findings) {
    if (e.id == f.id) return;
  }
  r.findings.push_back(std::move(f));
}

}  // namespace

std::vector<FrameworkTarget> PlanFrameworkTargets(const model::Snapshot& snapshot,
                                                  const std::vector<std::string>& pythons,
                                                  const std::vector<std::string>& frameworks) {
  std::vector<FrameworkTarget> targets;
  auto add = [&](const std::string& python, const std::vector<model::PackageRecord>* packages) {
    for (const std::string& fw : knowledge::Frameworks().CoreIds()) {
      const bool asked = std::find(frameworks.begin(), frameworks.end(), fw) != frameworks.end();
      if (!frameworks.empty() && !asked) continue;
      bool installed = true;
      if (packages && !asked) {
        installed = std::any_of(
            packages->begin(), packages->end(),
            [&](const model::PackageRecord& p) { return Provides(p.normalized_name, fw); });
      }
      if (installed) targets.push_back({python, fw, asked});
    }
  };
  if (!pythons.empty()) {
    for (const auto& p : pythons) add(p, nullptr);
    return targets;
  }
  std::set<std::string> seen;
  for (const auto& env : snapshot.python_envs) {
    if (!env.executable || !seen.insert(*env.executable).second) continue;
    add(*env.executable, env.packages.empty() ? nullptr : &env.packages);
  }
  if (seen.empty()) add("python3", nullptr);
  return targets;
}

namespace {

std::vector<std::string> Strings(const json& doc, const char* key) {
  std::vector<std::string> out;
  if (auto e = doc.find(key); e != doc.end() && e->is_array()) {
    for (const auto& x : *e)
      if (x.is_string()) out.push_back(x.get<std::string>());
  }
  return out;
}

// A field as text: strings as they are, anything else as JSON, absent or null as "-".
std::string Text(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// The build, the GPUs and architectures the framework reported.
void AddBuildEvidence(const std::string& fw, const json& doc, CheckResult& r) {
  r.evidence.push_back(fmt::format("{} {}, CUDA build: {} (CUDA {}, cuDNN {})", fw,
                                   Text(doc, "version"),
                                   util::JsonBoolOr(doc, "cuda_build", false) ? "yes" : "no",
                                   Text(doc, "cuda_version"), Text(doc, "cudnn_version")));
  if (auto devs = doc.find("devices"); devs != doc.end() && devs->is_array() && !devs->empty()) {
    std::vector<std::string> names;
    for (const auto& d : *devs) names.push_back(d.is_string() ? d.get<std::string>() : d.dump());
    r.evidence.push_back("GPUs: " + util::Join(names, ", "));
  }
  if (auto arch = doc.find("arch_list"); arch != doc.end() && arch->is_array() && !arch->empty()) {
    r.evidence.push_back("architectures: " + arch->dump());
  }
}

struct ChecksOutcome {
  bool ok = true;
  bool off_gpu = false;  // something that should have run on the GPU did not
  std::vector<std::string> passed;
};

// The workload's checks, each as evidence; on a GPU, a check that ran elsewhere (or memory
// that did not grow) is fake acceleration.
ChecksOutcome ReadChecks(const FrameworkTarget& target, const json& doc, bool gpu, CheckResult& r) {
  ChecksOutcome out;
  const std::string& fw = target.framework;
  auto checks = doc.find("checks");
  if (checks == doc.end() || !checks->is_array()) return out;
  for (const auto& c : *checks) {
    const std::string name = util::JsonStringOr(c, "name", "?");
    const std::string status = util::JsonStringOr(c, "status", "?");
    const std::string device = util::JsonStringOr(c, "device", "");
    r.evidence.push_back(fmt::format("{}: {} — {}{}", name, status,
                                     util::JsonStringOr(c, "detail", ""),
                                     device.empty() ? "" : " [on " + device + "]"));
    if (status == "fail") out.ok = false;
    if (status == "pass") out.passed.push_back(name);
    if (gpu && !device.empty() && !OnGpu(device)) {
      out.off_gpu = true;
      AddFinding(
          r, FakeAccelerationFinding(fw, target.python, fmt::format("{} ran on {}", name, device)));
    }
    if (gpu && name == "memory" && status == "fail") {
      out.off_gpu = true;
      AddFinding(
          r, FakeAccelerationFinding(fw, target.python,
                                     util::JsonStringOr(c, "detail", "GPU memory did not grow")));
    }
  }
  return out;
}

// The verdict and its one-line summary, from where it ran and what passed.
void Decide(const FrameworkTarget& target, const json& doc, bool host_has_gpu,
            const ChecksOutcome& checks, const std::vector<std::string>& errors,
            const std::vector<std::string>& warnings, CheckResult& r) {
  const std::string& fw = target.framework;
  const bool gpu = util::JsonBoolOr(doc, "gpu_available", false);
  const bool cuda_build = util::JsonBoolOr(doc, "cuda_build", false);
  const bool ok = checks.ok && errors.empty();
  const std::string first_error = errors.empty() ? "" : ": " + errors.front();
  if (gpu) {
    r.verdict = ok && !checks.off_gpu ? Verdict::kPass : Verdict::kFail;
    r.summary = r.verdict == Verdict::kPass ? fmt::format("computes on the GPU: {} correct",
                                                          util::Join(checks.passed, ", "))
                                            : "GPU path failed" + first_error;
  } else if (host_has_gpu) {
    r.verdict = Verdict::kFail;
    r.summary = cuda_build ? "a CUDA build, but it sees no GPU"
                           : "a CPU-only build on a machine with a GPU";
    if (!cuda_build) {
      AddFinding(r, model::Finding{
                        "framework.cpu_only_build", model::Severity::kError,
                        fmt::format("{} is a CPU-only build on a machine with a GPU", fw),
                        fmt::format("{} {} in {}", fw, Text(doc, "version"), target.python),
                        "Install its CUDA build (`dlenv doctor` names the wheel for this driver)"});
    } else if (r.findings.empty()) {
      AddFinding(r, CheckFailedFinding(
                        fw, {}, r.summary + (warnings.empty() ? "" : ": " + warnings.front())));
    }
  } else {
    r.verdict = ok ? Verdict::kPass : Verdict::kFail;
    r.summary = ok ? fmt::format("CPU path (no GPU): {} correct", util::Join(checks.passed, ", "))
                   : "CPU path failed" + first_error;
    if (!ok && r.findings.empty()) AddFinding(r, CheckFailedFinding(fw, {}, r.summary));
  }
}

}  // namespace

CheckResult EvaluateFrameworkDocument(const FrameworkTarget& target, const json& doc,
                                      bool host_has_gpu) {
  CheckResult r;
  r.check = target.framework;
  r.python = target.python;
  r.seconds = util::JsonNumberOr(doc, "seconds", 0.0);
  const std::string& fw = target.framework;
  const auto errors = Strings(doc, "errors");
  const auto warnings = Strings(doc, "warnings");
  if (!util::JsonBoolOr(doc, "installed", false) && !util::JsonBoolOr(doc, "import_error", false)) {
    r.verdict = Verdict::kSkip;
    r.summary = "not installed";
    return r;
  }
  for (const auto& text : errors) {
    if (auto f = rules::ClassifyErrorText(fw, text)) AddFinding(r, *f);
  }
  if (util::JsonBoolOr(doc, "import_error", false)) {
    r.verdict = Verdict::kFail;
    r.summary = "import failed: " + (errors.empty() ? std::string("?") : errors.front());
    if (r.findings.empty()) AddFinding(r, CheckFailedFinding(fw, {}, r.summary));
    return r;
  }
  const bool gpu = util::JsonBoolOr(doc, "gpu_available", false);
  AddBuildEvidence(fw, doc, r);
  ChecksOutcome checks = ReadChecks(target, doc, gpu, r);
  if (gpu && fw == knowledge::kTorch && util::JsonBoolOr(doc, "cuda_build", false) &&
      (!doc.contains("cudnn_version") || doc["cudnn_version"].is_null() ||
       !util::JsonBoolOr(doc, "cudnn_enabled", true))) {
    checks.off_gpu = true;
    AddFinding(
        r, FakeAccelerationFinding(fw, target.python,
                                   "torch.backends.cudnn is unusable (no version or disabled)"));
  }
  for (const auto& w : warnings) {
    if (auto f = rules::ClassifyErrorText(fw, w); f && (host_has_gpu || gpu)) AddFinding(r, *f);
  }
  Decide(target, doc, host_has_gpu, checks, errors, warnings, r);
  return r;
}

CheckResult RunFrameworkCheck(const FrameworkTarget& target, const util::Environment& env,
                              std::chrono::milliseconds deadline, bool host_has_gpu) {
  CheckResult r;
  r.check = target.framework;
  r.python = target.python;
  auto script = util::FindEmbeddedFile("verify_" + target.framework + ".py");
  if (!script) {
    r.verdict = Verdict::kFail;
    r.summary = "no embedded probe script for " + target.framework;
    return r;
  }
  util::ChildOptions options;
  options.deadline = deadline;
  options.stdin_data = std::string(*script);
  options.env = env.vars();
  const auto child = util::RunCommand({target.python, "-"}, options);
  json doc;
  for (auto line : util::Lines(child.out)) {
    json j = json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("framework")) doc = std::move(j);
  }
  if (!doc.is_object()) {
    r.verdict = Verdict::kFail;
    r.seconds = child.seconds;
    const bool hung = child.outcome == util::ChildResult::Outcome::kTimedOut;
    r.summary = fmt::format("the probe script gave no answer: {}", child.Describe());
    std::string tail =
        child.err.size() > 1500 ? child.err.substr(child.err.size() - 1500) : child.err;
    if (!util::Trim(tail).empty()) r.evidence.push_back("stderr: " + std::string(util::Trim(tail)));
    if (auto f = rules::ClassifyErrorText(target.framework, child.err))
      r.findings.push_back(*f);
    else if (hung)
      r.findings.push_back(CheckHungFinding(target.framework, {}, deadline));
    else if (child.outcome == util::ChildResult::Outcome::kSignaled)
      r.findings.push_back(CheckCrashedFinding(target.framework, {}, child.Describe()));
    else
      r.findings.push_back(CheckFailedFinding(target.framework, {}, r.summary));
    return r;
  }
  r = EvaluateFrameworkDocument(target, doc, host_has_gpu);
  if (r.verdict == Verdict::kSkip && !target.requested) r.summary = "not installed";
  r.seconds = child.seconds;
  return r;
}

}  // namespace dlenv::verify
