// The snapshot decoder on hostile bytes: a state either loads or is refused as Corruption;
// one that loads encodes to bytes that load again into the same state (same hash).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "engine/codec/state_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto state = cm::engine::DecodeState(in, cm::engine::EngineConfig{});
  if (!state.ok()) return 0;
  std::string again;
  cm::engine::EncodeState(*state.value(), &again);
  auto reloaded = cm::engine::DecodeState(again, cm::engine::EngineConfig{});
  if (!reloaded.ok() ||
      cm::engine::StateHash(*reloaded.value()) != cm::engine::StateHash(*state.value()))
    throw std::logic_error("a loaded snapshot does not survive a round trip");
  return 0;
}
