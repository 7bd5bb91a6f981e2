#pragma once
// nccl.conf as NCCL itself reads it (setEnvFile in NCCL's src/misc/param.cc, 2.x): each line
// that does not start with '#' and holds a '=' becomes setenv(NAME, VALUE, 0), where NAME is
// everything before the first '=' and VALUE everything after it, neither trimmed. So
// "NCCL_P2P_DISABLE = 1" sets a variable named "NCCL_P2P_DISABLE " that NCCL never reads, and
// with overwrite 0 the first setting of a name wins: the environment's, then the first file's.

#include <string>
#include <string_view>
#include <vector>

namespace dlenv::util {

struct NcclConfSetting {
  std::string name;   // exactly as NCCL passes it to setenv
  std::string value;  // as NCCL passes it (at most 1,023 bytes, like NCCL's buffer)
};

/// The settings in file order, duplicates kept (the first one is the one that takes effect).
/// Lines setenv would refuse (an empty name) are dropped; a NUL ends a line, as it ends NCCL's
/// C string.
std::vector<NcclConfSetting> ParseNcclConf(std::string_view text);

/// Whether NCCL's own getenv("NCCL_...") can see a variable of this name: "NCCL_" and then
/// letters, digits and underscores only.
bool IsNcclVariableName(std::string_view name);

}  // namespace dlenv::util
