#include <memory>

#include "cli/commands.h"
#include "cli/lock_common.h"
#include "cli/python_arg.h"
#include "fleet/commands.h"

namespace dlenv::cli {

Command AddFleet(CLI::App& app) {
  auto* fleet = app.add_subcommand(
      "fleet", "Drift and health of every node of a cluster: snapshot, collect, report");
  fleet->require_subcommand(1);

  auto snap = std::make_shared<fleet::SnapshotCommandOptions>();
  auto* s = fleet->add_subcommand(
      "snapshot", "Write this node's report (environment, findings, GPU health) to DIR");
  s->add_option("-o,--output", snap->output_dir, "The shared folder of node reports")->required();
  s->add_flag("--redact", snap->redact,
              "Replace user names, home folders, GPU UUIDs and serials, IP addresses");
  s->add_option("--python", snap->python, "The interpreter whose environment is this node's");
  s->add_option("--prometheus", snap->prometheus,
                "Also write node_exporter's textfile (docs/fleet.md) to this file");
  s->add_option("--lock", snap->lock, "With --prometheus: drift against this team lock");
  s->add_option("--timeout", snap->timeout_seconds,
                "Deadline in seconds for each call into a driver library")
      ->check(CLI::PositiveNumber);
  s->footer(
      "Writes DIR/<node>.json atomically. Exit codes: 0 written, 2 bad input or unwritable "
      "folder.");

  auto col = std::make_shared<fleet::CollectCommandOptions>();
  auto* c =
      fleet->add_subcommand("collect", "Run `fleet snapshot` on every node through Slurm's srun");
  c->add_option("-o,--output", col->output_dir, "The shared folder of node reports")->required();
  c->add_option("--partition", col->partition, "Slurm partition");
  c->add_option("--nodelist", col->nodelist,
                "Nodes, in Slurm's syntax (gpu[01-12,15]); default: sinfo's");
  c->add_option("--timeout", col->timeout_seconds, "Deadline per node in seconds (default 120)")
      ->check(CLI::PositiveNumber);
  c->footer(
      "Exit codes: 0 every node answered, 1 some did not, 2 bad input (no srun, bad node list).");

  auto rep = std::make_shared<fleet::ReportCommandOptions>();
  auto* r = fleet->add_subcommand(
      "report", "Group the nodes of DIR by environment; drift, health, missing nodes");
  r->add_option("dir", rep->dir, "The folder of node reports")->required();
  r->add_option("--lock", rep->lock,
                "The team's lock: the baseline (default: the majority environment)");
  r->add_option("--expect", rep->expect,
                "Nodes that should have reported (default: sinfo's, when Slurm is here)");
  auto* md = r->add_flag_callback(
      "--markdown", [rep] { rep->format = fleet::ReportFormat::kMarkdown; }, "Print Markdown");
  r->add_flag_callback(
       "--json", [rep] { rep->format = fleet::ReportFormat::kJson; }, "Print JSON")
      ->excludes(md);
  r->add_option("--html", rep->html, "Also write one self-contained HTML page here");
  r->add_option("--stale-after", rep->stale_after_seconds,
                "Seconds older than the newest report after which a report is stale (default 3600)")
      ->check(CLI::NonNegativeNumber);
  r->footer(
      "Exit codes: 0 consistent and healthy; 1 breaking drift, an unhealthy node, a missing node "
      "or a\n"
      "rejected report; 2 bad input (unreadable folder, bad lock). docs/fleet.md describes the "
      "output.");

  return {fleet, [=] {
            if (s->parsed()) {
              if (snap->python) snap->python = ResolvePython(*snap->python);
              return Emit(fleet::RunSnapshot(*snap));
            }
            if (c->parsed()) return Emit(fleet::RunCollect(*col));
            return Emit(fleet::RunReport(*rep));
          }};
}

}  // namespace dlenv::cli
