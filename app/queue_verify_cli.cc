#include "app/queue_verify_cli.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

namespace cm::app {
namespace {

using Bytes = std::vector<unsigned char>;

std::optional<Bytes> FromHex(std::string_view hex, std::size_t size) {
  if (hex.size() != 2 * size) return std::nullopt;
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) {
    int v = 0;
    for (char ch : hex.substr(2 * i, 2)) {
      v <<= 4;
      if (ch >= '0' && ch <= '9') v |= ch - '0';
      else if (ch >= 'a' && ch <= 'f') v |= ch - 'a' + 10;
      else return std::nullopt;  // lower-case only, as the proof writes it
    }
    out[i] = static_cast<unsigned char>(v);
  }
  return out;
}

std::string ToHex(const unsigned char* p, std::size_t n) {
  std::string s;
  char two[3];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(two, sizeof two, "%02x", p[i]);
    s += two;
  }
  return s;
}

std::array<unsigned char, 32> Sha256(const Bytes& data) {
  std::array<unsigned char, 32> out;
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_sha256(), nullptr);
  return out;
}

int Refuse(const std::string& why) {
  std::fprintf(stderr, "REFUSED: %s\n", why.c_str());
  return 1;
}

int Verify(const QueueCli& cli) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.load(cli.proof_path).get(doc)) {
    std::fprintf(stderr, "%s: not readable JSON\n", cli.proof_path.c_str());
    return 2;
  }
  std::string_view format, seed_hex, commitment_hex, key_commitment_hex;
  uint64_t concert = 0, phase = 0;
  simdjson::dom::array entries_json, order_json;
  if (doc["format"].get(format) || format != "concertmania-queue-proof/1")
    return Refuse("not a concertmania-queue-proof/1 document");
  if (doc["concertId"].get(concert) || doc["phase"].get(phase) || phase > 7 ||
      doc["seed"].get(seed_hex) || doc["commitment"].get(commitment_hex) ||
      doc["keyCommitment"].get(key_commitment_hex) || doc["entries"].get(entries_json) ||
      doc["order"].get(order_json))
    return Refuse("a field is missing or of the wrong type");
  const auto seed = FromHex(seed_hex, 32);
  const auto commitment = FromHex(commitment_hex, 32);
  const auto key_commitment = FromHex(key_commitment_hex, 32);
  if (!seed || !commitment || !key_commitment)
    return Refuse("the seed and the commitments are 64 hex digits");

  // 1. The commitments published before the sale: SHA-256(secret || concert id, 8 bytes BE ||
  // phase, 1 byte), for the seed now and for the key once it is published.
  auto commits = [&](const Bytes& secret, const Bytes& published) {
    Bytes preimage = secret;
    for (int i = 7; i >= 0; --i) preimage.push_back(static_cast<unsigned char>(concert >> (8 * i)));
    preimage.push_back(static_cast<unsigned char>(phase));
    const auto digest = Sha256(preimage);
    return std::equal(digest.begin(), digest.end(), published.begin());
  };
  if (!commits(*seed, *commitment)) return Refuse("the seed does not match the commitment");
  std::string_view key_hex;
  std::optional<Bytes> key;
  simdjson::dom::element key_json;
  if (doc["pseudonymKey"].get(key_json) || (!key_json.is_null() && key_json.get(key_hex)))
    return Refuse("the pseudonym key is null until the sale is over, then 64 hex digits");
  if (!key_json.is_null()) {
    if (!(key = FromHex(key_hex, 32))) return Refuse("the pseudonym key is not 64 hex digits");
    if (!commits(*key, *key_commitment))
      return Refuse("the pseudonym key does not match its commitment");
  }

  // 2. The order: the entries by (first 8 bytes of SHA-256(seed || entry), then the entry).
  using Entry = std::array<unsigned char, 16>;
  struct Ranked {
    std::array<unsigned char, 8> rank;
    Entry entry;
    bool operator<(const Ranked& o) const {
      return rank != o.rank ? rank < o.rank : entry < o.entry;
    }
  };
  std::vector<Ranked> ranked;
  std::set<Entry> seen;
  for (simdjson::dom::element e : entries_json) {
    std::string_view hex;
    std::optional<Bytes> entry;
    if (e.get(hex) || !(entry = FromHex(hex, 16)))
      return Refuse("an entry is not 32 hex digits");
    Ranked r;
    std::copy_n(entry->begin(), r.entry.size(), r.entry.begin());
    if (!seen.insert(r.entry).second) return Refuse("an entry appears twice");
    Bytes input = *seed;
    input.insert(input.end(), entry->begin(), entry->end());
    const auto digest = Sha256(input);
    std::copy_n(digest.begin(), 8, r.rank.begin());
    ranked.push_back(std::move(r));
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> recomputed;
  for (const Ranked& r : ranked) recomputed.push_back(ToHex(r.entry.data(), r.entry.size()));
  std::vector<std::string> published;
  for (simdjson::dom::element e : order_json) {
    std::string_view hex;
    if (e.get(hex)) return Refuse("an order item is not a string");
    published.emplace_back(hex);
  }
  if (cli.print_order)
    for (const std::string& s : recomputed) std::printf("%s\n", s.c_str());
  if (published.size() != recomputed.size())
    return Refuse("the order has " + std::to_string(published.size()) + " items, the entries " +
                  std::to_string(recomputed.size()));
  for (std::size_t i = 0; i < published.size(); ++i)
    if (published[i] != recomputed[i])
      return Refuse("place " + std::to_string(i + 1) + " of the order is " + published[i] +
                    "; the seed and the entries put " + recomputed[i] + " there");
  std::fprintf(stderr, "OK: the commitment matches the seed, and the %zu entries are in the "
               "order the seed gives\n", recomputed.size());

  // 3. An account's own entry: the first 16 bytes of HMAC-SHA256(key, the id in decimal).
  if (cli.user == 0) return 0;
  if (!key) {
    std::fprintf(stderr, "the pseudonym key is published once the sale is over\n");
    return 0;
  }
  const std::string id = std::to_string(cli.user);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
       reinterpret_cast<const unsigned char*>(id.data()), id.size(), mac, &mac_len);
  const std::string mine = ToHex(mac, 16);
  const auto at = std::find(recomputed.begin(), recomputed.end(), mine);
  if (at == recomputed.end()) {
    std::printf("account %s: entry %s is not among the entries\n", id.c_str(), mine.c_str());
    return 1;
  }
  std::printf("account %s: entry %s, drawn %zu of %zu\n", id.c_str(), mine.c_str(),
              static_cast<std::size_t>(at - recomputed.begin()) + 1, recomputed.size());
  return 0;
}

}  // namespace

void AddQueueCommands(CLI::App& app, QueueCli& cli) {
  cli.root = app.add_subcommand("queue", "A waiting room's proofs");
  cli.root->require_subcommand(1);
  cli.verify = cli.root->add_subcommand(
      "verify", "Check a waiting room's opening proof (GET /api/concerts/{id}/queue/proof)");
  cli.verify->add_option("proof", cli.proof_path, "The proof, as downloaded")->required();
  cli.verify->add_option("--user", cli.user,
                         "An account id: find its entry (once the pseudonym key is published)");
  cli.verify->add_flag("--print-order", cli.print_order,
                       "Print the order the seed gives, one entry a line");
}

int RunQueueCommand(const QueueCli& cli) { return Verify(cli); }

}  // namespace cm::app
