#pragma once
// A waiting room's opening draw, committed before anyone joins and provable after it opens.
//
// Before the room takes its first join the engine fixes two secrets for it (QueueCommitted): a
// 32-byte seed and a 32-byte pseudonym key, and publishes only their commitments
//     commitment     = SHA-256(seed || concert id as 8 bytes, big-endian || phase as 1 byte)
//     key commitment = SHA-256(key  || concert id as 8 bytes, big-endian || phase as 1 byte)
// (the key's too, because the ranks depend on it: chosen after the joins, it could move them).
// Every pre-queue entry is named by a pseudonym,
//     pseudonym = the first 16 bytes of HMAC-SHA256(key, the user id in decimal ASCII),
// and ranked by
//     rank = SHA-256(seed || pseudonym);
// the pool joins the line in ascending order of (the first 8 bytes of rank, then the
// pseudonym), both compared as unsigned bytes. So the order follows from the committed seed
// and the set of entries alone: not from when anyone joined, nor from who left later.
// The seed is revealed when the room opens (QueueOpened), the key once the phase's sale is over
// (views/queue_proof.h), so during the sale no one can tell whose entry is whose. The rest of
// the order follows from the seed and the entries, so a proof is complete from the opening,
// however far the draw has gone (QueueProofJson completes it).
// docs/architecture.md ("The waiting room's proof") gives the same rules for verifiers.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sha256.h"
#include "engine/types.h"

namespace cm::engine {

using Pseudonym = std::array<uint8_t, 16>;

struct OpeningDraw {
  bool committed = false;
  Sha256Digest seed{};
  Sha256Digest key{};
  Sha256Digest commitment{};
  Sha256Digest key_commitment{};  // follows from the key (not journaled, not encoded)
  TimeMs committed_at = 0;
  Seq committed_seq = 0;
  bool opened = false;  // the seed is public from here on
  TimeMs opened_at = 0;
  Seq opened_seq = 0;
  uint64_t entries = 0;  // the pool at opening
  // Pre-queue joins in join order; 0 where that entry left before the opening (the entries
  // are the others). A user who left and joined again appears where they joined last.
  std::vector<UserId> joined;
  // The entries as the draw took them, in rank order: those who left after the opening too
  // (they are drawn and lose their turn).
  std::vector<UserId> order;

  // Every entry is drawn: the proof can be published.
  bool complete() const { return opened && order.size() == entries; }
  bool operator==(const OpeningDraw&) const = default;
};

// The commitment to a seed or a key of phase `phase` of concert `concert`.
Sha256Digest CommitmentOf(const Sha256Digest& secret, uint64_t concert, uint32_t phase);
// Under a key's HMAC, prepared once (HmacSha256 over OpeningDraw::key).
Pseudonym PseudonymOf(const HmacSha256& key, UserId user);
// The first 8 bytes of SHA-256(seed || pseudonym), big-endian: ascending is the draw's order.
uint64_t RankOf(const Sha256Digest& seed, const Pseudonym& p);
// The draw's order between two entries: by rank, then by pseudonym.
inline bool DrawnBefore(uint64_t rank_a, const Pseudonym& a, uint64_t rank_b,
                        const Pseudonym& b) {
  return rank_a != rank_b ? rank_a < rank_b : a < b;
}
std::string_view AsBytes(const Sha256Digest& d);
// Lower-case hex, as the proof and the views write digests and pseudonyms.
std::string HexOf(const uint8_t* data, std::size_t n);
template <std::size_t N>
std::string HexOf(const std::array<uint8_t, N>& bytes) {
  return HexOf(bytes.data(), N);
}

}  // namespace cm::engine
