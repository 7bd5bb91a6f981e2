#pragma once

#include <nlohmann/json.hpp>

#include "model/identity.h"
#include "model/snapshot.h"

namespace dlenv::report {

/// A copy with user names, the host name, home folders, GPU UUIDs and serial numbers and
/// IP addresses replaced by stable placeholders (<home>, <user1>, <host>, <gpu-uuid-1>,
/// ...), in every string of the snapshot, so every format is redacted alike.
///  - `who.homes`: each home folder, wherever a path starts with it, becomes <home>;
///  - `who.users`: each user name, wherever it is a whole path segment (/scratch/NAME/...),
///    the whole string, or the part before '@' (NAME@host), becomes <user-N>; so does
///    whatever follows /home/ in any path;
///  - `who.hosts` and the snapshot's host name, short and fully qualified: whole words
///    only (a host called "vm" leaves "nvm" and "vm.max_map_count" alone) become <host>.
/// `who` comes from probe::ProbeIdentity (the system), or from a test.
model::Snapshot Redact(const model::Snapshot& snapshot, const model::Identity& who = {});

/// The same over any JSON document (a lock, a fleet snapshot): every string in it, except
/// that version fields are never taken for IP addresses. `hostname` is the host name the
/// document itself records, if any.
void RedactJson(nlohmann::json& doc, const model::Identity& who, const std::string& hostname = "");

}  // namespace dlenv::report
