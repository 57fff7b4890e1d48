#include "api/backup_handler.h"

#include <cinttypes>
#include <cstdio>

#include "api/replies.h"
#include "api/request_input.h"

namespace cm::api {
namespace {

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

void WriteBackup(JsonWriter& w, const BackupInfo& b) {
  uint64_t bytes = 0;
  for (const BackupFileInfo& f : b.files) bytes += f.size;
  w.BeginObject()
      .Field("seq", b.seq)
      .Field("stateHash", Hex64(b.state_hash))
      .Field("createdAt", json::FormatTime(b.created_at_ms))
      .Field("directory", "backups/" + std::to_string(b.seq))
      .Field("bytes", bytes);
  w.Key("files").BeginArray();
  for (const BackupFileInfo& f : b.files) {
    char crc[9];
    std::snprintf(crc, sizeof crc, "%08" PRIx32, f.crc32c);
    w.BeginObject().Field("path", f.path).Field("size", f.size).Field("crc32c", crc).EndObject();
  }
  w.EndArray().EndObject();
}

std::string Render(const BackupInfo& b) {
  JsonWriter w;
  WriteBackup(w, b);
  return w.Take();
}

}  // namespace

bool BackupHandler::Allowed(const ExPtr& ex) {
  if (!ctx_.Authenticate(ex, true)) return false;
  if (port_ == nullptr) {
    Fail(ex, 503, "BACKUPS_UNAVAILABLE", "this server takes no backups");
    return false;
  }
  return true;
}

void BackupHandler::Create(const ExPtr& ex) {
  if (!Allowed(ex)) return;
  const BackupPort::Start started = port_->StartBackup([ex](Result<BackupInfo> b) {
    if (!b.ok())
      return Fail(ex, 500, "BACKUP_FAILED", "the backup was not taken: " + b.status().ToString());
    Json(ex, 201, Render(b.value()),
         {{http::field::location, "/api/admin/backups/" + std::to_string(b.value().seq)}});
  });
  if (started == BackupPort::Start::kBusy)
    return Fail(ex, 409, "BACKUP_IN_PROGRESS", "another backup is being taken; try again after it");
  if (started == BackupPort::Start::kUnavailable)
    return TryLater(ex, 503, "ENGINE_UNAVAILABLE", "the engine is not taking commands", 5);
}

void BackupHandler::List(const ExPtr& ex) {
  if (!Allowed(ex)) return;
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  for (const BackupInfo& b : port_->List()) WriteBackup(w, b);
  w.EndArray().EndObject();
  Json(ex, 200, w.Take());
}

void BackupHandler::Get(const ExPtr& ex, std::string_view seq_text) {
  if (!Allowed(ex)) return;
  auto seq = IdParam(ex, seq_text, "backup");
  if (!seq) return;
  auto b = port_->Find(*seq);
  if (!b) return Fail(ex, 404, "UNKNOWN_BACKUP", "no backup of seq " + std::to_string(*seq));
  Json(ex, 200, Render(*b));
}

void BackupHandler::GetFile(const ExPtr& ex, std::string_view seq_text) {
  if (!Allowed(ex)) return;
  auto seq = IdParam(ex, seq_text, "backup");
  if (!seq) return;
  const std::string path =
      http::PercentDecode(QueryParam(ex->req.target(), "path")).value_or(std::string());
  if (path.empty())
    return Fail(ex, Problem(422, "VALIDATION_FAILED", "path: the file to read is required")
                        .With([](JsonWriter& w) { w.Field("field", "path"); }));
  auto bytes = port_->ReadFile(*seq, path);
  if (!bytes.ok()) {
    if (bytes.status().IsNotFound())
      return Fail(ex, 404, "UNKNOWN_BACKUP_FILE", bytes.status().message());
    return Fail(ex, 500, "BACKUP_UNREADABLE", bytes.status().ToString());
  }
  Response res{http::status::ok, ex->req.version()};
  res.set(http::field::content_type, "application/octet-stream");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(ex->req.keep_alive());
  res.body() = std::move(bytes).value();
  res.prepare_payload();
  ex->responder->Send(std::move(res));
}

}  // namespace cm::api
