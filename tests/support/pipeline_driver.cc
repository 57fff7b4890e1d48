#include "tests/support/pipeline_driver.h"

#include <thread>

namespace cm::test {

void PublishAll(runtime::Pipeline& p, std::vector<engine::Command> commands,
                uint64_t first_token) {
  for (auto& c : commands) {
    c.request_token = first_token++;
    runtime::Pipeline::PublishResult r;
    while ((r = p.TryPublish(c)) == runtime::Pipeline::PublishResult::kFull)
      std::this_thread::yield();
    if (r == runtime::Pipeline::PublishResult::kHalted) return;
  }
}

std::vector<engine::Command> Stream(RandomCommands& gen, int n) {
  std::vector<engine::Command> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(gen.Next());
  return out;
}

}  // namespace cm::test
