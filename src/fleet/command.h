#pragma once
// The three `dlenv fleet` subcommands: snapshot, collect, report.

#include <cstdint>
#include <optional>
#include <string>

#include "model/command.h"
#include "probe/context.h"

namespace dlenv::fleet {

struct SnapshotCommandOptions {
  std::string output_dir;
  probe::MachineOptions machine;          // machine.pythons: the environment locked into the report
  model::OutputOptions output;            // output.redact
  std::optional<std::string> prometheus;  // also write node_exporter's textfile here
  std::optional<std::string> lock;        // with prometheus: drift against this team lock
};
/// Writes DIR/<node>.json: the node's name is SLURMD_NODENAME under Slurm (the name
/// sinfo lists), else the short host name. Exit 0 written, 2 bad input or unwritable DIR.
model::CommandResult RunSnapshot(const SnapshotCommandOptions& options);

struct ReportCommandOptions {
  std::string dir;
  std::optional<std::string> lock;    // --lock team.lock
  std::optional<std::string> expect;  // --expect NODELIST
  std::optional<std::string> html;    // --html FILE (text still printed)
  model::OutputOptions output;        // text, --markdown or --json
  std::int64_t stale_after_seconds = 3600;
  bool ask_slurm = true;  // without --expect, the expected nodes come from sinfo when present
};
/// Exit 0 consistent and healthy, 1 drift/unhealthy/missing/rejected, 2 bad input.
model::CommandResult RunReport(const ReportCommandOptions& options);

struct CollectCommandOptions {
  std::string output_dir;
  std::optional<std::string> partition;
  std::optional<std::string> nodelist;
  double timeout_seconds = 120;  // per node (Slurm and pdsh take whole seconds: rounded up)
  std::string dlenv_binary;      // empty: /proc/self/exe
};
/// Exit 0 every node answered, 1 some did not, 2 bad input (no srun, bad node list).
model::CommandResult RunCollect(const CollectCommandOptions& options);

}  // namespace dlenv::fleet
