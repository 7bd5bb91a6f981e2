#include "verify/framework_checks.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "knowledge/frameworks.h"
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
        installed = std::any_of(packages->begin(), packages->end(),
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

CheckResult EvaluateFrameworkDocument(const FrameworkTarget& target, const json& doc, bool host_has_gpu) {
  CheckResult r;
  r.check = target.framework;
  r.python = target.python;
  r.seconds = util::JsonNumberOr(doc, "seconds", 0.0);
  const std::string fw = target.framework;
  std::vector<std::string> errors, warnings;
  if (auto e = doc.find("errors"); e != doc.end() && e->is_array()) {
    for (const auto& x : *e) if (x.is_string()) errors.push_back(x.get<std::string>());
  }
  if (auto w = doc.find("warnings"); w != doc.end() && w->is_array()) {
    for (const auto& x : *w) if (x.is_string()) warnings.push_back(x.get<std::string>());
  }
  if (!util::JsonBoolOr(doc, "installed", false) && !util::JsonBoolOr(doc, "import_error", false)) {
    r.verdict = Verdict::kSkip;
    r.summary = "not installed";
    return r;
  }
  for (const auto& text : errors) {
    if (auto f = ClassifyFrameworkError(fw, text)) AddFinding(r, *f);
  }
  if (util::JsonBoolOr(doc, "import_error", false)) {
    r.verdict = Verdict::kFail;
    r.summary = "import failed: " + (errors.empty() ? std::string("?") : errors.front());
    if (r.findings.empty()) AddFinding(r, CheckFailedFinding(fw, {}, r.summary));
    return r;
  }
  const bool gpu = util::JsonBoolOr(doc, "gpu_available", false);
  const bool cuda_build = util::JsonBoolOr(doc, "cuda_build", false);
  auto str = [&](const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && !it->is_null() ? (it->is_string() ? it->get<std::string>() : it->dump()) : std::string("-");
  };
  r.evidence.push_back(fmt::format("{} {}, CUDA build: {} (CUDA {}, cuDNN {})", fw, str("version"),
                                   cuda_build ? "yes" : "no", str("cuda_version"), str("cudnn_version")));
  if (auto devs = doc.find("devices"); devs != doc.end() && devs->is_array() && !devs->empty()) {
    std::vector<std::string> names;
    for (const auto& d : *devs) names.push_back(d.is_string() ? d.get<std::string>() : d.dump());
    r.evidence.push_back("GPUs: " + util::Join(names, ", "));
  }
  if (auto arch = doc.find("arch_list"); arch != doc.end() && arch->is_array() && !arch->empty()) {
    r.evidence.push_back("architectures: " + arch->dump());
  }
  bool checks_ok = true, off_gpu = false;
  std::vector<std::string> passed;
  if (auto checks = doc.find("checks"); checks != doc.end() && checks->is_array()) {
    for (const auto& c : *checks) {
      const std::string name = util::JsonStringOr(c, "name", "?"), status = util::JsonStringOr(c, "status", "?");
      const std::string device = util::JsonStringOr(c, "device", "");
      r.evidence.push_back(fmt::format("{}: {} — {}{}", name, status, util::JsonStringOr(c, "detail", ""),
                                       device.empty() ? "" : " [on " + device + "]"));
      if (status == "fail") checks_ok = false;
      if (status == "pass") passed.push_back(name);
      if (gpu && !device.empty() && !OnGpu(device)) {
        off_gpu = true;
        AddFinding(r, FakeAccelerationFinding(fw, target.python, fmt::format("{} ran on {}", name, device)));
      }
      if (gpu && name == "memory" && status == "fail") {
        off_gpu = true;
        AddFinding(r, FakeAccelerationFinding(fw, target.python, util::JsonStringOr(c, "detail", "GPU memory did not grow")));
      }
    }
  }
  if (gpu && fw == knowledge::kTorch && cuda_build &&
      (!doc.contains("cudnn_version") || doc["cudnn_version"].is_null() || !util::JsonBoolOr(doc, "cudnn_enabled", true))) {
    off_gpu = true;
    AddFinding(r, FakeAccelerationFinding(fw, target.python, "torch.backends.cudnn is unusable (no version or disabled)"));
  }
  for (const auto& w : warnings) {
    if (auto f = ClassifyFrameworkError(fw, w); f && (host_has_gpu || gpu)) AddFinding(r, *f);
  }
  if (!errors.empty() && checks_ok) checks_ok = false;
  if (gpu) {
    r.verdict = checks_ok && !off_gpu ? Verdict::kPass : Verdict::kFail;
    r.summary = r.verdict == Verdict::kPass
                    ? fmt::format("computes on the GPU: {} correct", util::Join(passed, ", "))
                    : fmt::format("GPU path failed{}", errors.empty() ? "" : ": " + errors.front());
  } else if (host_has_gpu) {
    r.verdict = Verdict::kFail;
    r.summary = cuda_build ? "a CUDA build, but it sees no GPU" : "a CPU-only build on a machine with a GPU";
    if (!cuda_build) {
      AddFinding(r, model::Finding{"framework.cpu_only_build", model::Severity::kError,
                                   fmt::format("{} is a CPU-only build on a machine with a GPU", fw),
                                   fmt::format("{} {} in {}", fw, str("version"), target.python),
                                   "Install its CUDA build (`dlenv doctor` names the wheel for this driver)"});
    } else if (r.findings.empty()) {
      AddFinding(r, CheckFailedFinding(fw, {}, r.summary + (warnings.empty() ? "" : ": " + warnings.front())));
    }
  } else {
    r.verdict = checks_ok ? Verdict::kPass : Verdict::kFail;
    r.summary = checks_ok ? fmt::format("CPU path (no GPU): {} correct", util::Join(passed, ", "))
                          : "CPU path failed" + (errors.empty() ? std::string() : ": " + errors.front());
    if (!checks_ok && r.findings.empty()) AddFinding(r, CheckFailedFinding(fw, {}, r.summary));
  }
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
    std::string tail = child.err.size() > 1500 ? child.err.substr(child.err.size() - 1500) : child.err;
    if (!util::Trim(tail).empty()) r.evidence.push_back("stderr: " + std::string(util::Trim(tail)));
    if (auto f = ClassifyFrameworkError(target.framework, child.err)) r.findings.push_back(*f);
    else if (hung) r.findings.push_back(CheckHungFinding(target.framework, {}, deadline));
    else if (child.outcome == util::ChildResult::Outcome::kSignaled) r.findings.push_back(CheckCrashedFinding(target.framework, {}, child.Describe()));
    else r.findings.push_back(CheckFailedFinding(target.framework, {}, r.summary));
    return r;
  }
  r = EvaluateFrameworkDocument(target, doc, host_has_gpu);
  if (r.verdict == Verdict::kSkip && !target.requested) r.summary = "not installed";
  r.seconds = child.seconds;
  return r;
}

}  // namespace dlenv::verify
