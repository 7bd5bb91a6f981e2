#pragma once
// Test helper: the fixture package index (tests/index-fixtures/serve.py serving tree.json) on
// 127.0.0.1, started on first use and stopped when the test binary exits.

#include <sys/types.h>

#include <string>
#include <vector>

namespace dlenv::testing {

class IndexServer {
 public:
  /// `args`: extra arguments for serve.py (--tls CERT KEY).
  explicit IndexServer(std::vector<std::string> args = {});
  ~IndexServer();
  IndexServer(const IndexServer&) = delete;
  IndexServer& operator=(const IndexServer&) = delete;

  /// scheme://127.0.0.1:PORT + path.
  std::string Url(const std::string& path, const char* scheme = "http") const;
  bool ok() const { return port_ > 0; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

/// One server for the whole test binary.
IndexServer& SharedIndexServer();

}  // namespace dlenv::testing
