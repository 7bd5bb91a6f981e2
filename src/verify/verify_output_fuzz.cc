// What verify parses from other processes: the native child's lines, a probe script's JSON
// document (an interpreter can print anything) and free-form error texts.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "rules/error_signatures.h"
#include "verify/findings.h"
#include "verify/framework_checks.h"
#include "verify/native_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = dlenv::verify::ParseNativeChildOutput(text);
  for (const auto& [item, result] : parsed.results) {
    if (result.check.size() > size) __builtin_trap();  // nothing is invented
  }
  (void)dlenv::rules::ClassifyErrorText("torch", text);
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_object()) {
    for (bool gpu : {false, true}) {
      (void)dlenv::verify::EvaluateFrameworkDocument({"python", "torch", false}, doc, gpu);
    }
  }
  return 0;
}
