// The journal record decoder on hostile bytes: every input either decodes into events that
// encode back to the same bytes, or is refused with a Status; nothing crashes or reads past
// the end.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "engine/codec/event_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  while (!in.empty()) {
    const std::string_view before = in;
    cm::engine::Event e;
    if (!cm::engine::DecodeEvent(&in, &e).ok()) break;
    // A record that decodes re-encodes to itself when written at the current version.
    std::string again;
    cm::engine::EncodeEvent(e, &again);
    std::string_view round = again;
    cm::engine::Event back;
    if (!cm::engine::DecodeEvent(&round, &back).ok() || !round.empty())
      throw std::logic_error("a decoded event does not survive a round trip");
    if (before.size() == in.size()) throw std::logic_error("decoder made no progress");
  }
  return 0;
}
