#include "app/backup_service.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/wall_clock.h"
#include "journal/backup.h"
#include "journal/recovery.h"

namespace cm::app {
namespace {

api::BackupInfo InfoOf(const journal::Backup& b) {
  api::BackupInfo info{b.seq, b.state_hash, b.created_at_ms, {}};
  for (const journal::BackupFile& f : b.files)
    if (!journal::IsKeyFile(f.path)) info.files.push_back({f.path, f.size, f.crc32c});
  return info;
}

std::string DirOf(const std::string& data_dir, uint64_t seq) {
  return (std::filesystem::path(journal::BackupDir(data_dir)) / std::to_string(seq)).string();
}

}  // namespace

BackupService::Start BackupService::StartBackup(
    std::function<void(Result<api::BackupInfo>)> done) {
  runtime::Pipeline* pipeline = pipeline_.load();
  if (pipeline == nullptr) return Start::kUnavailable;
  {
    std::lock_guard lock(mu_);
    if (busy_) return Start::kBusy;
    busy_ = true;
  }
  // Runs on the snapshot taker's thread, with the snapshot file in place until it returns.
  auto taken = [this, pipeline, done = std::move(done)](
                   Result<runtime::Pipeline::SnapshotTaken> t) {
    Result<api::BackupInfo> out = Status::Halted("no snapshot");
    if (!t.ok()) {
      out = t.status();
    } else {
      auto b = journal::MakeBackup(
          data_dir_, t.value().seq, t.value().state_hash, t.value().path, runtime::WallNowMs(),
          [pipeline](const std::string& dir) { return pipeline->CheckpointJournal(dir); });
      if (b.ok()) {
        uint64_t bytes = 0;
        for (const journal::BackupFile& f : b.value().files) bytes += f.size;
        spdlog::info("backup of seq {} written to {} ({} files, {} bytes)", b.value().seq,
                     b.value().dir, b.value().files.size(), bytes);
        out = InfoOf(b.value());
      } else {
        spdlog::error("backup failed: {}", b.status().ToString());
        out = b.status();
      }
    }
    {
      std::lock_guard lock(mu_);
      busy_ = false;
    }
    done(std::move(out));
  };
  if (!pipeline->RequestSnapshot(std::move(taken))) {
    std::lock_guard lock(mu_);
    busy_ = false;
    return Start::kUnavailable;
  }
  return Start::kStarted;
}

std::vector<api::BackupInfo> BackupService::List() const {
  std::vector<api::BackupInfo> out;
  for (const journal::Backup& b : journal::ListBackups(data_dir_)) out.push_back(InfoOf(b));
  return out;
}

std::optional<api::BackupInfo> BackupService::Find(uint64_t seq) const {
  auto b = journal::ReadBackup(DirOf(data_dir_, seq), false);
  if (!b.ok()) return std::nullopt;
  return InfoOf(b.value());
}

Result<std::string> BackupService::ReadFile(uint64_t seq, const std::string& path) const {
  const std::string dir = DirOf(data_dir_, seq);
  auto b = journal::ReadBackup(dir, false);
  if (b.ok() && journal::IsKeyFile(path) && journal::ListsFile(b.value(), path))
    return Status::NotFound("backup " + std::to_string(seq) + ": keys are never served");
  if (!b.ok() || !journal::ServesFile(b.value(), path))
    return Status::NotFound("backup " + std::to_string(seq) + " has no file " + path);
  if (path == "MANIFEST") {
    // An older backup's lists the keys with their sizes and checksums: served without them.
    journal::Backup served = b.value();
    std::erase_if(served.files,
                  [](const journal::BackupFile& f) { return journal::IsKeyFile(f.path); });
    return journal::FormatManifest(served);
  }
  std::ifstream in(std::filesystem::path(dir) / path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) return Status::IOError("cannot read " + path + " of backup " + std::to_string(seq));
  return bytes.str();
}

}  // namespace cm::app
