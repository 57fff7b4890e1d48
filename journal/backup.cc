#include "journal/backup.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "engine/codec/crc32c.h"
#include "journal/durable_files.h"
#include "journal/journal_archive.h"
#include "journal/recovery.h"

namespace cm::journal {
namespace {

namespace fs = std::filesystem;

constexpr const char* kManifest = "MANIFEST";
constexpr const char* kMagic = "concertmania-backup 1";

Status IoError(const std::string& what, const std::error_code& ec) {
  return Status::IOError(what + ": " + ec.message());
}

// Size and crc32c of a file, read in 1 MiB chunks.
Status Checksum(const fs::path& path, BackupFile* f) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path.string());
  std::string buf(1 << 20, '\0');
  f->size = 0;
  f->crc32c = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    f->crc32c = crc32c::Extend(f->crc32c, buf.data(), n);
    f->size += n;
  }
  if (in.bad()) return Status::IOError("cannot read " + path.string());
  return Status::OK();
}

Status CopyFileSynced(const fs::path& from, const fs::path& to, bool secret) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  if (ec) return IoError("cannot create " + to.parent_path().string(), ec);
  fs::copy_file(from, to, fs::copy_options::none, ec);
  if (ec) return IoError("cannot copy " + from.string() + " to " + to.string(), ec);
  if (secret) {
    fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write, ec);
    if (ec) return IoError("cannot restrict " + to.string(), ec);
  }
  return SyncFile(to.string());
}

// Every regular file under `dir` but the manifest, as sorted relative paths.
Result<std::vector<std::string>> FilesUnder(const fs::path& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string rel = fs::relative(it->path(), dir).generic_string();
    if (rel != kManifest) files.push_back(rel);
  }
  if (ec) return IoError("cannot list " + dir.string(), ec);
  std::sort(files.begin(), files.end());
  return files;
}

// A relative path that stays inside the backup: no "..", no root, no empty parts.
bool SafeRelativePath(const std::string& p) {
  if (p.empty() || p.front() == '/') return false;
  for (const auto& part : fs::path(p))
    if (part == ".." || part == "." || part.empty()) return false;
  return true;
}

Result<Backup> ParseManifest(const std::string& dir, const std::string& text) {
  Backup b;
  b.dir = dir;
  std::istringstream in(text);
  std::string line;
  auto bad = [&](const std::string& why) {
    return Status::Corruption("backup " + dir + ": MANIFEST " + why);
  };
  if (!std::getline(in, line) || line != kMagic) return bad("does not start with its format");
  char hex[17] = {};
  if (!std::getline(in, line) || std::sscanf(line.c_str(), "seq %" SCNu64, &b.seq) != 1)
    return bad("has no seq");
  if (!std::getline(in, line) || std::sscanf(line.c_str(), "state-hash %16s", hex) != 1)
    return bad("has no state hash");
  b.state_hash = std::strtoull(hex, nullptr, 16);
  if (!std::getline(in, line) ||
      std::sscanf(line.c_str(), "created-at-ms %" SCNd64, &b.created_at_ms) != 1)
    return bad("has no creation time");
  while (std::getline(in, line)) {
    BackupFile f;
    int path_at = 0;
    if (std::sscanf(line.c_str(), "file %8" SCNx32 " %" SCNu64 " %n", &f.crc32c, &f.size,
                    &path_at) != 2 ||
        path_at == 0)
      return bad("has a malformed line: " + line);
    f.path = line.substr(static_cast<std::size_t>(path_at));
    if (!SafeRelativePath(f.path) || f.path == kManifest) return bad("names " + f.path);
    b.files.push_back(std::move(f));
  }
  return b;
}

}  // namespace

std::string FormatManifest(const Backup& b) {
  std::string out = std::string(kMagic) + "\n";
  char line[256];
  std::snprintf(line, sizeof line, "seq %" PRIu64 "\nstate-hash %016" PRIx64
                "\ncreated-at-ms %" PRId64 "\n", b.seq, b.state_hash, b.created_at_ms);
  out += line;
  for (const BackupFile& f : b.files) {
    std::snprintf(line, sizeof line, "file %08" PRIx32 " %" PRIu64 " ", f.crc32c, f.size);
    out += line + f.path + "\n";
  }
  return out;
}

bool ListsFile(const Backup& b, const std::string& path) {
  if (path == kManifest) return true;
  return std::any_of(b.files.begin(), b.files.end(),
                     [&](const BackupFile& f) { return f.path == path; });
}

