// `dlenv install`'s adapter to the world: probes the machine, reads pip's and uv's
// configuration files, asks the index, and with --run runs the command and `dlenv verify`.
#include "install/command.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "install/live_index.h"
#include "install/live_packages.h"
#include "install/pip_config.h"
#include "install/plan.h"
#include "knowledge/frameworks.h"
#include "probe/host.h"
#include "probe/http.h"
#include "probe/probes.h"
#include "rules/rules.h"
#include "util/environment.h"
#include "util/read_file.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::install {
namespace {

// pip.conf, uv.toml, os-release: small files; never block on a FIFO planted in their place.
std::optional<std::string> ReadText(const std::string& path) {
  return util::ReadRegularFile(path, 1u << 20).data;
}

// Runs the printed command, then `dlenv verify` on that environment as the proof. verify is
// another command: it runs as a child process of its own, never as a library. With a progress
// sink (the CLI), both children's output reaches the user as it comes (pip downloading
// gigabytes of CUDA wheels shows its progress); without one (tests), it is collected.
void RunPrinted(const std::string& command, const std::string& python_exe, bool has_gpu,
                const std::function<void(std::string_view)>& progress, model::CommandResult& out) {
  auto say = [&](const std::string& text) {
    if (progress)
      progress(text);
    else
      out.out += text;
  };
  util::StreamingOptions run;
  run.pass_through = static_cast<bool>(progress);
  run.keep_tail_bytes = progress ? 0 : 4u << 20;
  run.inherit_stdin = false;
  run.deadline = std::chrono::hours(2);  // a CUDA torch is gigabytes of wheels
  say("\nRunning: " + command + "\n");
  auto installed = util::RunStreaming({"/bin/sh", "-c", command}, run);
  if (!progress) out.out += installed.out + installed.err;
  if (!installed.ok()) {
    out.error = "the command failed: " + installed.Describe();
    out.exit = model::ExitCode::kFindings;
    return;
  }
  auto self = std::filesystem::read_symlink("/proc/self/exe").string();
  say("\nRunning: " + self + " verify --python " + python_exe + "\n");
  run.deadline = std::chrono::minutes(10);
  auto checked = util::RunStreaming({self, "verify", "--python", python_exe}, run);
  if (!progress) out.out += checked.out + checked.err;
  if (checked.ok()) return;
  const bool no_gpu_here = checked.outcome == util::ChildResult::Outcome::kExited &&
                           checked.exit_code == model::ToInt(model::ExitCode::kNoGpu);
  // Without a GPU the CPU build was installed, and verify's "no GPU, CPU paths passed" is
  // that build working; where a GPU is present, verify not finding it is a failure.
  if (no_gpu_here && !has_gpu) return;
  out.error = "dlenv verify did not pass: " + checked.Describe();
  out.exit = model::ExitCode::kFindings;
}

// The user's own index, as their package manager would read it (pip.conf / uv.toml and the
// PIP_* / UV_* variables).
UserIndex ReadUserIndex(const InstallRequest& request, const model::Snapshot& snapshot,
                        const Machine& host) {
  auto env = util::Environment::FromProcess();
  std::string prefix;
  for (const auto& e : snapshot.python_envs) {
    if (e.executable && *e.executable == host.python_exe) prefix = e.prefix;
  }
  std::vector<std::pair<std::string, std::string>> files;
  auto paths = request.manager == Manager::kUv ? UvConfigPaths(env) : PipConfigPaths(env, prefix);
  for (const auto& p : paths) {
    if (auto text = ReadText(p)) files.emplace_back(p, *text);
  }
  return request.manager == Manager::kUv ? ResolveUvIndex(env, files) : ResolvePipIndex(env, files);
}

// What the live index has for this host; nullopt (and why, in notes) when it was not asked or
// could not be reached, so that the plan comes from the embedded table.
std::optional<LiveIndex> AskIndex(const InstallRequest& request, const UserIndex& user,
                                  const FrameworkFacts& facts, const Machine& host,
                                  std::vector<std::string>& notes) {
  std::string offline_why;
  std::optional<LiveIndex> answer;
  if (request.offline) {
    offline_why = "--offline";
  } else if (!probe::HttpSupported()) {
    offline_why = "this dlenv was built without network support (the portable build)";
  } else {
    std::string cache = probe::DefaultCacheDir();
    Fetch fetch = [&](const probe::HttpRequest& r) {
      return probe::CachedHttpGet(r, cache, 3600, request.refresh);
    };
    bool reached = false;
    const auto* framework = knowledge::Frameworks().Resolve(request.framework);
    const bool torch = framework && framework->id == knowledge::kTorch;
    LiveIndex live = torch ? FetchTorchBuilds(request, user, facts, host, fetch, &reached)
                           : FetchFrameworkBuilds(request.framework, request, user, facts, host,
                                                  fetch, &reached);
    notes.insert(notes.end(), live.notes.begin(), live.notes.end());
    if (!reached) {
      offline_why = "the index could not be reached";
    } else {
      if (!cache.empty())
        notes.push_back(
            fmt::format("index pages are cached for an hour in {} (--refresh asks again)", cache));
      answer = std::move(live);
    }
  }
  if (!answer) {
    notes.push_back(fmt::format(
        "OFFLINE ANSWER ({}): from dlenv's embedded table dated {}; newer releases may exist",
        offline_why, facts.date));
  }
  return answer;
}

// --image: the official image this host's driver runs and whether this host can start it.
model::CommandResult RunImage(const InstallOptions& options) {
  model::Snapshot snapshot = probe::TakeSnapshot(probe::MakeProbeContext(options.machine));
  const auto findings = rules::Evaluate(snapshot, knowledge::BuiltinKnowledge());
  const ImagePlan plan =
      PlanImage(options.request.framework, snapshot, findings, knowledge::BuiltinFrameworkImages());
  model::CommandResult out;
  out.document = {{"ok", plan.ok},        {"images", plan.images},
                  {"run", plan.run_line}, {"blockers", plan.blockers},
                  {"error", plan.error},  {"table", plan.table_note}};
  if (!plan.ok) {
    out.error = plan.error + "\n(" + plan.table_note + ")";
    out.exit = model::ExitCode::kFindings;
    return out;
  }
  out.out = plan.run_line + "\n\nImages (newest this driver runs, each family):\n";
  for (const auto& i : plan.images) out.out += "  - " + i + "\n";
  if (plan.blockers.empty()) {
    out.out +=
        "\nThis host can start it with its GPUs (docker and the NVIDIA container toolkit "
        "are in place).\n";
  } else {
    out.out += "\nThis host cannot start it with its GPUs yet:\n";
    for (const auto& b : plan.blockers) out.out += "  - " + b + "\n";
  }
  out.out += "\n(" + plan.table_note + ")\n";
  return out;
}

}  // namespace

