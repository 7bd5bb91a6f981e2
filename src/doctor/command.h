#pragma once
// `dlenv doctor`: probe, evaluate the rules, redact, render; optionally write node_exporter's
// textfile.

#include <optional>
#include <string>

#include "model/command.h"
#include "probe/context.h"

namespace dlenv::doctor {

struct DoctorOptions {
  probe::MachineOptions machine;
  model::OutputOptions output;
  std::optional<std::string> prometheus;  // also write node_exporter's textfile here
  std::optional<std::string> lock;        // with prometheus: drift against this team lock
};

/// Exit 0 without error findings, 1 with; 2 when the --prometheus file or --lock could not be
/// written or read (the report is still printed).
model::CommandResult RunDoctor(const DoctorOptions& options);

}  // namespace dlenv::doctor
