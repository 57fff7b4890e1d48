#include "engine/hash.h"

#include <cstring>

namespace cm::engine {

uint64_t Hash64(std::string_view data, uint64_t seed) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  uint64_t h = Mix64(seed ^ (data.size() * kMul));
  const char* p = data.data();
  std::size_t n = data.size();
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ Mix64(w)) * kMul;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h = (h ^ Mix64(tail ^ n)) * kMul;
  return Mix64(h);
}

}  // namespace cm::engine
