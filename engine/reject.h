#pragma once
// Building a CommandRejected: shared by the sequencer's decision files (sequencer.cc,
// sequencer_payments.cc). Internal to the engine.

#include <string>

#include "engine/command.h"
#include "engine/event.h"

namespace cm::engine {

inline CommandRejected Reject(const Command& cmd, ResultCode code, uint64_t detail = 0,
                              std::string reason = {}) {
  CommandRejected r;
  r.command = TypeOf(cmd);
  r.code = code;
  r.detail = detail;
  r.reason = std::move(reason);
  return r;
}

}  // namespace cm::engine
