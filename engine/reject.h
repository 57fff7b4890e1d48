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

// The same, built in place: in the body of the event that answers the command (the
// sequencer's output slot), so nothing is moved.
inline CommandRejected& RejectInto(EventBody& out, const Command& cmd, ResultCode code,
                                   uint64_t detail = 0, std::string reason = {}) {
  CommandRejected& r = out.emplace<CommandRejected>();
  r.command = TypeOf(cmd);
  r.code = code;
  r.detail = detail;
  r.reason = std::move(reason);
  return r;
}

}  // namespace cm::engine
