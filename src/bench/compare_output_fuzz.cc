// Fuzzes the reader of a framework process's JSON document: whatever a child prints (a
// crashing import, a hostile site-packages) must become data or an error, never a crash.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/compare.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dlenv::bench::FrameworkProcess process;
  std::vector<dlenv::bench::FrameworkRun> runs;
  dlenv::bench::ParseFrameworkOutput(std::string(reinterpret_cast<const char*>(data), size),
                                     "python", process, runs);
  dlenv::bench::CompareReport report;
  report.runs = std::move(runs);
  report.native["8192 float32"] = 1;
  dlenv::bench::Evaluate(report);
  return 0;
}
