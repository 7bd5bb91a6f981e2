#pragma once
// Child processes with a deadline. Everything that calls into a driver library, and every
// external command dlenv runs, goes through here: a hung or crashing child becomes data.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dlenv::util {

struct ChildResult {
  enum class Outcome { kExited, kSignaled, kTimedOut, kFailedToStart };
  Outcome outcome = Outcome::kFailedToStart;
  int exit_code = -1;  // valid when kExited
  int signal = 0;      // valid when kSignaled
  std::string out;
  std::string err;
  double seconds = 0;

  bool ok() const { return outcome == Outcome::kExited && exit_code == 0; }
  /// "exit code 3", "killed by SIGSEGV", "timed out after 10.0 s", ...
  std::string Describe() const;
};

struct ChildOptions {
  std::chrono::milliseconds deadline{10000};
  std::size_t max_output_bytes = 64u << 20;  // more than this is dropped, not buffered
  std::optional<std::string> stdin_data;
  /// Replaces the whole environment when set; inherits it otherwise.
  std::optional<std::map<std::string, std::string>> env;
  std::optional<std::string> cwd;
};

/// Forks and runs `body` in the child; whatever it writes to stdout/stderr comes back.
/// The child exits with body's return value. Meant for code that may hang or crash
/// (dlopen of a driver library), so the parent keeps running whatever happens.
ChildResult RunInChild(const std::function<int()>& body, const ChildOptions& options);

/// Runs argv[0] (searched on PATH) with the given arguments.
ChildResult RunCommand(const std::vector<std::string>& argv, const ChildOptions& options);

}  // namespace dlenv::util
