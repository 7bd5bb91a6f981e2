#include <memory>

#include "cli/commands.h"
#include "cli/options.h"
#include "fleet/command.h"

namespace dlenv::cli {
namespace {

CLI::App* AddSnapshot(CLI::App* fleet, fleet::SnapshotCommandOptions& snap) {
  auto* s = fleet->add_subcommand(
      "snapshot", "Write this node's report (environment, findings, GPU health) to DIR");
  s->add_option("-o,--output", snap.output_dir, "The shared folder of node reports")->required();
  AddOutputFlags(s, snap.output, {.json = false, .redact = true});
  AddMachineFlags(
      s, snap.machine,
      {.python = "The interpreter whose environment is this node's", .repeat_python = false});
  s->add_option("--prometheus", snap.prometheus,
                "Also write node_exporter's textfile (docs/fleet.md) to this file");
  s->add_option("--lock", snap.lock, "With --prometheus: drift against this team lock");
  s->footer(
      "Writes DIR/<node>.json atomically. Exit codes: 0 written, 2 bad input or unwritable "
      "folder.");
  return s;
}

CLI::App* AddCollect(CLI::App* fleet, fleet::CollectCommandOptions& col) {
  auto* c =
      fleet->add_subcommand("collect", "Run `fleet snapshot` on every node through Slurm's srun");
  c->add_option("-o,--output", col.output_dir, "The shared folder of node reports")->required();
  c->add_option("--partition", col.partition, "Slurm partition");
  c->add_option("--nodelist", col.nodelist,
                "Nodes, in Slurm's syntax (gpu[01-12,15]); default: sinfo's");
  c->add_option("--timeout", col.timeout_seconds, "Deadline per node in seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  c->footer(
      "Exit codes: 0 every node answered, 1 some did not, 2 bad input (no srun, bad node list).");
  return c;
}

CLI::App* AddReport(CLI::App* fleet, fleet::ReportCommandOptions& rep) {
  auto* r = fleet->add_subcommand(
      "report", "Group the nodes of DIR by environment; drift, health, missing nodes");
  r->add_option("dir", rep.dir, "The folder of node reports")->required();
  r->add_option("--lock", rep.lock,
                "The team's lock: the baseline (default: the majority environment)");
  r->add_option("--expect", rep.expect,
                "Nodes that should have reported (default: sinfo's, when Slurm is here)");
  AddOutputFlags(r, rep.output, {.markdown = true, .json_help = "Print JSON"});
  r->add_option("--html", rep.html, "Also write one self-contained HTML page here");
  r->add_option("--stale-after", rep.stale_after_seconds,
                "Seconds older than the newest report after which a report is stale (default 3600)")
      ->check(CLI::NonNegativeNumber);
  r->footer(
      "Exit codes: 0 consistent and healthy; 1 breaking drift, an unhealthy node, a missing node "
      "or a\n"
      "rejected report; 2 bad input (unreadable folder, bad lock). docs/fleet.md describes the "
      "output.");
  return r;
}

}  // namespace

Command AddFleet(CLI::App& app) {
  auto* fleet = app.add_subcommand(
      "fleet", "Drift and health of every node of a cluster: snapshot, collect, report");
  fleet->require_subcommand(1);
  auto snap = std::make_shared<fleet::SnapshotCommandOptions>();
  auto col = std::make_shared<fleet::CollectCommandOptions>();
  auto rep = std::make_shared<fleet::ReportCommandOptions>();
  CLI::App* s = AddSnapshot(fleet, *snap);
  CLI::App* c = AddCollect(fleet, *col);
  AddReport(fleet, *rep);
  return {fleet, [=] {
            if (s->parsed()) {
              ResolveMachine(snap->machine);
              return Emit(fleet::RunSnapshot(*snap));
            }
            if (c->parsed()) return Emit(fleet::RunCollect(*col));
            return Emit(fleet::RunReport(*rep));
          }};
}

}  // namespace dlenv::cli
