#include "journal/snapshot_files.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/codec/coding.h"
#include "engine/codec/crc32c.h"
#include "journal/durable_files.h"

namespace cm::journal {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'C', 'M', 'S', 'N', 'A', 'P', '\r', '\n'};
constexpr uint8_t kVersion = 1;
constexpr std::size_t kHeader = 8 + 1 + 8 + 8;

}  // namespace

std::string SnapshotPath(const std::string& dir, engine::Seq seq) {
  char name[64];
  std::snprintf(name, sizeof name, "snapshot-%020llu.snap", static_cast<unsigned long long>(seq));
  return dir + "/" + name;
}

Status WriteSnapshot(const std::string& dir, engine::Seq seq, const std::string& payload,
                     int keep) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  // Written in parts, the payload in place: a state of hundreds of MB is not copied again.
  std::string header(kMagic, sizeof kMagic);
  PutFixed8(&header, kVersion);
  PutFixed64(&header, seq);
  PutFixed64(&header, payload.size());
  std::string crc;
  PutFixed32(&crc, crc32c::Extend(crc32c::Value(header), payload.data(), payload.size()));

  const std::string final_path = SnapshotPath(dir, seq);
  const std::string tmp_path = final_path + ".tmp";
  if (Status s = WriteFileSynced(tmp_path, {header, payload, crc}); !s.ok()) return s;
  if (::rename(tmp_path.c_str(), final_path.c_str()) != 0)
    return Status::IOError("cannot rename " + tmp_path + ": " + std::strerror(errno));
  if (Status s = SyncDir(dir); !s.ok()) return s;

  const auto all = ListSnapshots(dir);
  for (std::size_t i = static_cast<std::size_t>(keep); i < all.size(); ++i)
    fs::remove(all[i].path, ec);  // an old snapshot left behind costs only disk
  return Status::OK();
}

std::vector<SnapshotFile> ListSnapshots(const std::string& dir) {
  std::vector<SnapshotFile> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    unsigned long long seq = 0;
    char tail[8] = {};
    // Exactly "snapshot-<20 digits>.snap"; "*.tmp" and anything else is not a snapshot.
    if (name.size() != 34 ||
        std::sscanf(name.c_str(), "snapshot-%20llu.%4s", &seq, tail) != 2 ||
        std::strcmp(tail, "snap") != 0)
      continue;
    out.push_back(SnapshotFile{seq, entry.path().string()});
  }
  std::sort(out.begin(), out.end(),
            [](const SnapshotFile& a, const SnapshotFile& b) { return a.seq > b.seq; });
  return out;
}

SnapshotBytes& SnapshotBytes::operator=(SnapshotBytes&& o) noexcept {
  if (this != &o) {
    Unmap();
    base_ = std::exchange(o.base_, nullptr);
    size_ = std::exchange(o.size_, 0);
    payload_ = std::exchange(o.payload_, {});
  }
  return *this;
}

SnapshotBytes::~SnapshotBytes() { Unmap(); }

void SnapshotBytes::Unmap() {
  if (base_ != nullptr) ::munmap(base_, size_);
  base_ = nullptr;
  size_ = 0;
  payload_ = {};
}

Status MapSnapshot(const SnapshotFile& file, SnapshotBytes* out) {
  out->Unmap();
  auto bad = [&](const std::string& what) {
    out->Unmap();
    return Status::Corruption("snapshot " + file.path + " (seq " + std::to_string(file.seq) +
                              "): " + what);
  };
  const int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Status::IOError("cannot open snapshot " + file.path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::IOError("cannot read snapshot " + file.path + ": " + std::strerror(err));
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < kHeader + 4) {
    ::close(fd);
    return bad("not a snapshot file, or truncated");
  }
  // Populated at once: one call instead of a fault per page as the decoder reads on.
  void* base = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  const int map_err = errno;
  ::close(fd);
  if (base == MAP_FAILED)
    return Status::IOError("cannot map snapshot " + file.path + ": " + std::strerror(map_err));
  out->base_ = base;
  out->size_ = size;
  const char* bytes = static_cast<const char*>(base);
  if (std::memcmp(bytes, kMagic, 8) != 0) return bad("not a snapshot file, or truncated");
  const uint32_t stored = DecodeFixed32(bytes + size - 4);
  if (crc32c::Extend(0, bytes, size - 4) != stored) return bad("checksum mismatch");
  std::string_view rest(bytes + 8, size - 12);
  uint8_t version = 0;
  uint64_t seq = 0, length = 0;
  if (!GetFixed8(&rest, &version) || !GetFixed64(&rest, &seq) || !GetFixed64(&rest, &length))
    return bad("truncated header");
  if (version != kVersion) return bad("unknown version " + std::to_string(version));
  if (seq != file.seq) return bad("holds seq " + std::to_string(seq) + ", not its name's");
  if (length != rest.size()) return bad("length does not match the file size");
  out->payload_ = rest;
  return Status::OK();
}

Status ReadSnapshot(const SnapshotFile& file, std::string* payload) {
  SnapshotBytes bytes;
  if (Status s = MapSnapshot(file, &bytes); !s.ok()) return s;
  payload->assign(bytes.payload());
  return Status::OK();
}

}  // namespace cm::journal
