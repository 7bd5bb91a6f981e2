#pragma once
// `dlenv bench` and `dlenv compare`: discover, measure, render, and write the optional HTML and
// JSON files. Measuring itself is MeasureBench (bench.h) and MeasureCompare (compare.h); the
// command options are <Name>CommandOptions because the room's library has <Name>Options.

#include <optional>
#include <string>

#include "bench/bench.h"
#include "bench/compare.h"
#include "model/command.h"
#include "probe/context.h"

namespace dlenv::bench {

struct BenchCommandOptions {
  probe::MachineOptions machine = {.timeout_seconds = 300};  // the GPU child's deadline
  model::OutputOptions output;                               // text or --json
  std::optional<std::string> html;                           // also write the HTML report here
  std::optional<std::string> json_file;                      // also write the JSON document here
  BenchOptions bench;  // what to measure (discovery fills the rest)
};
/// Exit 1 when a measurement's answer was wrong, 2 when a report file cannot be written.
model::CommandResult RunBench(const BenchCommandOptions& options);

struct CompareCommandOptions {
  probe::MachineOptions machine = {.timeout_seconds = 600};  // each framework process's deadline
  model::OutputOptions output;
  std::optional<std::string> html;
  std::optional<std::string> json_file;
  CompareOptions compare;  // machine.pythons become compare.pythons
};
/// Exit 1 when a framework's answer was wrong, 2 when a report file cannot be written.
model::CommandResult RunCompare(const CompareCommandOptions& options);

}  // namespace dlenv::bench
