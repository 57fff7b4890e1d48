#include "journal/durable_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cm::journal {
namespace {

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

Status SyncOpened(int fd, const std::string& path) {
  if (fd < 0) return Errno("cannot open " + path);
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::OK() : Errno("cannot fsync " + path);
}

}  // namespace

Status WriteFileSynced(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create " + path);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Errno("cannot write " + path);
      ::close(fd);
      return s;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = Errno("cannot fsync " + path);
    ::close(fd);
    return s;
  }
  if (::close(fd) != 0) return Errno("cannot close " + path);
  return Status::OK();
}

Status SyncFile(const std::string& path) {
  return SyncOpened(::open(path.c_str(), O_RDONLY | O_CLOEXEC), path);
}

Status SyncDir(const std::string& dir) {
  return SyncOpened(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC), dir);
}

}  // namespace cm::journal
