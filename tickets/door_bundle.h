#pragma once
// What an offline door needs to check codes with no network: the public key, and for each of
// the concert's tickets its current version, with the ones revoked or already used at export.
// `concertmania tickets export` writes one; `concertmania tickets verify` checks a code with it.
//
// {"format":"concertmania-door-bundle/1","concert":N,"title":"...","asOfSeq":N,
//  "generatedAt":"...","publicKey":"<base64url>","tickets":[[id,version],...],
//  "revoked":[id,...],"checkedIn":[id,...]}

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "engine/engine_state.h"
#include "tickets/ticket_code.h"

namespace cm::tickets {

struct DoorBundle {
  engine::ConcertId concert = 0;
  std::string title;
  engine::Seq as_of_seq = 0;
  PublicKey key{};
  std::unordered_map<engine::TicketId, uint32_t> versions;  // every ticket: its current version
  std::unordered_set<engine::TicketId> revoked;
  std::unordered_set<engine::TicketId> checked_in;
};

// The bundle of `concert` as `state` has it, as JSON.
std::string ExportDoorBundle(const engine::EngineState& state, engine::ConcertId concert,
                             const PublicKey& key, std::string_view generated_at);
Result<DoorBundle> ParseDoorBundle(std::string_view json);

enum class OfflineVerdict {
  kAdmit,          // signed, this concert, current version, not used at export
  kInvalidTicket,  // not a code signed by the bundle's key
  kWrongConcert,
  kUnknownTicket,  // signed, but the bundle does not list it (issued after the export?)
  kRevoked,        // an older version, or the reservation was cancelled
  kAlreadyUsed,    // checked in before the export
};
std::string_view ToString(OfflineVerdict v);

OfflineVerdict VerifyOffline(const DoorBundle& bundle, std::string_view code, TicketClaim* claim);

}  // namespace cm::tickets
