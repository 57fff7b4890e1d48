#pragma once
// A concert's member list (팬클럽 회원): who may buy in its members-only phases (SalePhase).
// The admin uploads member codes and emails; the engine keeps only their keyed hashes
// (MemberEntry, under the concert's member_key), so the journal, snapshots and the event log
// hold no fan club's addresses or codes in the clear. The key is journaled with the concert's
// spec: someone with the data directory can test guessed emails against the list, so the
// hashes keep the list out of sight, not away from whoever holds the data.
// - An email entry makes the account with that email a member, checked at each join and hold.
// - A code entry is claimed once, by the first account that enters it (MemberCodeClaimed);
//   that account is a member from then on, and no other account can use the code.
// The kinds are hashed apart, so a member's email entered as a code matches nothing.
// Not thread-safe (the applying thread; readers under the read model's lock).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/flat_map.h"
#include "engine/siphash.h"
#include "engine/types.h"

namespace cm::engine {

enum class MemberKind : uint8_t { kEmail = 'e', kCode = 'c' };

// The entry for `text` of `kind`: emails lower-cased, codes upper-cased; both trimmed, and a
// code's spaces and hyphens dropped ("ab-12 34" and "AB1234" are one code). 0 never results
// (an entry of 0 would read as empty).
uint64_t MemberEntry(const SipKey& key, MemberKind kind, std::string_view text);
// The same for text already normalised (an account's email is stored lower-cased): no copy and,
// up to 255 bytes, no allocation, for the sequencer's check at each hold.
uint64_t NormalisedMemberEntry(const SipKey& key, MemberKind kind, std::string_view normal);
// The text MemberEntry hashes; empty when nothing is left.
std::string NormaliseMemberText(MemberKind kind, std::string_view text);

inline constexpr std::size_t kMaxMembersPerUpload = 10'000;
inline constexpr std::size_t kMaxMembers = 2'000'000;

class MemberList {
 public:
  std::size_t size() const { return entries_.size(); }
  std::size_t claimed() const { return claims_.size(); }
  bool Has(uint64_t entry) const { return entries_.Contains(entry); }
  // The account that claimed code entry `entry`, or 0 (an email entry, or not claimed yet).
  UserId ClaimedBy(uint64_t entry) const {
    const UserId* u = entries_.Find(entry);
    return u == nullptr ? 0 : *u;
  }
  // The code entry `user` claimed, or 0.
  uint64_t ClaimOf(UserId user) const {
    const uint64_t* e = claims_.Find(user);
    return e == nullptr ? 0 : *e;
  }

  // Changes, from EngineState::Apply only.
  // The list becomes `entries` (or kMaxMembers' worth of them: false); a claimed code still on
  // it stays its claimer's, so a corrected upload neither drops members nor frees their codes.
  bool Replace(const std::vector<uint64_t>& entries);
  // False when the list would grow past kMaxMembers.
  bool Add(const std::vector<uint64_t>& entries);
  // False unless `entry` is on the list, unclaimed, and `user` has no claim.
  bool Claim(uint64_t entry, UserId user);

  // For the codec: f(entry, claimed_by) in no particular order.
  template <class F>
  void ForEach(F&& f) const {
    entries_.ForEach(f);
  }

 private:
  FlatMap<uint64_t, UserId> entries_;  // entry -> the account that claimed it (codes), else 0
  FlatMap<UserId, uint64_t> claims_;   // account -> the code entry it claimed
};

}  // namespace cm::engine
