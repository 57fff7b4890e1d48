#pragma once
// Online backups of a running server (api/backup_port.h): a snapshot on request, then a
// checkpoint of the journal beside the writer and the secrets, assembled under
// <data>/backups/<seq>/ (journal/backup.h). One at a time; sales go on meanwhile.

#include <mutex>
#include <string>

#include "api/backup_port.h"
#include "runtime/pipeline.h"

namespace cm::app {

class BackupService final : public api::BackupPort {
 public:
  BackupService(runtime::Pipeline& pipeline, std::string data_dir)
      : pipeline_(pipeline), data_dir_(std::move(data_dir)) {}

  Start StartBackup(std::function<void(Result<api::BackupInfo>)> done) override;
  std::vector<api::BackupInfo> List() const override;
  std::optional<api::BackupInfo> Find(uint64_t seq) const override;
  Result<std::string> ReadFile(uint64_t seq, const std::string& path) const override;

 private:
  runtime::Pipeline& pipeline_;
  const std::string data_dir_;
  std::mutex mu_;
  bool busy_ = false;  // guarded by mu_
};

}  // namespace cm::app
