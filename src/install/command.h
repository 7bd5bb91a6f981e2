#pragma once
// `dlenv install FRAMEWORK`: probes this machine, reads pip's and uv's configuration, asks the
// index, plans (install_plan.h), and with --run runs the command and then `dlenv verify`.

#include <functional>
#include <string_view>

#include "install/install_plan.h"
#include "model/command.h"
#include "probe/context.h"

namespace dlenv::install {

struct InstallOptions {
  InstallRequest request;         // what to install; request.python comes from machine.pythons
  probe::MachineOptions machine;  // --python: the environment it installs into
  bool run = false;               // --run: run the command, then dlenv verify
  bool image = false;             // --image: the official container image instead (PlanImage)
  /// With run: where the plan is shown before the command starts, so that the user sees it
  /// while pip works (the CLI prints it at once); unset: it goes into the result's out.
  std::function<void(std::string_view)> progress;
};

/// Exit 0 when a command was found (and with run: installed and verified, or verified on the
/// CPU where this machine has no GPU), 1 when none runs here or run/verify failed.
model::CommandResult RunInstall(const InstallOptions& options);

}  // namespace dlenv::install
