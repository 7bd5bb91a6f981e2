// apt's lists: a Release / InRelease text, the lists directory's names (one per line) and a
// Packages text, all from the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/apt_lists.h"
#include "util/strings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)dlenv::util::ParseAptRelease(text);
  std::vector<std::string> names;
  for (std::string_view line : dlenv::util::Lines(text)) names.emplace_back(line);
  (void)dlenv::util::PairAptLists(names);
  std::set<std::string, std::less<>> found;
  dlenv::util::PackagesNamed(text, {"nvidia-driver", "libcuda1", ""}, found);
  return 0;
}
