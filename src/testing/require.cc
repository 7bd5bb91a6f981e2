#include "testing/require.h"

#include <cstdlib>

namespace dlenv::testing {

bool RequireTestEnvs() {
  const char* v = std::getenv("DLENV_REQUIRE_TEST_ENVS");
  return v && std::string(v) == "1";
}

std::string TestEnvsDir() {
  const char* v = std::getenv("DLENV_TEST_ENVS");
  return v && *v ? v : "/var/tmp/dlenv-test-envs";
}

}  // namespace dlenv::testing
