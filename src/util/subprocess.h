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

/// A child whose output the user watches: what it writes reaches our stdout and stderr as it
/// comes, byte for byte (no buffering of ours), while dlenv keeps a bounded copy.
struct StreamingOptions {
  /// Kill the child's process group after this long; nullopt: no limit.
  std::optional<std::chrono::milliseconds> deadline;
  bool pass_through = true;  // copy the child's stdout to ours and its stderr to ours
  int out_fd = 1;            // where pass-through writes (tests point these at pipes)
  int err_fd = 2;
  /// Keep the last this many bytes of each stream in ChildResult::out/err (0: keep none).
  std::size_t keep_tail_bytes = 0;
  /// Called with every chunk as it arrives (stream 1 = stdout, 2 = stderr), after it was
  /// passed through; lets a caller read an endless stream in bounded memory.
  std::function<void(int stream, std::string_view chunk)> on_output;
  std::optional<std::map<std::string, std::string>> env;  // replaces the environment when set
  std::optional<std::string> cwd;
  bool inherit_stdin = true;  // the child reads our stdin (an interactive command works)
};

/// Runs argv (searched on PATH) streaming its output. The outcome is the child's: its exit
/// code, the signal that killed it, a timeout (SIGTERM, then SIGKILL 2 s later, to the group)
/// or a failure to start (exit 127 from exec with "exec ...: reason" in err).
ChildResult RunStreaming(const std::vector<std::string>& argv, const StreamingOptions& options);

}  // namespace dlenv::util
