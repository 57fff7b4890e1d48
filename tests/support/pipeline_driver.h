#pragma once
// Feeding a running pipeline from a test.

#include <vector>

#include "engine/command.h"
#include "runtime/pipeline.h"
#include "tests/support/random_commands.h"

namespace cm::test {

// Publishes `commands` with request tokens from `first_token` on, retrying while the ring is
// full (a halted pipeline drops the rest).
void PublishAll(runtime::Pipeline& p, std::vector<engine::Command> commands,
                uint64_t first_token);

// The next `n` random commands of `gen`.
std::vector<engine::Command> Stream(RandomCommands& gen, int n);

}  // namespace cm::test
