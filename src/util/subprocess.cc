#include "util/subprocess.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <optional>
#include <string_view>

namespace dlenv::util {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  int fd[2] = {-1, -1};
  bool Open() { return pipe2(fd, O_CLOEXEC) == 0; }
  void Close() {
    for (int& f : fd) {
      if (f >= 0) close(f);
      f = -1;
    }
  }
};

void WriteAll(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

using Env = std::optional<std::map<std::string, std::string>>;

// argv and envp, built before forking: the child only execs.
class ExecArgs {
 public:
  ExecArgs(const std::vector<std::string>& argv, const Env& env) : replace_env_(env.has_value()) {
    for (const auto& a : argv) argv_.push_back(const_cast<char*>(a.c_str()));
    argv_.push_back(nullptr);
    if (!env) return;
    for (const auto& [k, v] : *env) env_strings_.push_back(k + "=" + v);
    for (auto& s : env_strings_) envp_.push_back(s.data());
    envp_.push_back(nullptr);
  }
  /// execvp(e); returns only when the exec failed (errno says why).
  void Exec() const {
    if (replace_env_)
      execvpe(argv_[0], argv_.data(), const_cast<char* const*>(envp_.data()));
    else
      execvp(argv_[0], argv_.data());
  }
  const char* program() const { return argv_[0]; }

 private:
  bool replace_env_;
  std::vector<std::string> env_strings_;
  std::vector<char*> argv_, envp_;
};

// One poll round over the child's stdout and stderr (fds[i] < 0: already closed): each
// chunk read goes to on_chunk(i, chunk); a pipe at EOF is closed and set to -1. False when
// poll itself failed.
template <typename OnChunk>
bool ReadReady(int (&fds)[2], int wait_ms, OnChunk&& on_chunk) {
  pollfd pfds[2];
  nfds_t n = 0;
  int which[2];
  for (int i = 0; i < 2; ++i) {
    if (fds[i] >= 0) {
      pfds[n] = {fds[i], POLLIN, 0};
      which[n++] = i;
    }
  }
  int r = poll(pfds, n, wait_ms);
  if (r < 0) return errno == EINTR;
  char buffer[65536];
  for (nfds_t k = 0; k < n; ++k) {
    if (!(pfds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    const int i = which[k];
    ssize_t got = read(fds[i], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      close(fds[i]);
      fds[i] = -1;
      continue;
    }
    on_chunk(i, std::string_view(buffer, static_cast<std::size_t>(got)));
  }
  return true;
}

int MillisecondsUntil(Clock::time_point t, Clock::time_point now) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(t - now).count());
}

// How the child ended, from waitpid's status.
void SetOutcome(ChildResult& result, int status, bool timed_out) {
  if (timed_out) {
    result.outcome = ChildResult::Outcome::kTimedOut;
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  } else if (WIFEXITED(status)) {
    result.outcome = ChildResult::Outcome::kExited;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.outcome = ChildResult::Outcome::kSignaled;
    result.signal = WTERMSIG(status);
  }
}

// The child may have closed its pipes and still be running (or a grandchild may hold them):
// waits for its exit status, but never past the deadline (then SIGKILL to its group).
int WaitOrKill(pid_t pid, Clock::time_point deadline, bool& timed_out) {
  int status = 0;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
    if (timed_out || Clock::now() >= deadline) {
      timed_out = true;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    usleep(1000);
  }
  return status;
}

// Forks; the child sets up its stdio from the pipes and calls `in_child`, which must not
// return. The parent collects output until EOF or the deadline.
ChildResult Spawn(const std::function<void()>& in_child, const ChildOptions& options) {
  ChildResult result;
  Pipe in, out, err;
  if (!in.Open() || !out.Open() || !err.Open()) {
    in.Close();
    out.Close();
    err.Close();
    result.err = fmt::format("pipe: {}", strerror(errno));
    return result;
  }
  std::fflush(nullptr);
  const auto start = Clock::now();
  pid_t pid = fork();
  if (pid < 0) {
    in.Close();
    out.Close();
    err.Close();
    result.err = fmt::format("fork: {}", strerror(errno));
    return result;
  }
  if (pid == 0) {
    setpgid(0, 0);  // own process group, so a timeout kills grandchildren too
    dup2(in.fd[0], 0);
    dup2(out.fd[1], 1);
    dup2(err.fd[1], 2);
    signal(SIGPIPE, SIG_DFL);
    if (options.cwd && chdir(options.cwd->c_str()) != 0) _exit(127);
    in_child();
    _exit(127);
  }
  setpgid(pid, pid);
  close(in.fd[0]);
  in.fd[0] = -1;
  close(out.fd[1]);
  out.fd[1] = -1;
  close(err.fd[1]);
  err.fd[1] = -1;
  if (options.stdin_data) {
    // Probe scripts are small; a child that does not read its stdin still gets EOF.
    signal(SIGPIPE, SIG_IGN);
    WriteAll(in.fd[1], *options.stdin_data);
  }
  close(in.fd[1]);
  in.fd[1] = -1;

  const auto deadline = start + options.deadline;
  bool timed_out = false;
  std::string* sinks[2] = {&result.out, &result.err};
  int fds[2] = {out.fd[0], err.fd[0]};
  auto collect = [&](int i, std::string_view chunk) {
    if (sinks[i]->size() < options.max_output_bytes) sinks[i]->append(chunk);
  };
  while (fds[0] >= 0 || fds[1] >= 0) {
    int left = MillisecondsUntil(deadline, Clock::now());
    if (left <= 0) {
      timed_out = true;
      break;
    }
    if (!ReadReady(fds, left, collect)) break;
  }
  for (int f : fds)
    if (f >= 0) close(f);
  const int status = WaitOrKill(pid, deadline, timed_out);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  SetOutcome(result, status, timed_out);
  return result;
}

}  // namespace

