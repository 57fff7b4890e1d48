#include "tickets/ticket_code.h"

#include <sodium.h>

#include <algorithm>

#include "tickets/signing_key.h"

namespace cm::tickets {
namespace {

constexpr std::string_view kPrefix = "CM1";
constexpr std::string_view kDomain = "concertmania-ticket/1";
constexpr std::size_t kSignature = crypto_sign_BYTES;
// Four varints of at most 10 bytes each, then the signature.
constexpr std::size_t kMaxRaw = 40 + kSignature;

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view* in, uint64_t max, uint64_t* out) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      // One encoding per number: no redundant trailing zero groups, so a code cannot be
      // re-spelled and still verify.
      if (byte == 0 && shift > 0) return false;
      if (v > max) return false;
      *out = v;
      return true;
    }
  }
  return false;
}

std::string Payload(const TicketClaim& c) {
  std::string p;
  PutVarint(&p, c.ticket);
  PutVarint(&p, c.concert);
  PutVarint(&p, c.seat);
  PutVarint(&p, c.version);
  return p;
}

std::string Signed(std::string_view payload) {
  std::string m(kDomain);
  m.append(payload);
  return m;
}

std::string ToBase64Url(const unsigned char* data, std::size_t n) {
  std::string out(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// Decodes strictly: the whole text, no padding, no spaces; at most `max` bytes.
bool FromBase64Url(std::string_view text, std::size_t max, std::string* out) {
  out->assign(max, '\0');
  std::size_t n = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out->data()), max, text.data(),
                        text.size(), nullptr, &n, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size())
    return false;
  out->resize(n);
  // libsodium accepts stray bits in the last character; re-encoding must give the same text,
  // so exactly one spelling of a code verifies.
  return ToBase64Url(reinterpret_cast<const unsigned char*>(out->data()), n) == text;
}

}  // namespace

std::string EncodeTicketCode(const TicketClaim& claim, const SigningKey& key) {
  std::string raw = Payload(claim);
  const auto sig = key.Sign(Signed(raw));
  raw.append(reinterpret_cast<const char*>(sig.data()), sig.size());
  return std::string(kPrefix) +
         ToBase64Url(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::optional<TicketClaim> VerifyTicketCode(std::string_view code, const PublicKey& key) {
  static const bool ready = sodium_init() >= 0;
  if (!ready) return std::nullopt;
  if (code.size() < kPrefix.size() || code.substr(0, kPrefix.size()) != kPrefix ||
      code.size() > kPrefix.size() + 4 * kMaxRaw / 3 + 4)
    return std::nullopt;
  std::string raw;
  if (!FromBase64Url(code.substr(kPrefix.size()), kMaxRaw, &raw) || raw.size() <= kSignature)
    return std::nullopt;
  const std::string_view payload(raw.data(), raw.size() - kSignature);
  std::string_view in = payload;
  TicketClaim c;
  uint64_t seat = 0, version = 0;
  if (!GetVarint(&in, UINT64_MAX, &c.ticket) || !GetVarint(&in, UINT64_MAX, &c.concert) ||
      !GetVarint(&in, UINT32_MAX, &seat) || !GetVarint(&in, UINT32_MAX, &version) ||
      !in.empty() || version == 0)
    return std::nullopt;
  c.seat = static_cast<engine::SeatIndex>(seat);
  c.version = static_cast<uint32_t>(version);
  const std::string message = Signed(payload);
  if (crypto_sign_verify_detached(
          reinterpret_cast<const unsigned char*>(raw.data() + payload.size()),
          reinterpret_cast<const unsigned char*>(message.data()), message.size(),
          key.data()) != 0)
    return std::nullopt;
  return c;
}

std::string PublicKeyText(const PublicKey& key) { return ToBase64Url(key.data(), key.size()); }

std::optional<PublicKey> ParsePublicKey(std::string_view text) {
  std::string raw;
  if (!FromBase64Url(text, 32, &raw) || raw.size() != 32) return std::nullopt;
  PublicKey key;
  std::copy(raw.begin(), raw.end(), key.begin());
  return key;
}

}  // namespace cm::tickets
