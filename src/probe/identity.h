#pragma once
// The thin adapter that asks the system who runs dlenv (report/redact.h decides what to do
// with it).

#include "model/identity.h"
#include "util/environment.h"

namespace dlenv::probe {

/// HOME, USER and LOGNAME from `env`; the passwd entry of the real user id (getpwuid_r);
/// the host name (gethostname) and, from /etc/hosts, the other names of that host (its
/// fully qualified name). Empty values, "/", "root" and "localhost" are left out: they
/// are not secrets, and replacing them would garble every report.
model::Identity ProbeIdentity(const util::Environment& env);

}  // namespace dlenv::probe
