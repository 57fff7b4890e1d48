#pragma once
// Caps on open connections, in all and per remote address, so one client cannot take every
// file handle. A connection holds a Slot for as long as its socket is open, whether it serves
// HTTP or was upgraded to WebSocket.
// Thread-safe.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace cm::http {

class ConnectionLimits : public std::enable_shared_from_this<ConnectionLimits> {
 public:
  // 0 = no cap.
  ConnectionLimits(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  enum class Verdict { kAdmitted, kTooManyFromAddress, kTooManyInAll };
  // The slot, or null and why not. The slot frees itself when the last copy is destroyed.
  std::shared_ptr<void> TryAdmit(const std::string& address, Verdict* verdict);

  std::size_t open() const;
  std::size_t addresses() const;
  std::size_t max_total() const { return max_total_; }

 private:
  // Keeps the limits alive: a WebSocket may outlive the HTTP server that admitted it.
  struct Slot {
    Slot(std::shared_ptr<ConnectionLimits> o, std::string a)
        : owner(std::move(o)), address(std::move(a)) {}
    ~Slot() { owner->Release(address); }
    std::shared_ptr<ConnectionLimits> owner;
    std::string address;
  };
  void Release(const std::string& address);

  const std::size_t max_total_, max_per_address_;
  mutable std::mutex mu_;
  std::size_t open_ = 0;
  std::unordered_map<std::string, std::size_t> per_address_;
};

// The connection cap to use when none is configured: the process's file-handle limit (raised to
// its hard limit first) less `reserve` handles for the journal, snapshots and outgoing clients.
std::size_t DefaultMaxConnections(std::size_t reserve = 512);

}  // namespace cm::http
