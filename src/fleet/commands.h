#pragma once
// The three `dlenv fleet` subcommands as library calls: each takes its options and returns
// what to print and the exit code (lock::CommandResult), so src/cli/fleet.cc only wires flags.

#include <optional>
#include <string>

#include "lock/commands.h"

namespace dlenv::fleet {

struct SnapshotCommandOptions {
  std::string output_dir;
  bool redact = false;
  std::optional<std::string> python;
  std::string root = "/";
  double timeout_seconds = 10;
  std::optional<std::string> prometheus;  // also write node_exporter's textfile here
  std::optional<std::string> lock;        // with prometheus: drift against this team lock
};
/// Writes DIR/<node>.json: the node's name is SLURMD_NODENAME under Slurm (the name
/// sinfo lists), else the short host name. Exit 0 written, 2 bad input or unwritable DIR.
lock::CommandResult RunSnapshot(const SnapshotCommandOptions& options);

enum class ReportFormat { kText, kMarkdown, kJson };
struct ReportCommandOptions {
  std::string dir;
  std::optional<std::string> lock;    // --lock team.lock
  std::optional<std::string> expect;  // --expect NODELIST
  std::optional<std::string> html;    // --html FILE (text still printed)
  ReportFormat format = ReportFormat::kText;
  std::int64_t stale_after_seconds = 3600;
  bool ask_slurm = true;  // without --expect, the expected nodes come from sinfo when present
};
/// Exit 0 consistent and healthy, 1 drift/unhealthy/missing/rejected, 2 bad input.
lock::CommandResult RunReport(const ReportCommandOptions& options);

struct CollectCommandOptions {
  std::string output_dir;
  std::optional<std::string> partition;
  std::optional<std::string> nodelist;
  int timeout_seconds = 120;
  std::string dlenv_binary;  // empty: /proc/self/exe
};
/// Exit 0 every node answered, 1 some did not, 2 bad input (no srun, bad node list).
lock::CommandResult RunCollect(const CollectCommandOptions& options);

}  // namespace dlenv::fleet
