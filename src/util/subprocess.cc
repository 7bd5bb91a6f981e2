#include "util/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fmt/format.h>

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

// Forks; the child sets up its stdio from the pipes and calls `in_child`, which must not
// return. The parent collects output until EOF or the deadline.
ChildResult Spawn(const std::function<void()>& in_child, const ChildOptions& options) {
  ChildResult result;
  Pipe in, out, err;
  if (!in.Open() || !out.Open() || !err.Open()) {
    in.Close(); out.Close(); err.Close();
    result.err = fmt::format("pipe: {}", strerror(errno));
    return result;
  }
  std::fflush(nullptr);
  const auto start = Clock::now();
  pid_t pid = fork();
  if (pid < 0) {
    in.Close(); out.Close(); err.Close();
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
  close(in.fd[0]); in.fd[0] = -1;
  close(out.fd[1]); out.fd[1] = -1;
  close(err.fd[1]); err.fd[1] = -1;
  if (options.stdin_data) {
    // Probe scripts are small; a child that does not read its stdin still gets EOF.
    signal(SIGPIPE, SIG_IGN);
    WriteAll(in.fd[1], *options.stdin_data);
  }
  close(in.fd[1]); in.fd[1] = -1;

  const auto deadline = start + options.deadline;
  bool timed_out = false;
  std::string* sinks[2] = {&result.out, &result.err};
  int fds[2] = {out.fd[0], err.fd[0]};
  char buffer[65536];
  while (fds[0] >= 0 || fds[1] >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfds[2];
    nfds_t n = 0;
    int which[2];
    for (int i = 0; i < 2; ++i) {
      if (fds[i] >= 0) {
        pfds[n] = {fds[i], POLLIN, 0};
        which[n++] = i;
      }
    }
    int r = poll(pfds, n, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    for (nfds_t k = 0; k < n; ++k) {
      if (!(pfds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      int i = which[k];
      ssize_t got = read(fds[i], buffer, sizeof buffer);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        close(fds[i]);
        fds[i] = -1;
        continue;
      }
      if (sinks[i]->size() < options.max_output_bytes) sinks[i]->append(buffer, static_cast<std::size_t>(got));
    }
  }
  for (int f : fds) if (f >= 0) close(f);
  // The child may have closed its pipes and still be running (or a grandchild may hold
  // them): wait for the exit status, but never past the deadline.
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
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (timed_out) {
    result.outcome = ChildResult::Outcome::kTimedOut;
  } else if (WIFEXITED(status)) {
    result.outcome = ChildResult::Outcome::kExited;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.outcome = ChildResult::Outcome::kSignaled;
    result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace

std::string ChildResult::Describe() const {
  switch (outcome) {
    case Outcome::kExited: return fmt::format("exit code {}", exit_code);
    case Outcome::kSignaled: {
      const char* abbrev = sigabbrev_np(signal);
      return fmt::format("killed by SIG{} ({})", abbrev ? abbrev : "?", strsignal(signal));
    }
    case Outcome::kTimedOut: return fmt::format("timed out after {:.1f} s", seconds);
    case Outcome::kFailedToStart: return fmt::format("could not start: {}", err);
  }
  return "unknown";
}

ChildResult RunInChild(const std::function<int()>& body, const ChildOptions& options) {
  return Spawn([&] {
    int rc = body();
    std::fflush(nullptr);
    _exit(rc);
  }, options);
}

ChildResult RunCommand(const std::vector<std::string>& argv, const ChildOptions& options) {
  if (argv.empty()) {
    ChildResult r;
    r.err = "empty command";
    return r;
  }
  // Build argv/envp before forking: the child must only exec.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  if (options.env) {
    for (const auto& [k, v] : *options.env) env_strings.push_back(k + "=" + v);
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
  }
  ChildResult r = Spawn([&] {
    if (options.env) execvpe(args[0], args.data(), envp.data());
    else execvp(args[0], args.data());
    dprintf(2, "exec %s: %s\n", args[0], strerror(errno));
    _exit(127);
  }, options);
  if (r.outcome == ChildResult::Outcome::kExited && r.exit_code == 127 &&
      r.err.rfind("exec ", 0) == 0) {
    r.outcome = ChildResult::Outcome::kFailedToStart;
  }
  return r;
}

}  // namespace dlenv::util

namespace dlenv::util {
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

}  // namespace

ChildResult RunStreaming(const std::vector<std::string>& argv, const StreamingOptions& options) {
  ChildResult result;
  if (argv.empty()) {
    result.err = "empty command";
    return result;
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  if (options.env) {
    for (const auto& [k, v] : *options.env) env_strings.push_back(k + "=" + v);
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
  }
  Pipe out, err, status;
  if (!out.Open() || !err.Open() || !status.Open()) {
    out.Close(); err.Close(); status.Close();
    result.err = fmt::format("pipe: {}", strerror(errno));
    return result;
  }
  std::fflush(nullptr);
  const auto start = Clock::now();
  pid_t pid = fork();
  if (pid < 0) {
    out.Close(); err.Close(); status.Close();
    result.err = fmt::format("fork: {}", strerror(errno));
    return result;
  }
  if (pid == 0) {
    setpgid(0, 0);  // its own group, so a deadline reaches grandchildren too
    dup2(out.fd[1], 1);
    dup2(err.fd[1], 2);
    if (!options.inherit_stdin) {
      int null = open("/dev/null", O_RDONLY);
      if (null >= 0) dup2(null, 0);
    }
    signal(SIGPIPE, SIG_DFL);
    if (options.cwd && chdir(options.cwd->c_str()) != 0) _exit(127);
    if (options.env) execvpe(args[0], args.data(), envp.data());
    else execvp(args[0], args.data());
    // exec failed: say why on the status pipe (close-on-exec, so it only carries this).
    const int e = errno;
    ssize_t ignored = write(status.fd[1], &e, sizeof e);
    (void)ignored;
    _exit(127);
  }
  setpgid(pid, pid);
  close(out.fd[1]); out.fd[1] = -1;
  close(err.fd[1]); err.fd[1] = -1;
  close(status.fd[1]); status.fd[1] = -1;

  int exec_errno = 0;
  if (read(status.fd[0], &exec_errno, sizeof exec_errno) != static_cast<ssize_t>(sizeof exec_errno)) exec_errno = 0;
  status.Close();

  // Plain time points with flags (g++ 12 misjudges optional<time_point> as uninitialised).
  const bool has_deadline = options.deadline.has_value();
  const Clock::time_point deadline = start + options.deadline.value_or(std::chrono::milliseconds(0));
  bool killing = false;  // SIGTERM sent; SIGKILL follows at kill_at
  Clock::time_point kill_at = start;
  bool timed_out = false;
  std::string* sinks[2] = {&result.out, &result.err};
  const int passthrough[2] = {options.out_fd, options.err_fd};
  int fds[2] = {out.fd[0], err.fd[0]};
  char buffer[65536];
  auto terminate = [&] {
    timed_out = true;
    kill(-pid, SIGTERM);
    killing = true;
    kill_at = Clock::now() + std::chrono::seconds(2);
  };
  while (fds[0] >= 0 || fds[1] >= 0) {
    int wait_ms = -1;
    const auto now = Clock::now();
    if (killing) {
      if (now >= kill_at) {
        kill(-pid, SIGKILL);
        killing = false;
        // A grandchild that escaped the group could keep the pipes open: stop reading.
        break;
      }
      wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(kill_at - now).count()) + 1;
    } else if (has_deadline && !timed_out) {
      if (now >= deadline) {
        terminate();
        continue;
      }
      wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) + 1;
    }
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
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
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
      const std::string_view chunk(buffer, static_cast<std::size_t>(got));
      if (options.pass_through) WriteAll(passthrough[i], std::string(chunk));
      KeepTail(*sinks[i], chunk, options.keep_tail_bytes);
      if (options.on_output) options.on_output(i + 1, chunk);
    }
  }
  for (int f : fds) if (f >= 0) close(f);
  int wstatus = 0;
  for (;;) {
    pid_t w = waitpid(pid, &wstatus, WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR)) break;
    const auto now = Clock::now();
    if (!timed_out && has_deadline && now >= deadline) terminate();
    if (killing && now >= kill_at) {
      kill(-pid, SIGKILL);
      killing = false;
    }
    usleep(2000);
  }
  TrimTail(result.out, options.keep_tail_bytes);
  TrimTail(result.err, options.keep_tail_bytes);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (exec_errno != 0) {
    result.outcome = ChildResult::Outcome::kFailedToStart;
    result.exit_code = 127;
    result.err = fmt::format("exec {}: {}", argv[0], strerror(exec_errno));
  } else if (timed_out) {
    result.outcome = ChildResult::Outcome::kTimedOut;
    if (WIFSIGNALED(wstatus)) result.signal = WTERMSIG(wstatus);
  } else if (WIFEXITED(wstatus)) {
    result.outcome = ChildResult::Outcome::kExited;
    result.exit_code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    result.outcome = ChildResult::Outcome::kSignaled;
    result.signal = WTERMSIG(wstatus);
  }
  return result;
}

}  // namespace dlenv::util
