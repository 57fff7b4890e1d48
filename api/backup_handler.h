#pragma once
// Online backups for operators: POST /api/admin/backups takes one while sales go on; GET lists
// them, shows one's manifest, and serves its files (`concertmania backup` copies them out).
#include <string_view>

#include "api/backup_port.h"
#include "api/request_context.h"

namespace cm::api {

class BackupHandler {
 public:
  BackupHandler(RequestContext& ctx, BackupPort* port) : ctx_(ctx), port_(port) {}

  void Create(const ExPtr& ex);
  void List(const ExPtr& ex);
  void Get(const ExPtr& ex, std::string_view seq);
  void GetFile(const ExPtr& ex, std::string_view seq);

 private:
  // The admin's claims and a configured port, or an answer already sent.
  bool Allowed(const ExPtr& ex);

  RequestContext& ctx_;
  BackupPort* port_;  // null: this server takes no backups
};

}  // namespace cm::api
