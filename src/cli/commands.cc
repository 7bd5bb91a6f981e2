#include "cli/commands.h"

namespace dlenv::cli {
namespace {

constexpr CommandRegistration kCommands[] = {
    {"doctor", AddDoctor},
    {"install", AddInstall},
    {"verify", AddVerify},
    {"lock", AddLock},
    {"diff", AddDiff},
    {"check", AddCheck},
    {"recipe", AddRecipe},
    {"bench", AddBench},
    {"compare", AddCompare},
    {"fleet", AddFleet},
    {"health", AddHealth},
    {"explain", AddExplain},
};

}  // namespace

std::span<const CommandRegistration> AllCommands() { return kCommands; }

}  // namespace dlenv::cli