model::CommandResult RunInstall(const InstallOptions& options) {
  if (options.image) return RunImage(options);
  InstallRequest request = options.request;
  if (!options.machine.pythons.empty()) request.python = options.machine.pythons.front();
  request.timeout_seconds = options.machine.timeout_seconds;  // each index request
  if (request.arch.empty()) request.arch = probe::CpuArchitecture();
  model::Snapshot snapshot = probe::TakeSnapshot(probe::MakeProbeContext(options.machine));
  const FrameworkFacts& facts = BuiltinFrameworkFacts();
  Machine host = Describe(request, snapshot);
  const UserIndex user = ReadUserIndex(request, snapshot, host);
  std::vector<std::string> notes;
  if (!user.index_url.empty())
    notes.push_back(
        fmt::format("your index {} (from {}) is kept in the command", user.index_url, user.source));
  const std::optional<LiveIndex> live = AskIndex(request, user, facts, host, notes);

  InstallPlan plan = PlanInstall(request, snapshot, knowledge::BuiltinKnowledge(), facts,
                                 live ? &*live : nullptr, user);
  model::CommandResult out;
  std::string notes_text;
  for (const auto& n : notes) notes_text += "  - " + n + "\n";
  out.document = {{"ok", plan.ok},           {"command", plan.command}, {"reasons", plan.reasons},
                  {"error", plan.error},     {"notes", notes},          {"python", host.python_exe},
                  {"version", plan.version}, {"breaks", plan.breaks}};
  if (!plan.ok) {
    out.error = plan.error + "\n\nIndex:\n" + notes_text;
    out.exit = model::ExitCode::kFindings;
    return out;
  }
  out.out = plan.command + "\n\nWhy:\n";
  for (const auto& r : plan.reasons) out.out += "  - " + r + "\n";
  if (!plan.breaks.empty()) {
    out.out += "\nWhat it leaves broken here:\n";
    for (const auto& b : plan.breaks) out.out += "  - " + b + "\n";
  }
  out.out += "\nIndex:\n" + notes_text;
  if (options.run) {
    if (options.progress) {
      options.progress(out.out);
      out.out.clear();
    }
    RunPrinted(plan.command, host.python_exe, !snapshot.gpus.empty(), options.progress, out);
  }
  return out;
}

}  // namespace dlenv::install
