#pragma once
// Reading a lock that is already parsed: a lock embedded in a larger document, as each node
// report of `dlenv fleet snapshot` carries one. Defined in lock_reader.cc beside ParseLock.

#include <nlohmann/json.hpp>
#include <string>

#include "lock/lock.h"

namespace dlenv::lock {

/// ParseLock's checks (version, types, content hash) on a parsed document. The caller
/// bounds the nesting depth while parsing.
ReadResult LockFromJson(const nlohmann::json& doc, const std::string& source);

}  // namespace dlenv::lock
