#pragma once
// Building a CommandRejected: shared by the sequencer's decision files (sequencer.cc,
// sequencer_payments.cc). Internal to the engine.

#include <string>

#include "engine/command.h"
#include "engine/event.h"

namespace cm::engine {

// Fills `r` as the rejection of `cmd`: the one place a rejection's fields are set.
inline CommandRejected& FillRejection(CommandRejected& r, const Command& cmd, ResultCode code,
                                      uint64_t detail, std::string reason) {
  r.command = TypeOf(cmd);
  r.code = code;
  r.detail = detail;
  r.reason = std::move(reason);
  return r;
}

inline CommandRejected Reject(const Command& cmd, ResultCode code, uint64_t detail = 0,
                              std::string reason = {}) {
  CommandRejected r;
  FillRejection(r, cmd, code, detail, std::move(reason));
  return r;
}

// The same, built in place: in the body of the event that answers the command (the
// sequencer's output slot), so nothing is moved.
inline CommandRejected& RejectInto(EventBody& out, const Command& cmd, ResultCode code,
                                   uint64_t detail = 0, std::string reason = {}) {
  return FillRejection(out.emplace<CommandRejected>(), cmd, code, detail, std::move(reason));
}

}  // namespace cm::engine
