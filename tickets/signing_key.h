#pragma once
// The server's Ed25519 ticket-signing key. It lives in <data>/ticket-signing-key (created on
// first start, mode 0600, the 32-byte seed in hex), or comes from a file named by a flag, or
// from the CM_TICKET_SIGNING_KEY environment variable (the seed in hex).

#include <string>
#include <string_view>

#include "engine/status.h"
#include "tickets/ticket_code.h"

namespace cm::tickets {

class SigningKey {
 public:
  // From a 32-byte seed given as 64 hex digits (surrounding whitespace ignored).
  static Result<SigningKey> FromSeedHex(std::string_view hex);
  // A fresh random key (kept nowhere: for tests and tools).
  static SigningKey Generate();
  // The server's key: CM_TICKET_SIGNING_KEY (hex seed) if set, else the file `path_flag`
  // names, else <data_dir>/ticket-signing-key (created on first start).
  static Result<SigningKey> ForServer(const std::string& data_dir, const std::string& path_flag);
  // Reads `path`; when it does not exist, makes a fresh random key and writes it there 0600.
  // Refuses a key file others may read.
  static Result<SigningKey> LoadOrCreate(const std::string& path);

  const PublicKey& public_key() const { return public_; }
  // Signs `message`: the 64-byte detached signature.
  std::array<unsigned char, 64> Sign(std::string_view message) const;

 private:
  std::array<unsigned char, 64> secret_{};
  PublicKey public_{};
};

}  // namespace cm::tickets
