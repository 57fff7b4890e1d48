#include "tests/support/old_records.h"

#include "engine/codec/coding.h"
#include "engine/codec/crc32c.h"
#include "engine/codec/event_codec.h"

namespace cm::test {

std::string AsVersion(const engine::Event& e, uint8_t version, std::size_t drop) {
  std::string rec;
  engine::EncodeEvent(e, &rec);
  std::string payload = rec.substr(4, rec.size() - 8 - drop);
  payload[0] = static_cast<char>(version);
  if (version < 7) payload.erase(1 + 1 + 8 + 8 + 1, 1);  // version, type, seq, ts, flags
  std::string out;
  PutFixed32(&out, static_cast<uint32_t>(payload.size()));
  out += payload;
  PutFixed32(&out, crc32c::Value(payload));
  return out;
}

}  // namespace cm::test
