#include "tickets/signing_key.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cm::tickets {
namespace {

bool Init() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

}  // namespace

Result<SigningKey> SigningKey::FromSeedHex(std::string_view hex) {
  if (!Init()) return Status::IOError("libsodium failed to initialise");
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.remove_suffix(1);
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.front()))) hex.remove_prefix(1);
  std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
  std::size_t n = 0;
  const char* end = nullptr;
  if (hex.size() != 2 * seed.size() ||
      sodium_hex2bin(seed.data(), seed.size(), hex.data(), hex.size(), nullptr, &n, &end) != 0 ||
      n != seed.size())
    return Status::InvalidArgument("a ticket-signing key is a 32-byte seed in 64 hex digits");
  SigningKey key;
  crypto_sign_seed_keypair(key.public_.data(), key.secret_.data(), seed.data());
  sodium_memzero(seed.data(), seed.size());
  return key;
}

Result<SigningKey> SigningKey::LoadOrCreate(const std::string& path) {
  if (!Init()) return Status::IOError("libsodium failed to initialise");
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0) {
    if ((st.st_mode & 0077) != 0)
      return Status::InvalidArgument(path + " may be read by others (chmod 600 it)");
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return Status::IOError("cannot read " + path);
    auto key = FromSeedHex(text.str());
    if (!key.ok()) return Status::InvalidArgument(path + ": " + key.status().ToString());
    return key;
  }
  std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
  randombytes_buf(seed.data(), seed.size());
  std::string hex(2 * seed.size() + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), seed.data(), seed.size());
  hex.resize(2 * seed.size());
  sodium_memzero(seed.data(), seed.size());
  // Created 0600 from the start, so the key is never readable by others, even for a moment.
  const mode_t old = ::umask(0077);
  {
    std::ofstream out(path, std::ios::trunc);
    out << hex << '\n';
    out.flush();
    if (!out) {
      ::umask(old);
      return Status::IOError("cannot write " + path);
    }
  }
  ::umask(old);
  ::chmod(path.c_str(), 0600);
  return FromSeedHex(hex);
}

SigningKey SigningKey::Generate() {
  Init();
  SigningKey key;
  crypto_sign_keypair(key.public_.data(), key.secret_.data());
  return key;
}

Result<SigningKey> SigningKey::ForServer(const std::string& data_dir,
                                         const std::string& path_flag) {
  if (const char* seed = std::getenv("CM_TICKET_SIGNING_KEY"); seed != nullptr && *seed != '\0') {
    auto key = FromSeedHex(seed);
    if (!key.ok())
      return Status::InvalidArgument("CM_TICKET_SIGNING_KEY: " + key.status().ToString());
    return key;
  }
  if (!path_flag.empty()) return LoadOrCreate(path_flag);
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  return LoadOrCreate((std::filesystem::path(data_dir) / "ticket-signing-key").string());
}

std::array<unsigned char, 64> SigningKey::Sign(std::string_view message) const {
  std::array<unsigned char, 64> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret_.data());
  return sig;
}

}  // namespace cm::tickets
