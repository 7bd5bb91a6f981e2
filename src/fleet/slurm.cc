#include "fleet/slurm.h"

#include <unistd.h>

#include <cstdlib>

namespace dlenv::fleet {

std::optional<std::string> FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/bin:/bin";
  while (true) {
    std::size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    if (!dir.empty()) {
      std::string candidate = dir + "/" + program;
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

std::optional<std::vector<SinfoNode>> QuerySinfo(const std::optional<std::string>& partition,
                                                 std::string& error) {
  if (!FindOnPath("sinfo")) {
    error = "sinfo is not on PATH";
    return std::nullopt;
  }
  util::ChildOptions options;
  options.deadline = std::chrono::seconds(15);  // a misconfigured Slurm retries DNS lookups
  auto r = util::RunCommand(SinfoCommand(partition), options);
  if (!r.ok()) {
    // Its last line says why (Slurm prints the chain of errors that led there first).
    std::string_view err = r.err;
    while (!err.empty() && err.back() == '\n') err.remove_suffix(1);
    std::size_t nl = err.rfind('\n');
    error =
        "sinfo: " + r.Describe() +
        (err.empty() ? ""
                     : ": " + std::string(err.substr(nl == std::string_view::npos ? 0 : nl + 1)));
    return std::nullopt;
  }
  return ParseSinfoNodes(r.out);
}

util::ChildResult RunSrun(const std::vector<std::string>& argv, int deadline_seconds) {
  util::ChildOptions options;
  options.deadline = std::chrono::seconds(deadline_seconds);
  options.max_output_bytes = 4u << 20;
  return util::RunCommand(argv, options);
}

}  // namespace dlenv::fleet
