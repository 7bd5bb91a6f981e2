#include "fleet/command.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "diagnose/diagnose.h"
#include "fleet/analysis.h"
#include "fleet/collect.h"
#include "fleet/fleet_dir.h"
#include "fleet/hostlist.h"
#include "fleet/node_document.h"
#include "fleet/render.h"
#include "lock/machine_lock.h"
#include "lock/prometheus.h"
#include "probe/identity.h"
#include "probe/slurm.h"
#include "report/redact.h"
#include "util/atomic_write.h"

namespace dlenv::fleet {
namespace {

using probe::FindOnPath;

/// Nodes as sinfo lists them; nullopt when sinfo is absent or fails (`error` says why).
std::optional<std::vector<SinfoNode>> QuerySinfo(const std::optional<std::string>& partition,
                                                 std::string& error) {
  if (!FindOnPath("sinfo")) {
    error = "sinfo is not on PATH";
    return std::nullopt;
  }
  probe::SlurmAccess slurm;
  slurm.deadline = std::chrono::seconds(15);
  auto argv = SinfoCommand(partition);
  auto r = probe::RunSlurm(argv, slurm);
  if (!r.ok()) {
    error = probe::SlurmFailure(r, argv);
    return std::nullopt;
  }
  return ParseSinfoNodes(r.out);
}

using model::CommandResult;
using model::ExitCode;

CommandResult Error(std::string message) { return model::UsageError(std::move(message)); }

CommandResult Result(std::string out, std::string error, ExitCode exit) {
  CommandResult r;
  r.out = std::move(out);
  r.error = std::move(error);
  r.exit = exit;
  return r;
}

std::string NowUtc() {
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now);
}

}  // namespace

CommandResult RunSnapshot(const SnapshotCommandOptions& options) {
  auto start = std::chrono::steady_clock::now();
  const double started_unix =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  probe::ProbeContext ctx = probe::MakeProbeContext(options.machine);
  model::Snapshot snapshot = diagnose::Diagnose(ctx);
  const auto& pythons = options.machine.pythons;
  const std::optional<std::string> python =
      pythons.empty() ? std::nullopt : std::optional<std::string>(pythons.front());

  // Slurm's name for the node first: that is what sinfo, --expect and srun use.
  std::string name = ShortHostname(ctx.env.Get("SLURMD_NODENAME").value_or(snapshot.host.hostname));
  if (name.empty()) {
    return Error(fmt::format(
        "cannot name this node's report: host name \"{}\" is empty or unusable as a file name",
        ctx.env.Get("SLURMD_NODENAME").value_or(snapshot.host.hostname)));
  }
  const model::PythonEnv* env = lock::SelectPythonEnv(snapshot, python, ctx.env);
  if (python && !env) {
    return Error(fmt::format("--python {}: no Python environment found there", *python));
  }
  std::ptrdiff_t env_index = env ? env - snapshot.python_envs.data() : -1;
  // The Prometheus textfile redacts its own copy (run.who) and needs the unredacted drift.
  std::optional<model::Snapshot> unredacted;
  if (options.prometheus) unredacted = snapshot;
  const model::Identity who = probe::ProbeIdentity(ctx.env);
  if (options.output.redact) snapshot = report::Redact(snapshot, who);
  lock::Lock lock =
      lock::BuildLock(snapshot, env_index >= 0 ? &snapshot.python_envs[env_index] : nullptr);
  std::string now = NowUtc();
  lock.generated_at = now;

  SnapshotInputs in;
  in.snapshot = &snapshot;
  in.lock = &lock;
  in.hostname = name;
  in.generated_at = now;
  in.duration_seconds =
      std::round(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() *
                 1000) /
      1000;
  nlohmann::json doc = SnapshotDocument(in);

  std::error_code ec;
  std::filesystem::create_directories(options.output_dir, ec);
  if (ec)
    return Error(fmt::format("{}: cannot create the folder: {}", options.output_dir, ec.message()));
  std::filesystem::path target = std::filesystem::path(options.output_dir) / (name + ".json");
  if (auto err = util::WriteFilesAtomically({{target, doc.dump(1) + "\n"}}); !err.empty())
    return Error(err);
  if (options.prometheus) {
    report::PrometheusRun run{started_unix, in.duration_seconds, options.output.redact, who};
    const model::PythonEnv* unredacted_env =
        env_index >= 0 ? &unredacted->python_envs[env_index] : nullptr;
    if (auto err = lock::WritePrometheus(*options.prometheus, options.lock, *unredacted,
                                         unredacted_env, run);
        !err.empty())
      return Error(err);
  }
  return Result(
      fmt::format(
          "Wrote {} ({}, {}, {} in {:.1f} s)\n", target.string(),
          doc["healthy"].get<bool>() ? "healthy" : "UNHEALTHY", ShortHash(lock.content_hash),
          snapshot.gpus.size() == 1 ? "1 GPU" : fmt::format("{} GPUs", snapshot.gpus.size()),
          in.duration_seconds),
      "", ExitCode::kOk);
}

