#include "journal/durable_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
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

Status WriteFileSynced(const std::string& path, std::initializer_list<std::string_view> parts) {
  constexpr off_t kStep = 8 << 20;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create " + path);
  auto fail = [&](const std::string& what) {
    Status s = Errno(what + " " + path);
    ::close(fd);
    return s;
  };
  off_t written = 0, pushed = 0;  // pushed: started to the disk up to here
  for (std::string_view part : parts) {
    std::size_t done = 0;
    while (done < part.size()) {
      const std::size_t want = std::min<std::size_t>(part.size() - done, kStep);
      const ssize_t n = ::write(fd, part.data() + done, want);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail("cannot write");
      done += static_cast<std::size_t>(n);
      written += n;
      if (written - pushed < kStep) continue;
      // Wait for the step before this one, then start this one: a bounded write-behind.
      // Advice only: where it is not supported the fsync below does it all.
      if (pushed >= kStep)
        ::sync_file_range(fd, pushed - kStep, kStep,
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                              SYNC_FILE_RANGE_WAIT_AFTER);
      ::sync_file_range(fd, pushed, written - pushed, SYNC_FILE_RANGE_WRITE);
      pushed = written;
    }
  }
  if (::fsync(fd) != 0) return fail("cannot fsync");
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
