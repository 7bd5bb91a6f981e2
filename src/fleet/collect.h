#pragma once
// `dlenv fleet collect`, the pure part: the srun command that runs `fleet snapshot` once on
// every node, the one-liners for clusters without Slurm, and what the folder and Slurm's
// messages say afterwards about the nodes that did not answer. slurm.h runs the commands.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dlenv::fleet {

struct CollectPlan {
  std::string dlenv_binary;  // this binary, as the nodes see it (a shared path)
  std::string output_dir;
  std::optional<std::string> partition;
  std::vector<std::string> nodes;  // the nodes to run on (expanded)
  int timeout_seconds = 120;       // per node
};

/// srun --nodes=N --ntasks=N --ntasks-per-node=1 [--partition=P] --nodelist=L --time=M
///      --immediate=S --kill-on-bad-exit=0 --job-name=dlenv-fleet DLENV fleet snapshot -o DIR
std::vector<std::string> SrunCommand(const CollectPlan& plan);

/// How long to let srun itself run before giving up on it: the per-node deadline, plus
/// the time Slurm may take to allocate (--immediate) and to start the steps.
int SrunDeadlineSeconds(const CollectPlan& plan);

/// The same collection without Slurm, as commands to paste: pdsh, clush, and an ssh loop.
std::vector<std::string> OneLiners(const CollectPlan& plan);

/// A node as `sinfo -h -N -o '%n|%T|%E'` lists it.
struct SinfoNode {
  std::string name;
  std::string state;   // idle, mixed, allocated, down*, drained, ...
  std::string reason;  // why an admin or Slurm took it out; empty when none
};
std::vector<SinfoNode> ParseSinfoNodes(std::string_view text);
/// Sinfo's command for the nodes of a partition (all of the cluster when none).
std::vector<std::string> SinfoCommand(const std::optional<std::string>& partition);

/// Per node, what srun's stderr says went wrong ("srun: error: gpu07: task 6: Exited with
/// exit code 2", "srun: error: Task launch for StepId=... failed on node gpu09: ...").
std::map<std::string, std::string> ParseSrunErrors(std::string_view stderr_text);

struct CollectOutcome {
  std::vector<std::string> answered;
  struct Silent {
    std::string node;
    std::string why;
  };
  std::vector<Silent> silent;  // no fresh report: why, if Slurm said
};

/// `fresh`: node name -> whether DIR holds a report written since the collection started.
CollectOutcome InterpretCollect(const std::vector<std::string>& nodes,
                                const std::map<std::string, bool>& fresh,
                                const std::vector<SinfoNode>& sinfo,
                                const std::map<std::string, std::string>& srun_errors,
                                const std::string& srun_outcome);

/// Single-quotes a word for a POSIX shell.
std::string ShellQuote(std::string_view word);

}  // namespace dlenv::fleet
