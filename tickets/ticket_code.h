#pragma once
// A ticket's code: what its QR code carries and a door scanner reads. It names the ticket, its
// concert, seat and version, signed with the server's Ed25519 key, so any holder of the public
// key can check it offline. Ed25519 signatures are deterministic: the same ticket version
// always has the same code, so signing happens wherever a code is shown (never in the engine,
// and the private key never enters the journal).
//
// code    := "CM1" base64url-no-padding(payload | signature[64])
// payload := varint ticket | varint concert | varint seat | varint version
// The signature covers "concertmania-ticket/1" followed by the payload.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/types.h"

namespace cm::tickets {

struct TicketClaim {
  engine::TicketId ticket = 0;
  engine::ConcertId concert = 0;
  engine::SeatIndex seat = 0;
  uint32_t version = 0;
  bool operator==(const TicketClaim&) const = default;
};

using PublicKey = std::array<unsigned char, 32>;

class SigningKey;

std::string EncodeTicketCode(const TicketClaim& claim, const SigningKey& key);

// The claim, when `code` is well formed and signed by `key`'s private half; nullopt for
// anything else (wrong prefix, bad base64, short, trailing bytes, a flipped bit, another key).
std::optional<TicketClaim> VerifyTicketCode(std::string_view code, const PublicKey& key);

// base64url without padding: how the public key is published.
std::string PublicKeyText(const PublicKey& key);
std::optional<PublicKey> ParsePublicKey(std::string_view text);

}  // namespace cm::tickets
