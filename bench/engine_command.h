#pragma once
// A command as the benchmarks that drive a Sequencer directly (no ring, no journal) build it.

#include "engine/command.h"

namespace cm::bench {

inline engine::Command As(engine::UserId actor, engine::Role role, engine::TimeMs now,
                          engine::CommandBody body) {
  engine::Command c;
  c.now = now;
  c.actor = actor;
  c.actor_role = role;
  c.body = std::move(body);
  return c;
}

}  // namespace cm::bench
