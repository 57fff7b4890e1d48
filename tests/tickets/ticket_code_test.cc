// Ticket codes, the signing key and the offline door bundle, as libraries: every flipped bit of
// a code is refused, so is another key's signature or a second spelling; the key file is made
// 0600 and a readable one refused; bundles answer each verdict.
#include <doctest/doctest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <fstream>

#include "engine/sequencer.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_world.h"
#include "tickets/door_bundle.h"
#include "tickets/qr_svg.h"
#include "tickets/signing_key.h"
#include "tickets/ticket_code.h"

using namespace cm::tickets;

namespace {

const SigningKey& Key() {
  static const SigningKey key = SigningKey::FromSeedHex(std::string(64, 'a')).value();
  return key;
}

// The code's raw bytes (after "CM1"), and the code for other raw bytes.
std::string Raw(const std::string& code) {
  std::string raw(200, '\0');
  std::size_t n = 0;
  REQUIRE(sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(),
                            code.data() + 3, code.size() - 3, nullptr, &n, nullptr,
                            sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0);
  raw.resize(n);
  return raw;
}
std::string Code(const std::string& raw) {
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.size() - 1);
  return "CM1" + out;
}

}  // namespace

TEST_CASE("a code round-trips, is the same every time, and fits a small QR code") {
  const TicketClaim c{9'000'001, 42, 1234, 3};
  const std::string code = EncodeTicketCode(c, Key());
  CHECK(code == EncodeTicketCode(c, Key()));  // Ed25519 is deterministic
  CHECK(code.size() < 110);
  auto back = VerifyTicketCode(code, Key().public_key());
  REQUIRE(back.has_value());
  CHECK(*back == c);
  auto svg = QrSvg(code);
  REQUIRE(svg.has_value());
  CHECK(svg->rfind("<svg", 0) == 0);
}

TEST_CASE("every flipped bit of a code's bytes is refused, and so is every other key") {
  const std::string code = EncodeTicketCode({77, 5, 6, 1}, Key());
  const std::string raw = Raw(code);
  int refused = 0, tried = 0;
  for (std::size_t i = 0; i < raw.size(); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = raw;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      ++tried;
      refused += VerifyTicketCode(Code(bad), Key().public_key()) ? 0 : 1;
    }
  CHECK(refused == tried);
  const SigningKey other = SigningKey::Generate();
  CHECK_FALSE(VerifyTicketCode(EncodeTicketCode({77, 5, 6, 1}, other), Key().public_key()));
  CHECK_FALSE(VerifyTicketCode(code, other.public_key()));
}

