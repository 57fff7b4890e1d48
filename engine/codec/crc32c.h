#pragma once
// CRC-32C (Castagnoli), the checksum of journal records and snapshots. Uses the SSE4.2
// instruction when the CPU has it, a table otherwise; both give the same value.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cm::crc32c {

// Extends `crc` (the value of a previous call, or 0) over `data`.
uint32_t Extend(uint32_t crc, const char* data, size_t n);

inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

}  // namespace cm::crc32c
