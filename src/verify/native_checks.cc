#include "verify/native_checks.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "model/json.h"
#include "util/json_read.h"
#include "util/strings.h"
#include "util/subprocess.h"
#include "verify/findings.h"
#include "verify/native/checks.h"
#include "verify/native/session.h"

namespace dlenv::verify {
namespace {

using nlohmann::json;

constexpr std::string_view kStartTag = "@dlenv-verify-start ";
constexpr std::string_view kResultTag = "@dlenv-verify-result ";

json ResultToJson(const CheckResult& r) {
  return {{"check", r.check},      {"gpus", r.gpus},       {"verdict", VerdictName(r.verdict)},
          {"seconds", r.seconds},  {"summary", r.summary}, {"evidence", r.evidence},
          {"findings", r.findings}};
}

CheckResult ResultFromJson(const json& j) {
  CheckResult r;
  // The child is dlenv's own, but it may have been cut off or its memory scribbled on by a
  // broken driver: every field is read by type (util/json_read.h).
  r.check = util::JsonStringOr(j, "check", "");
  r.gpus = util::JsonInts(j, "gpus");
  const std::string v = util::JsonStringOr(j, "verdict", "skip");
  r.verdict = v == "pass" ? Verdict::kPass : v == "fail" ? Verdict::kFail : Verdict::kSkip;
  r.seconds = util::JsonNumberOr(j, "seconds", 0.0);
  r.summary = util::JsonStringOr(j, "summary", "");
  r.evidence = util::JsonStrings(j, "evidence");
  if (auto f = j.find("findings"); f != j.end() && f->is_array()) {
    for (const auto& item : *f) {
      try {
        r.findings.push_back(item.get<model::Finding>());
      } catch (const nlohmann::json::exception&) {
        // a malformed finding is dropped, the rest of the result stays
      }
    }
  }
  return r;
}

// The native checks in the order they run, like the probes table (probe/probes.cc): each
// has a file in verify/native/. A check on each GPU runs once per selected GPU; one across
// GPUs (NCCL) once with all of them; one between pairs (peer copies) once with all of them when
// there are two or more. When a check that opens the context fails, the later
// checks on that GPU are skipped.
enum class Scope { kEachGpu, kAcrossGpus, kBetweenPairs };
struct NativeCheck {
  std::string_view name;
  Scope scope;
  native::CheckFn run;
  bool opens_context = false;
};
constexpr NativeCheck kNativeChecks[] = {
    {"context", Scope::kEachGpu, native::CheckContext, /*opens_context=*/true},
    {"memory", Scope::kEachGpu, native::CheckMemory},
    {"kernel", Scope::kEachGpu, native::CheckKernel},
    {"cublas", Scope::kEachGpu, native::CheckCublas},
    {"cudnn", Scope::kEachGpu, native::CheckCudnn},
    {"nccl", Scope::kAcrossGpus, native::CheckNccl},
    {"transfers", Scope::kEachGpu, native::CheckTransfers},
    {"peer", Scope::kBetweenPairs, native::CheckPeer},
};

const NativeCheck* FindCheck(std::string_view name) {
  for (const auto& c : kNativeChecks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool OpensContext(std::string_view check) {
  const NativeCheck* c = FindCheck(check);
  return c && c->opens_context;
}

CheckResult RunOne(native::Session& session, const NativeItem& item) {
  const auto start = native::Clock::now();
  CheckResult r;
  r.check = item.check;
  r.gpus = item.gpus;
  if (session.LoadDriver(r)) {
    if (const NativeCheck* found = FindCheck(item.check)) {
      found->run(session, item.gpus, r);
    } else {
      native::Fail(r, "unknown check " + item.check);
    }
  }
  r.seconds = native::Since(start);
  return r;
}

void Emit(std::string_view tag, const std::string& payload) {
  std::string line(tag);
  line += payload;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

CheckResult DiedResult(const NativeItem& item, const util::ChildResult& child,
                       std::chrono::milliseconds deadline) {
  CheckResult r;
  r.check = item.check;
  r.gpus = item.gpus;
  r.verdict = Verdict::kFail;
  const bool hung =
      child.outcome == util::ChildResult::Outcome::kTimedOut ||
      (child.outcome == util::ChildResult::Outcome::kSignaled && child.signal == SIGALRM);
  if (hung) {
    r.summary = fmt::format("did not finish within {:.0f} s (hung in the driver or a library)",
                            deadline.count() / 1000.0);
    r.findings.push_back(CheckHungFinding(item.check, item.gpus, deadline));
  } else {
    r.summary = "the process running it died: " + child.Describe();
    r.findings.push_back(CheckCrashedFinding(item.check, item.gpus, child.Describe()));
  }
  std::string tail =
      child.err.size() > 2000 ? child.err.substr(child.err.size() - 2000) : child.err;
  if (!util::Trim(tail).empty()) r.evidence.push_back("stderr: " + std::string(util::Trim(tail)));
  return r;
}

}  // namespace

std::vector<NativeItem> PlanNativeItems(const std::vector<int>& gpus) {
  std::vector<NativeItem> items;
  for (const auto& check : kNativeChecks) {
    if (check.scope == Scope::kAcrossGpus) {
      if (!gpus.empty()) items.push_back({std::string(check.name), gpus});
    } else if (check.scope == Scope::kBetweenPairs) {
      if (gpus.size() >= 2) items.push_back({std::string(check.name), gpus});
    } else {
      for (int g : gpus) items.push_back({std::string(check.name), {g}});
    }
  }
  return items;
}

int RunNativeItems(const NativePlan& plan, std::size_t first, const std::vector<int>& skip_gpus) {
  native::Session session(plan);
  std::set<int> dead(skip_gpus.begin(), skip_gpus.end());
  const unsigned alarm_seconds =
      static_cast<unsigned>(std::max<long long>(1, (plan.item_deadline.count() + 999) / 1000));
  for (std::size_t i = first; i < plan.items.size(); ++i) {
    const NativeItem& item = plan.items[i];
    CheckResult r;
    bool skipped = false;
    for (int g : item.gpus) {
      if (dead.count(g)) {
        r.check = item.check;
        r.gpus = item.gpus;
        r.summary = fmt::format("skipped: no working context on GPU {}", g);
        skipped = true;
      }
    }
    if (!skipped) {
      Emit(kStartTag, std::to_string(i));
      alarm(alarm_seconds);  // a hang becomes SIGALRM, which the parent reads as a timeout
      r = RunOne(session, item);
      alarm(0);
      if (OpensContext(item.check) && r.verdict == Verdict::kFail)
        dead.insert(item.gpus.begin(), item.gpus.end());
    }
    json j = ResultToJson(r);
    j["item"] = i;
    Emit(kResultTag, j.dump());
  }
  return 0;
}

NativeChildOutput ParseNativeChildOutput(std::string_view out) {
  NativeChildOutput parsed;
  for (auto line : util::Lines(out)) {
    if (line.starts_with(kStartTag)) {
      if (auto i = util::ParseInt(line.substr(kStartTag.size())); i && *i >= 0) {
        parsed.last_started = static_cast<std::size_t>(*i);
      }
    } else if (line.starts_with(kResultTag)) {
      json j = json::parse(line.substr(kResultTag.size()), nullptr, false);
      if (!j.is_object() || !j.contains("item") || !j["item"].is_number_unsigned()) continue;
      parsed.results.emplace_back(j["item"].get<std::size_t>(), ResultFromJson(j));
    }
  }
  return parsed;
}

std::vector<CheckResult> RunNativeChecks(const NativePlan& plan) {
  std::vector<std::optional<CheckResult>> results(plan.items.size());
  std::vector<int> dead;
  std::size_t next = 0;
  while (next < plan.items.size()) {
    util::ChildOptions options;
    const auto left = static_cast<long long>(plan.items.size() - next);
    options.deadline = plan.item_deadline * left + std::chrono::seconds(2);
    const auto child = util::RunInChild([&] { return RunNativeItems(plan, next, dead); }, options);
    const auto parsed = ParseNativeChildOutput(child.out);
    for (const auto& [i, r] : parsed.results) {
      if (i < results.size()) {
        results[i] = r;
        if (OpensContext(r.check) && r.verdict == Verdict::kFail)
          dead.insert(dead.end(), r.gpus.begin(), r.gpus.end());
      }
    }
    std::size_t resume = plan.items.size();
    for (std::size_t i = next; i < plan.items.size(); ++i) {
      if (!results[i]) {
        resume = i;
        break;
      }
    }
    if (resume == plan.items.size()) break;
    // The child stopped inside item `resume` (or before it started, where the failure
    // belongs to the same place): that item gets the verdict, a fresh child goes on.
    results[resume] = DiedResult(plan.items[resume], child, plan.item_deadline);
    if (OpensContext(plan.items[resume].check)) {
      dead.insert(dead.end(), plan.items[resume].gpus.begin(), plan.items[resume].gpus.end());
    }
    next = resume + 1;
  }
  std::vector<CheckResult> out;
  for (auto& r : results) {
    if (r) out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace dlenv::verify
