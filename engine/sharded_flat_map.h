#pragma once
// A FlatMap split by the top bits of each key's hash into 2^kShardBits tables that grow on
// their own. A growing FlatMap rehashes everything at once: at two million entries that is a
// pause of tens of milliseconds on the sequencer, which every command behind it waits out.
// Here one growth rehashes one shard, a 256th of the entries, so no single command pays more
// than that. Same interface as FlatMap, for the engine's big tables.
// Not thread-safe (sequencer thread).

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "engine/flat_map.h"

namespace cm::engine {

template <class Key, class Value, class Hash = U64Hash, unsigned kShardBits = 8>
class ShardedFlatMap {
 public:
  // A shard starts at 64 slots: it holds a few dozen entries before its first growth, so
  // shards of a table of thousands do not each grow on their own small ups and downs.
  using Shard = FlatMap<Key, Value, Hash, 64>;
  static constexpr std::size_t kShards = std::size_t{1} << kShardBits;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  Value* Find(const Key& k) { return ShardOf(k).Find(k); }
  const Value* Find(const Key& k) const { return ShardOf(k).Find(k); }
  bool Contains(const Key& k) const { return Find(k) != nullptr; }

  std::pair<Value*, bool> Insert(const Key& k, const Value& v) {
    auto r = ShardOf(k).Insert(k, v);
    if (r.second) ++size_;
    return r;
  }
  Value& operator[](const Key& k) { return *Insert(k, Value{}).first; }
  bool Erase(const Key& k) {
    if (!ShardOf(k).Erase(k)) return false;
    --size_;
    return true;
  }
  void Clear() {
    for (Shard& s : shards_) s.Clear();
    size_ = 0;
  }
  void Reserve(std::size_t n) {
    // Hashes spread evenly; a little headroom covers the shards that get more than their share.
    for (Shard& s : shards_) s.Reserve(n / kShards + n / kShards / 4 + 1);
  }
  template <class F>
  void ForEach(F&& f) const {
    for (const Shard& s : shards_) s.ForEach(f);
  }
  const Shard& shard(std::size_t i) const { return shards_[i]; }
  std::size_t bytes() const {
    std::size_t b = 0;
    for (const Shard& s : shards_) b += s.bytes();
    return b;
  }

 private:
  Shard& ShardOf(const Key& k) { return shards_[Hash{}(k) >> (64 - kShardBits)]; }
  const Shard& ShardOf(const Key& k) const { return shards_[Hash{}(k) >> (64 - kShardBits)]; }

  std::array<Shard, kShards> shards_;
  std::size_t size_ = 0;
};

}  // namespace cm::engine
