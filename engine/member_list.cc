#include "engine/member_list.h"

#include <cstring>

namespace cm::engine {

std::string NormaliseMemberText(MemberKind kind, std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (kind == MemberKind::kCode) {
      if (space || c == '-') continue;
      out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    } else {
      if (space) continue;  // an address has no spaces; they are copy-and-paste debris
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
  }
  return out;
}

uint64_t NormalisedMemberEntry(const SipKey& key, MemberKind kind, std::string_view normal) {
  char small[256];
  std::string large;
  char* keyed = small;
  if (normal.size() + 1 > sizeof small) {
    large.resize(normal.size() + 1);
    keyed = large.data();
  }
  keyed[0] = static_cast<char>(kind);
  std::memcpy(keyed + 1, normal.data(), normal.size());
  const uint64_t h = SipHash24(key, std::string_view(keyed, normal.size() + 1));
  return h == 0 ? 1 : h;
}

uint64_t MemberEntry(const SipKey& key, MemberKind kind, std::string_view text) {
  return NormalisedMemberEntry(key, kind, NormaliseMemberText(kind, text));
}

bool MemberList::Add(const std::vector<uint64_t>& entries) {
  if (entries_.size() + entries.size() > kMaxMembers) return false;
  for (uint64_t e : entries) entries_.Insert(e, 0);  // a repeat keeps its claim
  return true;
}

bool MemberList::Replace(const std::vector<uint64_t>& entries) {
  if (entries.size() > kMaxMembers) return false;
  std::vector<std::pair<uint64_t, UserId>> kept;
  claims_.ForEach([&](UserId user, uint64_t entry) { kept.emplace_back(entry, user); });
  entries_.Clear();
  claims_.Clear();
  Add(entries);
  for (const auto& [entry, user] : kept)
    if (Has(entry)) Claim(entry, user);
  return true;
}

bool MemberList::Claim(uint64_t entry, UserId user) {
  UserId* by = entries_.Find(entry);
  if (by == nullptr || *by != 0 || claims_.Contains(user)) return false;
  *by = user;
  claims_.Insert(user, entry);
  return true;
}

}  // namespace cm::engine
