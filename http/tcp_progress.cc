#include "http/tcp_progress.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstddef>

namespace cm::http {

std::optional<uint64_t> BytesAcked(int socket_fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (getsockopt(socket_fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return std::nullopt;
  if (len < offsetof(tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked)
    return std::nullopt;
  return info.tcpi_bytes_acked;
}

std::optional<uint64_t> BytesQueued(int socket_fd) {
  int queued = 0;
  if (ioctl(socket_fd, SIOCOUTQ, &queued) != 0 || queued < 0) return std::nullopt;
  return static_cast<uint64_t>(queued);
}

}  // namespace cm::http
