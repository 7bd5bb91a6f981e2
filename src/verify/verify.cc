#include "verify/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "gpu/cublas.h"
#include "gpu/cudnn.h"
#include "gpu/nccl.h"
#include "model/json.h"
#include "probe/library_candidates.h"
#include "probe/probes.h"
#include "util/strings.h"
#include "verify/findings.h"
#include "verify/framework_checks.h"
#include "verify/native_checks.h"

namespace dlenv::verify {
namespace {

std::optional<std::string> NoGpuReason(const model::Snapshot& s) {
  const auto& d = s.driver;
  if (d.cuda_device_count && *d.cuda_device_count > 0) return std::nullopt;
  if (d.probe_status == model::ProbeStatus::kTimeout ||
      d.probe_status == model::ProbeStatus::kCrashed) {
    return "the driver probe " +
           std::string(d.probe_status == model::ProbeStatus::kTimeout ? "hung" : "crashed") +
           (d.probe_detail ? " (" + *d.probe_detail + ")" : "");
  }
  if (d.cuda_load_error) return "no CUDA driver library loads (" + *d.cuda_load_error + ")";
  if (d.cuda_init_status && *d.cuda_init_status != 0) {
    return "cuInit failed: " + d.cuda_init_error.value_or(std::to_string(*d.cuda_init_status));
  }
  return "the CUDA driver sees no GPU";
}

}  // namespace

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "fail";
    case Verdict::kSkip:
      return "skip";
  }
  return "?";
}

VerifyReport Verify(const probe::ProbeContext& ctx, const model::Snapshot& snapshot,
                    const VerifyOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  VerifyReport report;
  const auto deadline =
      std::chrono::milliseconds(static_cast<long long>(options.machine.timeout_seconds * 1000));
  report.no_gpu = NoGpuReason(snapshot);
  if (!report.no_gpu) {
    NativePlan plan;
    const int count = *snapshot.driver.cuda_device_count;
    std::vector<int> gpus = options.gpus;
    if (gpus.empty()) {
      for (int i = 0; i < count; ++i) gpus.push_back(i);
    }
    std::vector<int> absent;
    std::erase_if(gpus, [&](int g) {
      if (g >= 0 && g < count) return false;
      absent.push_back(g);
      return true;
    });
    for (int g : absent) {
      const std::string why = fmt::format("--gpu {}: CUDA sees {} GPU{} (ordinals 0 to {})", g,
                                          count, count == 1 ? "" : "s", count - 1);
      report.checks.push_back({"context",
                               {g},
                               std::nullopt,
                               Verdict::kFail,
                               0,
                               why,
                               {},
                               {CheckFailedFinding("context", {g}, why)}});
    }
    plan.items = PlanNativeItems(gpus);
    plan.memory_fraction = options.memory_fraction;
    plan.item_deadline = deadline;
    plan.env = ctx.env;
    plan.cublas_candidates = probe::FindLibraryCandidates(ctx, snapshot, gpu::CublasSpec());
    plan.cudnn_candidates = probe::FindLibraryCandidates(ctx, snapshot, gpu::CudnnSpec());
    plan.nccl_candidates = probe::FindLibraryCandidates(ctx, snapshot, gpu::NcclSpec());
    plan.driver_cuda_version = snapshot.driver.cuda_driver_version;
    for (auto& r : RunNativeChecks(plan)) report.checks.push_back(std::move(r));
  }
  const bool skip_frameworks = std::find(options.frameworks.begin(), options.frameworks.end(),
                                         "none") != options.frameworks.end();
  if (!skip_frameworks) {
    for (const auto& target :
         PlanFrameworkTargets(snapshot, options.machine.pythons, options.frameworks)) {
      auto r = RunFrameworkCheck(target, ctx.env, deadline, !report.no_gpu);
      if (r.verdict == Verdict::kSkip && !target.requested) continue;  // not installed there
      report.checks.push_back(std::move(r));
    }
  }
  for (const auto& c : report.checks) {
    report.findings.insert(report.findings.end(), c.findings.begin(), c.findings.end());
  }
  std::stable_sort(
      report.findings.begin(), report.findings.end(),
      [](const model::Finding& a, const model::Finding& b) { return a.severity > b.severity; });
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

model::ExitCode ExitCodeFor(const VerifyReport& report) {
  for (const auto& c : report.checks) {
    if (c.verdict == Verdict::kFail) return model::ExitCode::kFindings;
  }
  if (model::ExitFor(report.findings) != model::ExitCode::kOk) return model::ExitCode::kFindings;
  return report.no_gpu ? model::ExitCode::kNoGpu : model::ExitCode::kOk;
}

std::string RenderVerifyText(const VerifyReport& report, bool color) {
  auto paint = [&](Verdict v, std::string_view s) {
    if (!color) return std::string(s);
    const char* code = v == Verdict::kPass ? "32" : v == Verdict::kFail ? "31" : "33";
    return fmt::format("\033[{}m{}\033[0m", code, s);
  };
  std::string out;
  if (report.no_gpu)
    out += fmt::format(
        "No GPU to verify: {}. Native checks skipped; frameworks checked on their CPU path.\n",
        *report.no_gpu);
  for (const auto& c : report.checks) {
    std::string where;
    if (!c.gpus.empty()) {
      std::vector<std::string> g;
      for (int i : c.gpus) g.push_back(std::to_string(i));
      where = " gpu " + util::Join(g, ",");
    }
    if (c.python) where = " " + *c.python;
    std::string verdict(VerdictName(c.verdict));
    for (auto& ch : verdict) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    out += fmt::format("{} {:<10}{:<10} {:>7.3f}s  {}\n",
                       paint(c.verdict, fmt::format("{:<4}", verdict)), c.check, where, c.seconds,
                       c.summary);
    for (const auto& e : c.evidence) out += fmt::format("       {}\n", e);
  }
  if (!report.findings.empty()) {
    out += "\nFindings:\n";
    for (const auto& f : report.findings) {
      out += fmt::format("  {} [{}] {}\n    evidence: {}\n    fix: {}\n",
                         model::SeverityName(f.severity), f.id, f.title, f.evidence, f.fix);
    }
  }
  int pass = 0, fail = 0, skip = 0;
  for (const auto& c : report.checks) {
    (c.verdict == Verdict::kPass ? pass : c.verdict == Verdict::kFail ? fail : skip)++;
  }
  out += fmt::format("\n{} passed, {} failed, {} skipped in {:.2f} s\n", pass, fail, skip,
                     report.seconds);
  return out;
}

nlohmann::json VerifyToJson(const VerifyReport& report) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : report.checks) {
    checks.push_back({{"check", c.check},
                      {"gpus", c.gpus},
                      {"python", c.python},
                      {"verdict", VerdictName(c.verdict)},
                      {"seconds", c.seconds},
                      {"summary", c.summary},
                      {"evidence", c.evidence},
                      {"findings", c.findings}});
  }
  return {{"schema_version", 1},
          {"dlenv_version", DLENV_VERSION},
          {"no_gpu", report.no_gpu},
          {"checks", checks},
          {"findings", report.findings},
          {"seconds", report.seconds},
          {"exit_code", model::ToInt(ExitCodeFor(report))}};
}

}  // namespace dlenv::verify
