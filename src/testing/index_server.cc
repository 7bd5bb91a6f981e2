#include "testing/index_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace dlenv::testing {

IndexServer::IndexServer(std::vector<std::string> args) {
  int fds[2];
  if (pipe(fds) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    // Appended, not `std::string(...) + "..."`: g++ 12 warns falsely (-Warray-bounds) on that.
    std::string script = DLENV_SOURCE_DIR;
    script.append("/tests/index-fixtures/serve.py");
    std::vector<char*> argv{const_cast<char*>("python3"), script.data()};
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp("python3", argv.data());
    _exit(127);
  }
  close(fds[1]);
  FILE* out = fdopen(fds[0], "r");
  char line[32] = {0};
  if (out && std::fgets(line, sizeof line, out)) port_ = std::atoi(line);
  if (out) std::fclose(out);
}

IndexServer::~IndexServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
}

std::string IndexServer::Url(const std::string& path, const char* scheme) const {
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_) + path;
}

IndexServer& SharedIndexServer() {
  static IndexServer server;  // its destructor stops it at exit
  return server;
}

}  // namespace dlenv::testing