CommandResult RunReport(const ReportCommandOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(options.dir, ec)) {
    return Error(fmt::format(
        "{}: not a folder of node reports (made with `dlenv fleet snapshot -o DIR`)", options.dir));
  }
  AnalysisOptions analysis;
  analysis.stale_after_seconds = options.stale_after_seconds;
  if (options.lock) {
    lock::MachineLock team = lock::LoadLock(*options.lock, probe::MachineOptions{});
    if (!team.lock) return Error(team.error);
    analysis.team_lock = std::move(team.lock);
    analysis.team_lock_name = *options.lock;
  }
  std::string notes;
  if (options.expect) {
    auto e = ExpandHostlist(*options.expect);
    if (!e.error.empty()) return Error("--expect: " + e.error);
    analysis.expected = std::move(e.hosts);
    analysis.expected_source = "--expect";
  } else if (options.ask_slurm && FindOnPath("sinfo")) {
    std::string error;
    if (auto nodes = QuerySinfo(std::nullopt, error)) {
      std::vector<std::string> names;
      for (const auto& n : *nodes) names.push_back(n.name);
      analysis.expected = std::move(names);
      analysis.expected_source = "sinfo";
    } else {
      notes = "note: " + error.substr(0, error.find('\n')) +
              "; missing nodes not checked (give --expect NODELIST)";
    }
  }

  FleetInput input = ReadFleetDir(options.dir);
  if (!input.error.empty()) return Error(input.error);
  if (input.nodes.empty() && input.rejected.empty()) {
    return Error(fmt::format(
        "{}: no node reports (*.json) in this folder; run `dlenv fleet snapshot -o {}` on "
        "each node, or `dlenv fleet collect -o {}`",
        options.dir, options.dir, options.dir));
  }
  FleetAnalysis a =
      AnalyzeFleet(std::move(input.nodes), std::move(input.rejected), input.environments, analysis);
  RenderContext ctx{options.dir};
  CommandResult r;
  r.document = FleetToJson(a, ctx);
  switch (options.output.format) {
    case model::Format::kText:
      r.out = RenderFleetText(a, ctx);
      break;
    case model::Format::kMarkdown:
      r.out = RenderFleetMarkdown(a, ctx);
      break;
    case model::Format::kJson:
      r.out = r.document.dump(2) + "\n";
      break;
  }
  r.error = notes;  // stderr: stdout stays one document for --json
  if (options.html) {
    if (auto err = util::WriteFilesAtomically({{*options.html, RenderFleetHtml(a, ctx)}});
        !err.empty()) {
      return Error(err);
    }
  }
  r.exit = a.ExitCode();
  return r;
}

CommandResult RunCollect(const CollectCommandOptions& options) {
  CollectPlan plan;
  std::error_code ec;
  plan.dlenv_binary = options.dlenv_binary.empty()
                          ? std::filesystem::read_symlink("/proc/self/exe", ec).string()
                          : options.dlenv_binary;
  plan.output_dir = std::filesystem::absolute(options.output_dir, ec).string();
  plan.partition = options.partition;
  plan.timeout_seconds = static_cast<int>(std::ceil(options.timeout_seconds));

  std::vector<SinfoNode> sinfo;
  std::string out;
  if (options.nodelist) {
    auto e = ExpandHostlist(*options.nodelist);
    if (!e.error.empty()) return Error("--nodelist: " + e.error);
    plan.nodes = std::move(e.hosts);
  }
  std::string sinfo_error;
  if (auto nodes = QuerySinfo(options.partition, sinfo_error)) {
    sinfo = std::move(*nodes);
    if (!options.nodelist) {
      for (const auto& n : sinfo) plan.nodes.push_back(n.name);
    }
  }
  std::sort(plan.nodes.begin(), plan.nodes.end());
  plan.nodes.erase(std::unique(plan.nodes.begin(), plan.nodes.end()), plan.nodes.end());

  std::string alternatives = "Without Slurm, the same collection:\n";
  for (const auto& l : OneLiners(plan)) alternatives += "  " + l + "\n";
  if (!FindOnPath("srun")) {
    return Result(alternatives, "srun is not on PATH: run one of the commands above instead",
                  ExitCode::kUsage);
  }
  if (plan.nodes.empty()) {
    return Result(alternatives,
                  fmt::format("no nodes to run on: give --nodelist ({})",
                              sinfo_error.empty() ? "sinfo listed none" : sinfo_error),
                  ExitCode::kUsage);
  }
  std::filesystem::create_directories(plan.output_dir, ec);
  if (ec)
    return Error(fmt::format("{}: cannot create the folder: {}", plan.output_dir, ec.message()));

  auto argv = SrunCommand(plan);
  std::string shown;
  for (const auto& a : argv) shown += (shown.empty() ? "" : " ") + ShellQuote(a);
  out += "Running: " + shown + "\n";
  auto started = std::filesystem::file_time_type::clock::now() - std::chrono::seconds(2);
  probe::SlurmAccess slurm;  // srun's own output is kept, capped
  slurm.deadline = std::chrono::seconds(SrunDeadlineSeconds(plan));
  slurm.max_output_bytes = 4u << 20;
  util::ChildResult srun = probe::RunSlurm(argv, slurm);

  std::map<std::string, bool> fresh;
  for (const auto& n : plan.nodes) {
    auto t = std::filesystem::last_write_time(
        std::filesystem::path(plan.output_dir) / (n + ".json"), ec);
    fresh[n] = !ec && t >= started;
  }
  CollectOutcome outcome =
      InterpretCollect(plan.nodes, fresh, sinfo, ParseSrunErrors(srun.err), srun.Describe());
  out += fmt::format("{} of {} nodes answered in {:.1f} s; reports in {}\n",
                     outcome.answered.size(), plan.nodes.size(), srun.seconds, plan.output_dir);
  if (!outcome.silent.empty()) {
    std::vector<std::string> names;
    for (const auto& s : outcome.silent) names.push_back(s.node);
    out += fmt::format("No answer from {} node(s): {}\n", outcome.silent.size(),
                       CompressHostlist(names));
    for (const auto& s : outcome.silent) out += fmt::format("  {}: {}\n", s.node, s.why);
  }
  out += fmt::format("Next: dlenv fleet report {}\n", ShellQuote(plan.output_dir));
  out += alternatives;
  return Result(out, "", outcome.silent.empty() ? ExitCode::kOk : ExitCode::kFindings);
}

}  // namespace dlenv::fleet
