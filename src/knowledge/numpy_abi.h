#pragma once
// Which framework releases were built against NumPy 1 (knowledge/data/numpy_abi.json).

#include <string>
#include <vector>

namespace dlenv::knowledge {

struct NumpyAbiRow {
  std::string framework;              // torch
  std::vector<std::string> packages;  // PEP 503 names that carry it
  std::string numpy2_from;            // first release built against NumPy 2
  std::string source;
};

/// Parses the data file; throws std::runtime_error on malformed data (a build defect).
std::vector<NumpyAbiRow> ParseNumpyAbi(const std::string& json_text);
/// The table compiled into this binary.
const std::vector<NumpyAbiRow>& BuiltinNumpyAbi();

}  // namespace dlenv::knowledge
