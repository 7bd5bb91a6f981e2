// Fuzzes the log reader and the error matcher behind it: any bytes, in any chunking, give
// valid UTF-8 lines and never crash or grow without bound.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "knowledge/error_signatures.h"
#include "rules/error_signatures.h"
#include "util/log_lines.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The first byte picks a chunk size, so chunk boundaries fall everywhere.
  const std::size_t chunk = size > 0 ? 1 + data[0] % 17 : 1;
  dlenv::rules::ErrorMatcher matcher(dlenv::knowledge::BuiltinErrorSignatures());
  dlenv::util::LogLineReader reader(
      [&](const dlenv::util::LogLine& line) {
        if (dlenv::util::ValidUtf8(line.text) != line.text) __builtin_trap();
        if (line.text.size() > 256) __builtin_trap();
        matcher.Feed(line.text, line.number, line.rank);
      },
      256);
  for (std::size_t i = 0; i < text.size(); i += chunk) reader.Feed(text.substr(i, chunk));
  reader.Finish();
  for (const auto& m : matcher.Matches()) {
    if (m.count == 0 || m.lines.empty()) __builtin_trap();
  }
  (void)dlenv::util::NormalizeLogLine(text);
  return 0;
}
