#pragma once

#include "model/snapshot.h"

namespace dlenv::report {

/// A copy with user names, the host name, home folders, GPU UUIDs and serial numbers and
/// IP addresses replaced by stable placeholders (<user1>, <host>, <gpu-uuid-1>, ...), in
/// every string of the snapshot, so every format is redacted alike.
model::Snapshot Redact(const model::Snapshot& snapshot);

}  // namespace dlenv::report
