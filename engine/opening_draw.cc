#include "engine/opening_draw.h"

#include <algorithm>
#include <string>

namespace cm::engine {

std::string_view AsBytes(const Sha256Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

std::string HexOf(const uint8_t* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

Sha256Digest CommitmentOf(const Sha256Digest& secret, uint64_t concert, uint32_t phase) {
  uint8_t tail[9];
  for (int i = 0; i < 8; ++i) tail[i] = static_cast<uint8_t>(concert >> (56 - 8 * i));
  tail[8] = static_cast<uint8_t>(phase);  // phases are fewer than kMaxSalePhases (8)
  Sha256 h;
  h.Update(secret.data(), secret.size());
  h.Update(tail, sizeof tail);
  return h.Final();
}

Pseudonym PseudonymOf(const HmacSha256& key, UserId user) {
  const Sha256Digest mac = key.Mac(std::to_string(user));
  Pseudonym p;
  std::copy_n(mac.begin(), p.size(), p.begin());
  return p;
}

uint64_t RankOf(const Sha256Digest& seed, const Pseudonym& p) {
  Sha256 h;
  h.Update(seed.data(), seed.size());
  h.Update(p.data(), p.size());
  const Sha256Digest d = h.Final();
  uint64_t rank = 0;
  for (int i = 0; i < 8; ++i) rank = rank << 8 | d[i];
  return rank;
}

}  // namespace cm::engine
