#pragma once
// A fast, seeded 64-bit hash (not cryptographic) for state hashes and key digests. Stable
// across runs and builds, because replays on other machines compare its output.

#include <cstdint>
#include <string_view>

namespace cm::engine {

inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Hashes data in 8-byte words; the length is folded in so that prefixes differ.
uint64_t Hash64(std::string_view data, uint64_t seed);

// Incremental form, for hashing a stream of chunks (the whole engine state).
class Hasher {
 public:
  explicit Hasher(uint64_t seed = 0x243f6a8885a308d3ULL) : h_(seed) {}
  void Update(std::string_view chunk) { h_ = Mix64(h_ ^ Hash64(chunk, h_)); }
  uint64_t Final() const { return h_; }

 private:
  uint64_t h_;
};

}  // namespace cm::engine
