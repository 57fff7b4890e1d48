#pragma once
// Passwords (argon2id through libsodium), refresh tokens and the JWT signing secret.
// Hashing is slow on purpose: it runs on the PasswordPool's threads (or at startup), never on
// the HTTP I/O threads or the sequencer.

#include <optional>
#include <string>
#include <string_view>

#include "engine/status.h"
#include "engine/types.h"

namespace cm::auth {

// Must be called once before any other function here (initialises libsodium). `fast_hashing`
// uses argon2id's minimum cost: for tests and benchmarks that create thousands of accounts,
// never for real accounts.
void InitCrypto(bool fast_hashing = false);

// argon2id at one of OWASP's recommended settings (m = 7 MiB, t = 5, p = 1); the result is
// the self-describing "$argon2id$..." string.
std::string HashPassword(std::string_view password);
bool VerifyPassword(const std::string& hash, std::string_view password);

// A new refresh token: 32 random bytes, base64url. Clients hold the token; the engine holds
// only its digest.
std::string NewRefreshToken();
engine::TokenDigest DigestOf(std::string_view refresh_token);

// The signing secret: `configured` when given (at least 32 bytes), otherwise the one kept in
// <data_dir>/jwt-secret, created with 48 random bytes and mode 0600 on first use.
Result<std::string> LoadOrCreateSigningSecret(const std::string& data_dir,
                                              const std::string& configured);

}  // namespace cm::auth
