#pragma once
// Journal records as a writer of an older format version wrote them, for the tests that read
// them back (engine/codec/event_codec.h lists what each version lacks).

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/event.h"

namespace cm::test {

// `e` re-encoded with `version` in its header, without the body's last `drop` bytes (fields
// that version did not have); before version 7 also without the term (term 0 is one byte).
std::string AsVersion(const engine::Event& e, uint8_t version, std::size_t drop = 0);

}  // namespace cm::test
