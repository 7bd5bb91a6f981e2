#pragma once
// Reads the module-level literal assignments of a generated Python file: torch/version.py
// (`__version__ = '2.3.1+cu121'`, `cuda: Optional[str] = '12.1'`) and TensorFlow's
// tensorflow/python/platform/build_info.py (`build_info = {...}` or
// `build_info = collections.OrderedDict(...)`).
//
// Hand-written because dlenv must never run Python to learn these facts (no interpreter
// may be started by `dlenv doctor`, and importing torch takes seconds and can crash), and
// these files use a tiny, stable subset of the language: names, strings, numbers, None,
// True/False, lists, tuples and dicts. Anything else (imports, calls we do not know,
// f-strings) is skipped statement by statement, never guessed at.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dlenv::util {

struct PyEntry;

struct PyValue {
  enum class Kind { kNone, kBool, kInt, kStr, kList, kDict };
  Kind kind = Kind::kNone;
  bool boolean = false;
  std::int64_t integer = 0;
  std::string str;
  std::vector<PyValue> items;    // list or tuple
  std::vector<PyEntry> entries;  // dict, in source order

  std::optional<std::string> AsString() const {
    return kind == Kind::kStr ? std::optional(str) : std::nullopt;
  }
  std::optional<bool> AsBool() const {
    return kind == Kind::kBool ? std::optional(boolean) : std::nullopt;
  }
  /// The value under a string key of a dict; nullptr when absent or not a dict.
  const PyValue* Get(std::string_view key) const;
};

struct PyEntry {
  PyValue key;
  PyValue value;
};

struct PyModuleLiterals {
  /// Top-level names bound to a literal; `x['k'] = v` adds k to the dict bound to x.
  std::map<std::string, PyValue> names;
  /// Statements that looked like assignments but could not be read, with their line.
  std::vector<std::string> skipped;
};

PyModuleLiterals ParsePyLiterals(std::string_view source);

}  // namespace dlenv::util