std::string ChildResult::Describe() const {
  switch (outcome) {
    case Outcome::kExited:
      return fmt::format("exit code {}", exit_code);
    case Outcome::kSignaled: {
      const char* abbrev = sigabbrev_np(signal);
      return fmt::format("killed by SIG{} ({})", abbrev ? abbrev : "?", strsignal(signal));
    }
    case Outcome::kTimedOut:
      return fmt::format("timed out after {:.1f} s", seconds);
    case Outcome::kFailedToStart:
      return fmt::format("could not start: {}", err);
  }
  return "unknown";
}

ChildResult RunInChild(const std::function<int()>& body, const ChildOptions& options) {
  return Spawn(
      [&] {
        int rc = body();
        std::fflush(nullptr);
        _exit(rc);
      },
      options);
}

ChildResult RunCommand(const std::vector<std::string>& argv, const ChildOptions& options) {
  if (argv.empty()) {
    ChildResult r;
    r.err = "empty command";
    return r;
  }
  const ExecArgs exec(argv, options.env);
  ChildResult r = Spawn(
      [&] {
        exec.Exec();
        dprintf(2, "exec %s: %s\n", exec.program(), strerror(errno));
        _exit(127);
      },
      options);
  if (r.outcome == ChildResult::Outcome::kExited && r.exit_code == 127 &&
      r.err.rfind("exec ", 0) == 0) {
    r.outcome = ChildResult::Outcome::kFailedToStart;
  }
  return r;
}

namespace {

void KeepTail(std::string& sink, std::string_view chunk, std::size_t limit) {
  if (limit == 0) return;
  if (chunk.size() >= limit) {
    sink.assign(chunk.substr(chunk.size() - limit));
    return;
  }
  sink.append(chunk);
  // Trim in large steps so a long stream costs amortised O(1) per byte.
  if (sink.size() > 2 * limit) sink.erase(0, sink.size() - limit);
}

void TrimTail(std::string& sink, std::size_t limit) {
  if (sink.size() > limit) sink.erase(0, sink.size() - limit);
}

// The streaming child: stdout and stderr on the pipes, stdin from /dev/null unless inherited,
// then exec. An exec failure's errno goes up the status pipe (close-on-exec, so it carries
// nothing else).
[[noreturn]] void ExecStreamingChild(const ExecArgs& exec, const StreamingOptions& options,
                                     const Pipe& out, const Pipe& err, const Pipe& status) {
  setpgid(0, 0);  // its own group, so a deadline reaches grandchildren too
  dup2(out.fd[1], 1);
  dup2(err.fd[1], 2);
  if (!options.inherit_stdin) {
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
  }
  signal(SIGPIPE, SIG_DFL);
  if (options.cwd && chdir(options.cwd->c_str()) != 0) _exit(127);
  exec.Exec();
  const int e = errno;
  ssize_t ignored = write(status.fd[1], &e, sizeof e);
  (void)ignored;
  _exit(127);
}

// SIGTERM to the child's process group at the deadline, SIGKILL two seconds later. Plain
// time points with flags (g++ 12 misjudges optional<time_point> as uninitialised).
class Deadline {
 public:
  static constexpr int kStop = -2;

