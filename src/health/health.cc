#include "health/health.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>

#include "doctor/doctor.h"
#include "health/drain.h"
#include "lock/check.h"
#include "lock/commands.h"
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

HealthOutput RunHealth(const HealthOptions& options) {
  HealthOutput out;
  const auto start = Clock::now();
  const auto deadline = start + Ms(options.timeout_seconds);
  // With --drain, keep half the deadline for the two scontrol calls.
  const double driver_seconds =
      options.drain ? options.timeout_seconds * 0.5 : options.timeout_seconds;

  doctor::DoctorOptions d;
  d.timeout_seconds = driver_seconds;
  if (options.python) d.pythons.push_back(*options.python);
  probe::ProbeContext ctx = doctor::MakeProbeContext(d);

  std::vector<std::string> extra;
  model::Snapshot snapshot;
  if (options.lock) {
    // The lock names Python packages: this run needs the whole scan, not only the driver.
    lock::MachineLock team = lock::LoadLock(*options.lock, lock::MachineOptions{});
    if (!team.lock) {
      out.error = team.error + "\n";
      out.exit_code = 2;
      return out;
    }
    snapshot = probe::TakeSnapshot(ctx);
    const model::PythonEnv* env = lock::SelectPythonEnv(snapshot, options.python, ctx.env);
    lock::Lock here = lock::BuildLock(snapshot, env);
    if (auto drift = BreakingDrift(*team.lock, here, *options.lock)) extra.push_back(*drift);
  } else {
    probe::ProbeHost(ctx, snapshot);
    probe::ProbeDriver(ctx, snapshot);
  }
  out.verdict = AssessNode(snapshot, extra);
  out.exit_code = out.verdict.healthy ? 0 : 1;
  out.out = (out.verdict.healthy ? "" : "unhealthy: ") + out.verdict.summary + "\n";
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
    out.error = fmt::format("dlenv health: cannot read node {} from Slurm, nothing changed: {}\n",
                            node,
                            shown.ok() ? "no node in scontrol's output"
                                       : probe::SlurmFailure(shown, show));
    return out;
  }
  DrainDecision decision = DecideDrain(out.verdict, *state);
  auto args = ScontrolUpdateArgs(decision, node);
  if (!args.empty()) {
    args.insert(args.begin(), "scontrol");
    slurm.deadline = remaining(1);
    if (auto r = probe::RunSlurm(args, slurm); !r.ok()) {
      out.error = fmt::format("dlenv health: could not update node {}: {}\n", node,
                              probe::SlurmFailure(r, args));
      return out;
    }
  }
  if (!decision.why.empty())
    out.error = fmt::format("dlenv health: slurm node {}: {}\n", node, decision.why);
  return out;
}

}  // namespace dlenv::health
