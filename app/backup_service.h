#pragma once
// Online backups of a running server (api/backup_port.h): a snapshot on request, then a
// checkpoint of the journal beside the writer and the secrets, assembled under
// <data>/backups/<seq>/ (journal/backup.h). One at a time; sales go on meanwhile. Taken where
// the writes are: from the pipeline attached at startup or on a promotion (none on a follower,
// which lists and serves the backups its directory holds).

#include <atomic>
#include <mutex>
#include <string>

#include "api/backup_port.h"
#include "runtime/pipeline.h"

namespace cm::app {

class BackupService final : public api::BackupPort {
 public:
  explicit BackupService(std::string data_dir) : data_dir_(std::move(data_dir)) {}
  // The pipeline backups are taken from. It must be stopped before the service takes another
  // backup or is destroyed (serve's ShutDown stops it first).
  void Attach(runtime::Pipeline* pipeline) { pipeline_.store(pipeline); }

  Start StartBackup(std::function<void(Result<api::BackupInfo>)> done) override;
  std::vector<api::BackupInfo> List() const override;
  std::optional<api::BackupInfo> Find(uint64_t seq) const override;
  Result<std::string> ReadFile(uint64_t seq, const std::string& path) const override;

 private:
  std::atomic<runtime::Pipeline*> pipeline_{nullptr};
  const std::string data_dir_;
  std::mutex mu_;
  bool busy_ = false;  // guarded by mu_
};

}  // namespace cm::app