Result<Backup> MakeBackup(const std::string& data_dir, engine::Seq seq, uint64_t state_hash,
                          const std::string& snapshot_path, int64_t now_ms,
                          const std::function<Status(const std::string& dir)>& checkpoint) {
  const fs::path backups = BackupDir(data_dir);
  const fs::path final_dir = backups / std::to_string(seq);
  std::error_code ec;
  if (fs::exists(final_dir / kManifest, ec)) return ReadBackup(final_dir.string(), false);
  fs::create_directories(backups, ec);
  if (ec) return IoError("cannot create " + backups.string(), ec);
  fs::permissions(backups, fs::perms::owner_all, ec);  // it holds the secrets
  const fs::path tmp = backups / (std::to_string(seq) + ".partial");
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return IoError("cannot create " + tmp.string(), ec);

  if (Status s = checkpoint((tmp / "journal").string()); !s.ok()) return s;
  const fs::path snapshot(snapshot_path);
  if (Status s = CopyFileSynced(snapshot, tmp / "snapshots" / snapshot.filename(), false);
      !s.ok())
    return s;
  // Archived segments never change: hard links (a copy across file systems).
  for (const ArchivedSegment& seg : ListArchive(ArchiveDir(data_dir))) {
    const fs::path to = tmp / "journal-archive" / fs::path(seg.path).filename();
    fs::create_directories(to.parent_path(), ec);
    fs::create_hard_link(seg.path, to, ec);
    if (ec) {
      ec.clear();
      if (Status s = CopyFileSynced(seg.path, to, false); !s.ok()) return s;
    }
  }

  Backup b;
  b.dir = final_dir.string();
  b.seq = seq;
  b.state_hash = state_hash;
  b.created_at_ms = now_ms;
  auto files = FilesUnder(tmp);
  if (!files.ok()) return files.status();
  for (const std::string& rel : files.value()) {
    BackupFile f;
    f.path = rel;
    if (Status s = Checksum(tmp / rel, &f); !s.ok()) return s;
    b.files.push_back(std::move(f));
  }
  if (Status s = WriteFileSynced((tmp / kManifest).string(), FormatManifest(b)); !s.ok())
    return s;
  if (Status s = SyncDir(tmp.string()); !s.ok()) return s;
  fs::rename(tmp, final_dir, ec);
  if (ec) return IoError("cannot rename " + tmp.string(), ec);
  if (Status s = SyncDir(backups.string()); !s.ok()) return s;
  return b;
}

Result<Backup> ReadBackup(const std::string& dir, bool verify) {
  std::ifstream in(fs::path(dir) / kManifest, std::ios::binary);
  if (!in) return Status::NotFound("no backup in " + dir + " (no MANIFEST)");
  std::stringstream text;
  text << in.rdbuf();
  auto b = ParseManifest(dir, text.str());
  if (!b.ok() || !verify) return b;
  for (const BackupFile& f : b.value().files) {
    // An older backup lists the keys; a copy downloaded from it does not hold them.
    if (IsKeyFile(f.path) && !fs::exists(fs::path(dir) / f.path)) continue;
    BackupFile seen;
    if (Status s = Checksum(fs::path(dir) / f.path, &seen); !s.ok())
      return Status::Corruption("backup " + dir + " is missing " + f.path);
    if (seen.size != f.size || seen.crc32c != f.crc32c)
      return Status::Corruption("backup " + dir + ": " + f.path + " does not match its checksum");
  }
  auto present = FilesUnder(dir);
  if (!present.ok()) return present.status();
  for (const std::string& rel : present.value())
    if (!ListsFile(b.value(), rel) && rel != kRestoredFile)
      return Status::Corruption("backup " + dir + " holds " + rel +
                                ", which MANIFEST does not list");
  return b;
}

std::vector<Backup> ListBackups(const std::string& data_dir) {
  std::vector<Backup> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(BackupDir(data_dir), ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!it->is_directory() || name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    auto b = ReadBackup(it->path().string(), false);
    if (b.ok()) out.push_back(std::move(b).value());
  }
  std::sort(out.begin(), out.end(), [](const Backup& a, const Backup& b) { return a.seq < b.seq; });
  return out;
}

bool IsKeyFile(const std::string& path) {
  return std::find(std::begin(kKeyFiles), std::end(kKeyFiles), path) != std::end(kKeyFiles);
}

bool ServesFile(const Backup& b, const std::string& path) {
  return ListsFile(b, path) && !IsKeyFile(path);
}

bool HoldsKeys(const std::string& dir) {
  std::error_code ec;
  return std::all_of(std::begin(kKeyFiles), std::end(kKeyFiles), [&](const char* key) {
    return fs::is_regular_file(fs::path(dir) / key, ec);
  });
}

Status RestoreBackup(const std::string& from, const std::string& data_dir,
                     const std::string& keys_from) {
  auto b = ReadBackup(from, true);
  if (!b.ok()) return b.status();
  std::error_code ec;
  if (fs::exists(data_dir, ec) && !fs::is_empty(data_dir, ec))
    return Status::InvalidArgument("restore into " + data_dir +
                                   ": the directory is not empty (restore into a new one)");
  if (!keys_from.empty() &&
      std::none_of(std::begin(kKeyFiles), std::end(kKeyFiles), [&](const char* key) {
        return fs::is_regular_file(fs::path(keys_from) / key, ec);
      }))
    return Status::InvalidArgument(keys_from + " holds no key file (jwt-secret, " +
                                   "ticket-signing-key)");
  fs::create_directories(data_dir, ec);
  if (ec) return IoError("cannot create " + data_dir, ec);
  for (const BackupFile& f : b.value().files) {
    const bool key = IsKeyFile(f.path);
    if (key && !fs::exists(fs::path(from) / f.path, ec)) continue;
    if (Status s = CopyFileSynced(fs::path(from) / f.path, fs::path(data_dir) / f.path, key);
        !s.ok())
      return s;
  }
  if (!keys_from.empty()) {
    for (const char* key : kKeyFiles) {
      const fs::path to = fs::path(data_dir) / key;
      if (!fs::is_regular_file(fs::path(keys_from) / key, ec) || fs::exists(to, ec)) continue;
      if (Status s = CopyFileSynced(fs::path(keys_from) / key, to, true); !s.ok()) return s;
    }
  }
  for (const char* sub : {"", "journal", "snapshots"})
    if (Status s = SyncDir((fs::path(data_dir) / sub).string()); !s.ok()) return s;
  return Status::OK();
}

}  // namespace cm::journal
