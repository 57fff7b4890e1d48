#include "journal/journal_archive.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "engine/codec/coding.h"
#include "engine/codec/crc32c.h"
#include "journal/durable_files.h"
#include "journal/recovery.h"

namespace cm::journal {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'C', 'M', 'S', 'E', 'G', '\r', '\n', '\0'};

std::string SegmentName(Seq first, Seq last) {
  char name[80];
  std::snprintf(name, sizeof name, "segment-%020" PRIu64 "-%020" PRIu64 ".cmj", first, last);
  return name;
}

void AppendBatch(std::string* out, Seq first, std::string_view records) {
  const std::size_t at = out->size();
  PutFixed64(out, first);
  PutFixed32(out, static_cast<uint32_t>(records.size()));
  out->append(records);
  PutFixed32(out, crc32c::Value(std::string_view(*out).substr(at)));
}

// Visits a segment's batches in order; a damaged file is Corruption naming it.
Status ScanSegment(const ArchivedSegment& seg,
                   const std::function<bool(Seq, std::string_view)>& visit) {
  std::ifstream in(seg.path, std::ios::binary);
  if (!in) return Status::IOError("cannot read archive segment " + seg.path);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string_view rest(bytes);
  if (rest.size() < sizeof kMagic || std::memcmp(rest.data(), kMagic, sizeof kMagic) != 0)
    return Status::Corruption("archive segment " + seg.path + " has no segment header");
  rest.remove_prefix(sizeof kMagic);
  while (!rest.empty()) {
    const std::string_view start = rest;
    uint64_t first;
    uint32_t length, crc;
    if (!GetFixed64(&rest, &first) || !GetFixed32(&rest, &length) || rest.size() < length + 4u)
      return Status::Corruption("archive segment " + seg.path + " is cut short");
    const std::string_view records = rest.substr(0, length);
    rest.remove_prefix(length);
    const std::size_t covered = static_cast<std::size_t>(rest.data() - start.data());
    if (!GetFixed32(&rest, &crc) || crc != crc32c::Value(start.substr(0, covered)))
      return Status::Corruption("archive segment " + seg.path + ": the batch at seq " +
                                std::to_string(first) + " fails its checksum");
    if (!visit(first, records)) return Status::OK();
  }
  return Status::OK();
}

class ArchivedJournal final : public JournalStore {
 public:
  ArchivedJournal(std::vector<ArchivedSegment> segments, JournalStore& live)
      : segments_(std::move(segments)), live_(live) {}

  Status Append(Seq, Seq, std::string_view) override {
    return Status::InvalidArgument("the archive view of the journal is read-only");
  }
  Status Sync() override { return Status::OK(); }

  Status Scan(Seq from, const std::function<bool(Seq, std::string_view)>& visit) override {
    Seq archived_to = 0;
    bool stopped = false;
    for (const ArchivedSegment& seg : segments_) {
      if (seg.last < from) continue;
      Status s = ScanSegment(seg, [&](Seq first, std::string_view records) {
        if (first <= archived_to) return true;  // segments never overlap; be safe anyway
        // The batch holding `from` may start before it; the reader skips what it has.
        if (!visit(first, records)) {
          stopped = true;
          return false;
        }
        return true;
      });
      if (!s.ok()) return s;
      archived_to = seg.last;
      if (stopped) return Status::OK();
    }
    // After a crash between writing a segment and dropping its batches, the live journal still
    // holds them: skip to the first batch after the archive.
    return live_.Scan(std::max(from, archived_to + 1), [&](Seq first, std::string_view records) {
      if (first <= archived_to) return true;
      return visit(first, records);
    });
  }

  std::string Describe(Seq first) const override {
    for (const ArchivedSegment& seg : segments_)
      if (first >= seg.first && first <= seg.last)
        return "archive segment " + seg.path + " (batch at seq " + std::to_string(first) + ")";
    return live_.Describe(first);
  }

 private:
  std::vector<ArchivedSegment> segments_;
  JournalStore& live_;
};

}  // namespace

std::vector<ArchivedSegment> ListArchive(const std::string& archive_dir) {
  std::vector<ArchivedSegment> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(archive_dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    ArchivedSegment seg;
    const std::string name = it->path().filename().string();
    int end = 0;
    if (std::sscanf(name.c_str(), "segment-%20" SCNu64 "-%20" SCNu64 ".cmj%n", &seg.first,
                    &seg.last, &end) != 2 ||
        static_cast<std::size_t>(end) != name.size() || seg.first == 0 || seg.last < seg.first)
      continue;
    seg.path = it->path().string();
    out.push_back(std::move(seg));
  }
  std::sort(out.begin(), out.end(),
            [](const ArchivedSegment& a, const ArchivedSegment& b) { return a.first < b.first; });
  return out;
}

Result<RetentionResult> ApplyRetention(JournalStore& live, const std::string& data_dir,
                                       Seq cutoff, Retention mode) {
  RetentionResult r;
  if (mode == Retention::kOff || cutoff == 0) return r;
  // Batches an earlier run archived but did not get to drop (it crashed in between) are
  // dropped now, not archived twice.
  const std::vector<ArchivedSegment> archived = ListArchive(ArchiveDir(data_dir));
  const Seq archived_to = archived.empty() ? 0 : archived.back().last;
  // A batch ends where the next one starts: it is wholly covered when the next one starts at
  // or before cutoff + 1.
  std::string segment(kMagic, sizeof kMagic);
  Seq segment_first = 0;
  Seq pending_first = 0;
  std::string pending;
  Status scan = live.Scan(1, [&](Seq first, std::string_view records) {
    if (pending_first != 0) {
      if (first > cutoff + 1) return false;
      if (r.first == 0) r.first = pending_first;
      r.last = first - 1;
      ++r.batches;
      r.bytes += pending.size();
      if (mode == Retention::kArchive && pending_first > archived_to) {
        if (segment_first == 0) segment_first = pending_first;
        AppendBatch(&segment, pending_first, pending);
      }
    }
    pending_first = first;
    pending.assign(records);
    return true;
  });
  if (!scan.ok()) return scan;
  if (r.batches == 0) return r;
  if (segment_first != 0) {
    const fs::path dir = ArchiveDir(data_dir);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Status::IOError("cannot create " + dir.string() + ": " + ec.message());
    const fs::path final_path = dir / SegmentName(segment_first, r.last);
    const fs::path tmp = final_path.string() + ".tmp";
    if (Status s = WriteFileSynced(tmp.string(), segment); !s.ok()) return s;
    fs::rename(tmp, final_path, ec);
    if (ec) return Status::IOError("cannot rename " + tmp.string() + ": " + ec.message());
    if (Status s = SyncDir(dir.string()); !s.ok()) return s;
    r.segment = final_path.string();
  }
  if (Status s = live.DropBefore(r.last + 1); !s.ok()) return s;
  return r;
}

std::unique_ptr<JournalStore> WithArchive(const std::string& archive_dir, JournalStore& live) {
  return std::make_unique<ArchivedJournal>(ListArchive(archive_dir), live);
}

}  // namespace cm::journal