TEST_CASE("only one spelling verifies: no padding, no stray bits, no prefix games, no trailing bytes") {
  const std::string code = EncodeTicketCode({1, 2, 3, 4}, Key());
  const auto& pk = Key().public_key();
  CHECK(VerifyTicketCode(code, pk));
  CHECK_FALSE(VerifyTicketCode(code + "=", pk));
  CHECK_FALSE(VerifyTicketCode(code + "A", pk));
  CHECK_FALSE(VerifyTicketCode(" " + code, pk));
  CHECK_FALSE(VerifyTicketCode("cm1" + code.substr(3), pk));
  CHECK_FALSE(VerifyTicketCode(code.substr(0, code.size() - 1), pk));
  CHECK_FALSE(VerifyTicketCode("", pk));
  CHECK_FALSE(VerifyTicketCode("CM1", pk));
  CHECK_FALSE(VerifyTicketCode(std::string(10'000, 'A'), pk));
  // The last character carries unused bits: changing only those must not verify.
  std::string stray = code;
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::size_t at = alphabet.find(stray.back());
  stray.back() = alphabet[at ^ 1];
  CHECK_FALSE(VerifyTicketCode(stray, pk));
}

TEST_CASE("the key file: made 0600 on first start, the same key after, refused when others may read it") {
  cm::test::TempDir dir;
  const std::string path = dir.path() + "/ticket-signing-key";
  auto first = SigningKey::LoadOrCreate(path);
  REQUIRE(first.ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto again = SigningKey::LoadOrCreate(path);
  REQUIRE(again.ok());
  CHECK(again->public_key() == first->public_key());
  ::chmod(path.c_str(), 0644);
  CHECK_FALSE(SigningKey::LoadOrCreate(path).ok());
  ::chmod(path.c_str(), 0600);
  std::ofstream(path, std::ios::trunc) << "not hex\n";
  CHECK_FALSE(SigningKey::LoadOrCreate(path).ok());
  CHECK_FALSE(SigningKey::FromSeedHex(std::string(63, 'a')).ok());
  CHECK_FALSE(SigningKey::FromSeedHex(std::string(64, 'g')).ok());
  CHECK(SigningKey::FromSeedHex("  " + std::string(64, 'a') + "\n").ok());
  CHECK_FALSE(ParsePublicKey("short").has_value());
  CHECK(ParsePublicKey(PublicKeyText(first->public_key())) == first->public_key());
}

TEST_CASE("a door bundle from the engine's state answers each verdict offline, and survives JSON") {
  using namespace cm::test;
  TestWorld w;
  const UserId a = w.AddUser("a@x.io"), b = w.AddUser("b@x.io");
  const ConcertId concert = w.AddConcert(w.AddVenue(GridVenue(1, 2, 5)));
  std::vector<ReservationId> bought;
  for (SeatIndex s : {0u, 1u, 2u, 3u}) {
    const Event held = w.Hold(a, concert, {s});
    bought.push_back(std::get<HoldPlaced>(held.body).reservation);
    w.Run(w.AsAdmin(TestWorld::kStart + 10, ConfirmReservationCmd{bought.back()}));
  }
  auto ticket = [&](std::size_t i) { return *w.state.FindTicket(w.state.FirstTicketOf(bought[i])); };
  auto code_of = [&](const Ticket& t) {
    return EncodeTicketCode({t.id, t.concert, t.seat, t.version}, Key());
  };
  const Ticket before_transfer = ticket(1);
  w.Give(a, before_transfer.id, b, TestWorld::kStart + 20);
  w.Run(w.AsAdmin(TestWorld::kStart + 30, RefundReservationCmd{bought[2]}));
  w.Run(w.AsAdmin(TestWorld::kStart + 40,
                  CheckInCmd{ticket(3).id, concert, ticket(3).seat, 1, concert, "G", false, 0, {}}));
  CHECK(ticket(1).holder == b);
  auto bundle = ParseDoorBundle(ExportDoorBundle(w.state, concert, Key().public_key(), "now"));
  REQUIRE(bundle.ok());
  CHECK(bundle->versions.size() == 4);
  TicketClaim seen;
  CHECK(VerifyOffline(bundle.value(), code_of(ticket(0)), &seen) == OfflineVerdict::kAdmit);
  CHECK(seen.ticket == ticket(0).id);
  CHECK(VerifyOffline(bundle.value(), code_of(ticket(1)), &seen) == OfflineVerdict::kAdmit);
  CHECK(VerifyOffline(bundle.value(), code_of(before_transfer), &seen) == OfflineVerdict::kRevoked);
  CHECK(VerifyOffline(bundle.value(), code_of(ticket(2)), &seen) == OfflineVerdict::kRevoked);
  CHECK(VerifyOffline(bundle.value(), code_of(ticket(3)), &seen) == OfflineVerdict::kAlreadyUsed);
  CHECK(VerifyOffline(bundle.value(), EncodeTicketCode({999, concert, 1, 1}, Key()), &seen) ==
        OfflineVerdict::kUnknownTicket);
  CHECK(VerifyOffline(bundle.value(), EncodeTicketCode({999, concert + 1, 1, 1}, Key()), &seen) ==
        OfflineVerdict::kWrongConcert);
  CHECK(VerifyOffline(bundle.value(), code_of(ticket(0)) + "x", &seen) ==
        OfflineVerdict::kInvalidTicket);
  CHECK_FALSE(ParseDoorBundle("{}").ok());
  CHECK_FALSE(ParseDoorBundle("[").ok());
  CHECK_FALSE(ParseDoorBundle(R"({"format":"concertmania-door-bundle/1","concert":1,"asOfSeq":1,
      "publicKey":"AAAA","tickets":[],"revoked":[],"checkedIn":[]})").ok());
}
