#pragma once
// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed pseudorandom function, written here from
// the paper because the engine depends on the standard library alone. The engine draws what must
// be unpredictable outside and yet replay exactly (a returning seat's moment) as SipHash of
// journaled facts under a journaled secret key.

#include <cstdint>
#include <string_view>

namespace cm::engine {

struct SipKey {
  uint64_t k0 = 0, k1 = 0;
  bool operator==(const SipKey&) const = default;
};

// The 64-bit SipHash-2-4 of `data` (bytes read little-endian, as the paper specifies).
uint64_t SipHash24(const SipKey& key, std::string_view data);

}  // namespace cm::engine
