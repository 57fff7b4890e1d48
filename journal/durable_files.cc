#include "journal/durable_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

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

Status MakePrivate(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  const auto dir_mode = fs::perms::owner_all;
  const auto file_mode = fs::perms::owner_read | fs::perms::owner_write;
  fs::permissions(dir, dir_mode, ec);
  if (ec) return Status::IOError("cannot chmod " + dir + ": " + ec.message());
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const fs::file_status st = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_symlink(st)) continue;
    fs::permissions(it->path(), fs::is_directory(st) ? dir_mode : file_mode, ec);
    if (ec) break;
  }
  if (ec) return Status::IOError("cannot make " + dir + " private: " + ec.message());
  return Status::OK();
}

}  // namespace cm::journal
