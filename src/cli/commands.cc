#include "cli/commands.h"

namespace dlenv::cli {
namespace {

constexpr CommandRegistration kCommands[] = {
    {"doctor", AddDoctor},
    {"verify", AddVerify},
    {"bench", AddBench},
    {"compare", AddCompare},
};

}  // namespace

std::span<const CommandRegistration> AllCommands() { return kCommands; }

}  // namespace dlenv::cli
