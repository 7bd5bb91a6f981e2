#pragma once
// Comparing two locks: what was added, removed, upgraded, downgraded or rebuilt, in every
// section, each change graded by how likely it is to change behaviour. docs/lock.md lists
// the grading rules; they live in diff.cc, one function per section.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lock/lock.h"

namespace dlenv::lock {

enum class ChangeKind { kAdded, kRemoved, kUpgraded, kDowngraded, kRebuilt, kChanged };
enum class Impact { kCosmetic, kNotable, kBreaking };

std::string_view ChangeKindName(ChangeKind k);
std::string_view ImpactName(Impact i);

struct Change {
  std::string
      section;       // host, driver, gpus, toolkits, cuda_libraries, python, packages, frameworks
  std::string item;  // torch, cudnn, driver version, torch.cuda_version
  ChangeKind kind = ChangeKind::kChanged;
  std::optional<std::string> from;  // value in A; nullopt when added
  std::optional<std::string> to;    // value in B; nullopt when removed
  Impact impact = Impact::kCosmetic;
  std::string why;  // the rule that graded it: "NumPy major version", "a framework's variant"
};

struct LockDiff {
  std::vector<Change> changes;  // breaking first, then notable, then cosmetic; stable within

  bool empty() const { return changes.empty(); }
  /// The highest impact among the changes; nullopt when there are none.
  std::optional<Impact> Worst() const;
  std::size_t Count(Impact i) const;
};

/// What changed going from `a` to `b`.
LockDiff DiffLocks(const Lock& a, const Lock& b);

std::string RenderDiffText(const LockDiff& diff, std::string_view a_name, std::string_view b_name);
/// A block for a pull request description or comment.
std::string RenderDiffMarkdown(const LockDiff& diff, std::string_view a_name,
                               std::string_view b_name);
nlohmann::json DiffToJson(const LockDiff& diff, std::string_view a_name, std::string_view b_name);

}  // namespace dlenv::lock
