#pragma once
// A live seat map delta as it goes on the wire: one JSON object per concert per round, rendered
// once and shared by every subscriber (see live_feed.h for what the fields promise).

#include <cstdint>
#include <span>
#include <string>

#include "engine/types.h"

namespace cm::live {

struct SeatChange {
  engine::SeatIndex seat;
  char status;  // 'A', 'H', 'S'
};

struct DeltaHeader {
  engine::ConcertId concert = 0;
  engine::Seq prev_seq = 0, seq = 0;
  int64_t durable_at_us = 0;
  int64_t leader_sent_us = 0;  // 0: not from a leader (left out)
  int32_t phase = -1;  // a sale phase that began in it (the page reloads the concert); -1: none
};

std::string RenderDelta(const DeltaHeader& header, std::span<const SeatChange> changes);

}  // namespace cm::live
