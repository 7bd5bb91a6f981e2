#include "report/redact.h"

namespace dlenv::report {

model::Snapshot Redact(const model::Snapshot& snapshot) {
  return snapshot;  // Not yet written.
}

}  // namespace dlenv::report
