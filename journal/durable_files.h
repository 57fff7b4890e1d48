#pragma once
// Files that must survive a crash once written: write, fsync, and fsync the directory after a
// rename. Snapshots, backups and archive segments use these.

#include <initializer_list>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace cm::journal {

// Creates (or truncates) `path` with `parts`, one after another, and fsyncs it. A big file is
// pushed to the disk 8 MB at a time as it is written (sync_file_range), at most 16 MB in
// flight: a 500 MB snapshot then never leaves one long flush for the journal's own fsyncs to
// queue behind.
Status WriteFileSynced(const std::string& path, std::initializer_list<std::string_view> parts);
inline Status WriteFileSynced(const std::string& path, const std::string& bytes) {
  return WriteFileSynced(path, {std::string_view(bytes)});
}
// fsyncs an existing file (after a copy).
Status SyncFile(const std::string& path);
// fsyncs a directory, so a rename or a new name in it is durable.
Status SyncDir(const std::string& dir);

// Makes `dir` and everything under it its owner's alone (directories 0700, files 0600): a data
// directory holds e-mails, password hashes and the signing keys. Symbolic links are left as
// they are. A directory that does not exist yet is created 0700.
Status MakePrivate(const std::string& dir);

}  // namespace cm::journal
