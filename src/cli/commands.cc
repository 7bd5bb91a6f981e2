#include "cli/commands.h"

namespace dlenv::cli {
namespace {

// In the order `dlenv --help` lists them.
constexpr AddCommand kCommands[] = {
    AddDoctor, AddInstall, AddVerify,  AddLock,  AddDiff,   AddCheck,
    AddRecipe, AddBench,   AddCompare, AddFleet, AddHealth, AddExplain,
};

}  // namespace

std::span<const AddCommand> AllCommands() { return kCommands; }

}  // namespace dlenv::cli
