#pragma once
// Who runs dlenv and where: what `--redact` removes from a report.

#include <string>
#include <vector>

namespace dlenv::model {

struct Identity {
  std::vector<std::string> homes;  // $HOME, the passwd entry's home folder
  std::vector<std::string> users;  // $USER, $LOGNAME, the passwd entry's name
  std::vector<std::string> hosts;  // the host name, short and fully qualified
};

}  // namespace dlenv::model
