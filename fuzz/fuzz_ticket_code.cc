// Ticket codes and door bundles, as a scanner or `tickets verify` reads them. The first byte
// picks what the rest is:
//   even: a code; the fuzzer cannot forge Ed25519, so accepting anything but the one code the
//         harness signed is a verifier bug (a second spelling of that code included);
//   odd:  a door bundle (JSON); whatever parses must then answer every code without crashing.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tickets/door_bundle.h"
#include "tickets/signing_key.h"
#include "tickets/ticket_code.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const auto key =
      cm::tickets::SigningKey::FromSeedHex(std::string(64, '7')).value();
  static const cm::tickets::TicketClaim claim{1234, 5, 67, 2};
  static const std::string signed_once = cm::tickets::EncodeTicketCode(claim, key);
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    const auto got = cm::tickets::VerifyTicketCode(rest, key.public_key());
    if (got && (rest != signed_once || !(*got == claim)))
      throw std::logic_error("accepted a code it never signed");
    return 0;
  }
  auto bundle = cm::tickets::ParseDoorBundle(rest);
  if (!bundle.ok()) return 0;
  cm::tickets::TicketClaim seen;
  (void)cm::tickets::VerifyOffline(bundle.value(), signed_once, &seen);
  (void)cm::tickets::VerifyOffline(bundle.value(), rest, &seen);
  return 0;
}
