#pragma once
// How far the peer has read what we sent, from the kernel (Linux TCP_INFO), in its own file
// because <linux/tcp.h> clashes with the <netinet/tcp.h> that Asio includes.

#include <cstdint>
#include <optional>

namespace cm::http {

// Bytes of this connection the peer has acknowledged so far; nullopt when the kernel cannot
// tell (not TCP, or an old kernel).
std::optional<uint64_t> BytesAcked(int socket_fd);

// What the kernel still holds to send: bytes in the send queue, unsent or unacknowledged
// (SIOCOUTQ); nullopt when it cannot tell.
std::optional<uint64_t> BytesQueued(int socket_fd);

}  // namespace cm::http
