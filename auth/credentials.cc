#include "auth/credentials.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "auth/jwt.h"

namespace cm::auth {

namespace {
bool g_fast_hashing = false;  // set once at startup, before any thread hashes

// One of OWASP's equivalent argon2id settings (Password Storage Cheat Sheet: m = 7 MiB, t = 5,
// p = 1; libsodium always uses one lane). Of the five, the smallest memory: it measured the
// fastest here (about 20-35 ms a hash against 48-55 ms for m = 19 MiB, t = 2), it pollutes
// least the caches the seat requests share, and concurrent hashes need 7 MiB each.
// Stored hashes describe their own parameters, so hashes made with other settings verify.
constexpr unsigned long long kOpsLimit = 5;
constexpr std::size_t kMemLimit = std::size_t{7} << 20;
}  // namespace

void InitCrypto(bool fast_hashing) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  g_fast_hashing = fast_hashing;
}

std::string HashPassword(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            g_fast_hashing ? crypto_pwhash_OPSLIMIT_MIN : kOpsLimit,
                            g_fast_hashing ? crypto_pwhash_MEMLIMIT_MIN : kMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("argon2id ran out of memory");
  return out;
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  if (hash.rfind("$argon2id$", 0) != 0) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string NewRefreshToken() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

engine::TokenDigest DigestOf(std::string_view refresh_token) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(refresh_token.data()), refresh_token.size(), md);
  engine::TokenDigest d;
  std::memcpy(&d.hi, md, 8);
  std::memcpy(&d.lo, md + 8, 8);
  return d;
}

Result<std::string> LoadOrCreateSigningSecret(const std::string& data_dir,
                                              const std::string& configured) {
  if (!configured.empty()) {
    if (configured.size() < 32)
      return Status::InvalidArgument("the JWT secret must be at least 32 bytes");
    return configured;
  }
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  const std::string path = data_dir + "/jwt-secret";
  if (std::ifstream in(path, std::ios::binary); in) {
    std::string secret((std::istreambuf_iterator<char>(in)), {});
    if (secret.size() < 32) return Status::Corruption(path + " is shorter than 32 bytes");
    return secret;
  }
  unsigned char bytes[48];
  randombytes_buf(bytes, sizeof bytes);
  const std::string secret =
      Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  const bool ok = ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status::IOError("cannot write " + path);
  return secret;
}

}  // namespace cm::auth
