#pragma once
// `dlenv health --drain`: what to ask Slurm, decided from the verdict and the node's state as
// `scontrol show node` prints it. Pure; health.cc runs the commands through
// src/probe/slurm.h.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "health/gpu_verdict.h"

namespace dlenv::health {

/// Every drain reason dlenv sets starts with this; a node drained with another reason was
/// drained by a person (or another tool) and dlenv never resumes it.
inline constexpr std::string_view kDrainReasonPrefix = "dlenv:";
/// Slurm keeps reasons short in sinfo's columns; longer ones are cut with "...".
inline constexpr std::size_t kMaxReasonLength = 200;

struct SlurmNode {
  std::string name;
  std::vector<std::string> states;  // IDLE, DRAIN, MIXED, DOWN ... from State=IDLE+DRAIN
  std::string reason;               // without the trailing " [user@time]"
  bool Drained() const;             // DRAIN flag set (draining or drained)
  bool DrainedByDlenv() const;      // and the reason is dlenv's own
};

/// Parses `scontrol show node NAME` (the default, multi-line format). nullopt when the text
/// holds no NodeName= (the node is not known, or the output is not scontrol's).
std::optional<SlurmNode> ParseScontrolShowNode(std::string_view text);

enum class DrainAction { kNone, kDrain, kResume };

struct DrainDecision {
  DrainAction action = DrainAction::kNone;
  std::string reason;  // for kDrain: "dlenv: <verdict>"
  std::string why;     // one line for the log: "drained by hand (reason 'bad fan'): left alone"
};

/// Unhealthy: drain, unless already drained by hand (a person's reason is kept) or already
/// drained by dlenv with the same reason. Healthy: resume when the drain is dlenv's own.
DrainDecision DecideDrain(const Verdict& verdict, const SlurmNode& node);

/// `scontrol update` arguments (after "scontrol") carrying out a decision; empty for kNone.
std::vector<std::string> ScontrolUpdateArgs(const DrainDecision& decision, const std::string& node);

/// The name Slurm knows this host by: the short host name, up to the first dot.
std::string ShortHostName(std::string_view hostname);

}  // namespace dlenv::health
