#pragma once
// The signature on a provider's deposit notice (무통장입금 webhooks), shared by the provider that
// signs (concertmania-fakepg) and the gateway that checks (api/deposit_webhook.h):
//   CM-Signature: t=<unix ms>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
// The time is signed with the body, so an old notice cannot be sent again later, and the gateway
// refuses one outside its tolerance. Needs libsodium (sodium_init run).

#include <cstdint>
#include <string>
#include <string_view>

namespace cm::auth {

inline constexpr std::string_view kDepositSignatureHeader = "CM-Signature";

std::string SignDepositNotice(std::string_view secret, int64_t at_ms, std::string_view body);

enum class SignatureCheck { kOk, kMalformed, kExpired, kForged };
// Checks `header` over `body` at `now_ms`; a time further than `tolerance_ms` either way is
// kExpired. Compares in constant time.
SignatureCheck CheckDepositNotice(std::string_view secret, std::string_view header,
                                  std::string_view body, int64_t now_ms, int64_t tolerance_ms);

}  // namespace cm::auth
