#include "util/nvidia_proc_version.h"

#include <algorithm>
#include <cctype>

#include "util/strings.h"

namespace dlenv::util {
namespace {

// Hand-written because the format is two free-text lines with no grammar: the version is
// the first token made only of digits and dots after "NVRM version:", wherever the vendor
// put the architecture ("x86_64 Kernel Module" or "Open Kernel Module for x86_64").
bool IsDottedNumber(std::string_view token) {
  if (token.empty() || !std::isdigit(static_cast<unsigned char>(token.front())) ||
      !std::isdigit(static_cast<unsigned char>(token.back())))
    return false;
  bool dot = false;
  for (char c : token) {
    if (c == '.')
      dot = true;
    else if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  }
  return dot;
}

}  // namespace

std::optional<NvidiaKernelModule> ParseNvidiaProcVersion(std::string_view text) {
  std::optional<NvidiaKernelModule> out;
  std::optional<std::string> gcc;
  for (std::string_view line : Lines(text)) {
    line = Trim(line);
    constexpr std::string_view kNvrm = "NVRM version:";
    constexpr std::string_view kGcc = "GCC version:";
    if (line.starts_with(kNvrm) && !out) {
      std::string_view rest = line.substr(kNvrm.size());
      for (const std::string& token : Split(rest, ' ')) {
        if (IsDottedNumber(token)) {
          out = NvidiaKernelModule{token, rest.find("Open Kernel Module") != std::string_view::npos,
                                   std::nullopt};
          break;
        }
      }
    } else if (line.starts_with(kGcc)) {
      std::string_view g = Trim(line.substr(kGcc.size()));
      if (!g.empty()) gcc = std::string(g);
    }
  }
  if (out) out->gcc_version = gcc;
  return out;
}

}  // namespace dlenv::util
