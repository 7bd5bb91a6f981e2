// libFuzzer target for the lock reader: any bytes must give a lock or an error message,
// never a crash, a hang or unbounded memory. A lock that parses must also diff and recipe.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lock/diff.h"
#include "lock/lock.h"
#include "lock/recipe.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = dlenv::lock::ParseLock(text, "fuzz.lock");
  if (r.lock) {
    auto diff = dlenv::lock::DiffLocks(*r.lock, dlenv::lock::Lock{});
    (void)dlenv::lock::RenderDiffMarkdown(diff, "a", "b");
    (void)dlenv::lock::MakeRecipe(*r.lock, {true, true, false}, dlenv::lock::BuiltinCudaImages());
  } else if (r.error.empty()) {
    __builtin_trap();  // a refusal must say why
  }
  return 0;
}
