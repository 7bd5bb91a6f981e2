#include "health/command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>

#include "health/drain.h"
#include "health/gpu_verdict.h"
#include "lock/diff.h"
#include "lock/machine_lock.h"
#include "probe/driver.h"
#include "probe/host.h"
#include "probe/probes.h"
#include "probe/slurm.h"

namespace dlenv::health {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds Ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

// "breaking drift against team.lock: torch 2.5.1 -> 2.4.0 (and 2 more)"
std::optional<std::string> BreakingDrift(const lock::Lock& team, const lock::Lock& here,
                                         const std::string& path) {
  lock::LockDiff diff = lock::DiffLocks(team, here);
  std::vector<const lock::Change*> breaking;
  for (const auto& c : diff.changes)
    if (c.impact == lock::Impact::kBreaking) breaking.push_back(&c);
  if (breaking.empty()) return std::nullopt;
  const lock::Change& c = *breaking.front();
  std::string first =
      fmt::format("{} {} -> {}", c.item, c.from.value_or("(none)"), c.to.value_or("(none)"));
  if (breaking.size() > 1) first += fmt::format(" (and {} more)", breaking.size() - 1);
  return fmt::format("breaking drift against {}: {}", path, first);
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

}  // namespace

model::CommandResult RunHealth(const HealthOptions& options) {
  model::CommandResult out;
  const double timeout_seconds = options.machine.timeout_seconds;
  const auto start = Clock::now();
  const auto deadline = start + Ms(timeout_seconds);
  // With --drain, keep half the deadline for the two scontrol calls.
  probe::MachineOptions machine = options.machine;
  machine.timeout_seconds = options.drain ? timeout_seconds * 0.5 : timeout_seconds;
  probe::ProbeContext ctx = probe::MakeProbeContext(machine);
  const std::optional<std::string> python =
      machine.pythons.empty() ? std::nullopt : std::optional<std::string>(machine.pythons.front());

  std::vector<std::string> extra;
  model::Snapshot snapshot;
  if (options.lock) {
    // The lock names Python packages: this run needs the whole scan, not only the driver.
    lock::MachineLock team = lock::LoadLock(*options.lock, probe::MachineOptions{});
    if (!team.lock) return model::UsageError(team.error);
    snapshot = probe::TakeSnapshot(ctx);
    const model::PythonEnv* env = lock::SelectPythonEnv(snapshot, python, ctx.env);
    lock::Lock here = lock::BuildLock(snapshot, env);
    if (auto drift = BreakingDrift(*team.lock, here, *options.lock)) extra.push_back(*drift);
  } else {
    probe::ProbeHost(ctx, snapshot);
    probe::ProbeDriver(ctx, snapshot);
  }
  const Verdict verdict = AssessNode(snapshot, extra);
  out.exit = verdict.healthy ? model::ExitCode::kOk : model::ExitCode::kFindings;
  out.out = (verdict.healthy ? "" : "unhealthy: ") + verdict.summary + "\n";
  out.document = {
      {"healthy", verdict.healthy}, {"summary", verdict.summary}, {"reasons", verdict.reasons}};
  if (!options.drain) return out;

  probe::SlurmAccess slurm;
  slurm.slurm_conf = options.slurm_conf;
  const std::string node = options.node_name.value_or(ShortHostName(HostName()));
  // A share of what is left of the deadline (at least 100 ms, so that a late answer is still
  // waited for a moment).
  auto remaining = [&](int divisor) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return std::max(left / divisor, std::chrono::milliseconds(100));
  };
  slurm.deadline = remaining(2);
  const std::vector<std::string> show = {"scontrol", "show", "node", node};
  auto shown = probe::RunSlurm(show, slurm);
  std::optional<SlurmNode> state;
  if (shown.ok()) state = ParseScontrolShowNode(shown.out);
  if (!state) {
    out.error =
        fmt::format("cannot read node {} from Slurm, nothing changed: {}", node,
                    shown.ok() ? "no node in scontrol's output" : probe::SlurmFailure(shown, show));
    return out;
  }
  DrainDecision decision = DecideDrain(verdict, *state);
  auto args = ScontrolUpdateArgs(decision, node);
  if (!args.empty()) {
    args.insert(args.begin(), "scontrol");
    slurm.deadline = remaining(1);
    if (auto r = probe::RunSlurm(args, slurm); !r.ok()) {
      out.error = fmt::format("could not update node {}: {}", node, probe::SlurmFailure(r, args));
      return out;
    }
  }
  if (!decision.why.empty()) out.error = fmt::format("slurm node {}: {}", node, decision.why);
  return out;
}

}  // namespace dlenv::health
