#pragma once
// Skips that CI does not accept. A test whose precondition CI installs (a test environment,
// NVIDIA's files from PyPI, a Debian package scripts/test.sh installs) says so with
// DLENV_SKIP_OR_FAIL: on a developer's machine without the thing it skips with the reason;
// where DLENV_REQUIRE_TEST_ENVS=1 (scripts/test.sh exports it) it fails, so that a missing
// environment or a dlenv regression that makes the precondition look absent cannot pass as
// SKIPPED. GTEST_SKIP stays only for what CI cannot have (a GPU, a real NVIDIA driver).

#include <gtest/gtest.h>

#include <string>

namespace dlenv::testing {

/// True where DLENV_REQUIRE_TEST_ENVS=1: every precondition CI provides must be there.
bool RequireTestEnvs();

/// The folder scripts/make-test-envs.sh fills: $DLENV_TEST_ENVS, else /var/tmp/dlenv-test-envs.
std::string TestEnvsDir();

}  // namespace dlenv::testing

// Returns from the test (or the void function) either way; `reason` is anything streamable.
#define DLENV_SKIP_OR_FAIL(reason)                                             \
  do {                                                                         \
    if (::dlenv::testing::RequireTestEnvs()) {                                 \
      GTEST_FAIL() << reason                                                   \
                   << " (DLENV_REQUIRE_TEST_ENVS=1: CI provides this, so its " \
                      "absence is a failure, not a skip)";                     \
    }                                                                          \
    GTEST_SKIP() << reason;                                                    \
  } while (0)