  Deadline(pid_t pid, Clock::time_point start, std::optional<std::chrono::milliseconds> limit)
      : pid_(pid),
        has_deadline_(limit.has_value()),
        deadline_(start + limit.value_or(std::chrono::milliseconds(0))),
        kill_at_(start) {}

  /// Acts on the clock. Returns how long to wait for output (ms; -1: no limit), or kStop
  /// once SIGKILL went out (a grandchild that escaped the group may hold the pipes open).
  int Tick() {
    const auto now = Clock::now();
    if (killing_) {
      if (now < kill_at_) return MillisecondsUntil(kill_at_, now) + 1;
      kill(-pid_, SIGKILL);
      killing_ = false;
      return kStop;
    }
    if (!has_deadline_ || timed_out_) return -1;
    if (now < deadline_) return MillisecondsUntil(deadline_, now) + 1;
    timed_out_ = true;
    kill(-pid_, SIGTERM);
    killing_ = true;
    kill_at_ = now + std::chrono::seconds(2);
    return MillisecondsUntil(kill_at_, now) + 1;
  }
  bool timed_out() const { return timed_out_; }

 private:
  pid_t pid_;
  bool has_deadline_;
  Clock::time_point deadline_;
  bool timed_out_ = false;
  bool killing_ = false;  // SIGTERM sent; SIGKILL follows at kill_at_
  Clock::time_point kill_at_;
};

}  // namespace

ChildResult RunStreaming(const std::vector<std::string>& argv, const StreamingOptions& options) {
  ChildResult result;
  if (argv.empty()) {
    result.err = "empty command";
    return result;
  }
  const ExecArgs exec(argv, options.env);
  Pipe out, err, status;
  if (!out.Open() || !err.Open() || !status.Open()) {
    out.Close(), err.Close(), status.Close();
    result.err = fmt::format("pipe: {}", strerror(errno));
    return result;
  }
  std::fflush(nullptr);
  const auto start = Clock::now();
  pid_t pid = fork();
  if (pid < 0) {
    out.Close(), err.Close(), status.Close();
    result.err = fmt::format("fork: {}", strerror(errno));
    return result;
  }
  if (pid == 0) ExecStreamingChild(exec, options, out, err, status);
  setpgid(pid, pid);
  close(out.fd[1]), out.fd[1] = -1;
  close(err.fd[1]), err.fd[1] = -1;
  close(status.fd[1]), status.fd[1] = -1;
  int exec_errno = 0;
  if (read(status.fd[0], &exec_errno, sizeof exec_errno) != static_cast<ssize_t>(sizeof exec_errno))
    exec_errno = 0;
  status.Close();

  Deadline deadline(pid, start, options.deadline);
  std::string* sinks[2] = {&result.out, &result.err};
  const int passthrough[2] = {options.out_fd, options.err_fd};
  int fds[2] = {out.fd[0], err.fd[0]};
  auto forward = [&](int i, std::string_view chunk) {
    if (options.pass_through) WriteAll(passthrough[i], std::string(chunk));
    KeepTail(*sinks[i], chunk, options.keep_tail_bytes);
    if (options.on_output) options.on_output(i + 1, chunk);
  };
  while (fds[0] >= 0 || fds[1] >= 0) {
    const int wait_ms = deadline.Tick();
    if (wait_ms == Deadline::kStop || !ReadReady(fds, wait_ms, forward)) break;
  }
  for (int f : fds)
    if (f >= 0) close(f);
  int wstatus = 0;
  for (;;) {
    pid_t w = waitpid(pid, &wstatus, WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR)) break;
    deadline.Tick();
    usleep(2000);
  }
  TrimTail(result.out, options.keep_tail_bytes);
  TrimTail(result.err, options.keep_tail_bytes);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (exec_errno != 0) {
    result.outcome = ChildResult::Outcome::kFailedToStart;
    result.exit_code = 127;
    result.err = fmt::format("exec {}: {}", argv[0], strerror(exec_errno));
  } else {
    SetOutcome(result, wstatus, deadline.timed_out());
  }
  return result;
}

}  // namespace dlenv::util
