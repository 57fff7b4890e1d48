#include "journal/timeline.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/codec/event_codec.h"
#include "journal/backup.h"
#include "journal/recovery.h"

namespace cm::journal {
namespace fs = std::filesystem;

engine::Timeline HighestRestoredTimeline(const std::string& backup_dir) {
  std::ifstream in(fs::path(backup_dir) / kRestoredFile);
  engine::Timeline highest = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string tag;
    uint64_t t = 0;
    if (words >> tag >> t && tag == "timeline" && t <= engine::kMaxTimeline)
      highest = std::max<engine::Timeline>(highest, static_cast<engine::Timeline>(t));
  }
  return highest;
}

Result<StartedTimeline> StartTimeline(const std::string& data_dir, const std::string& backup_dir,
                                      std::optional<engine::Timeline> requested, int64_t now_ms) {
  auto journal = OpenRocksJournal(JournalDir(data_dir), Durability::kSync);
  if (!journal.ok()) return journal.status();
  auto recovered = Recover(*journal.value(), SnapshotDir(data_dir), RecoveryOptions{});
  if (!recovered.ok()) return recovered.status();
  engine::EngineState& state = *recovered.value().state;

  const engine::Timeline previous = state.timeline();
  engine::Timeline next = previous + 1;
  if (!backup_dir.empty()) next = std::max(next, HighestRestoredTimeline(backup_dir) + 1);
  if (requested) {
    if (*requested < next)
      return Status::InvalidArgument("timeline " + std::to_string(*requested) +
                                     " was taken already: the lowest free one is " +
                                     std::to_string(next));
    next = *requested;
  }
  if (next > engine::kMaxTimeline)
    return Status::InvalidArgument("timeline " + std::to_string(next) + " is past the last one, " +
                                   std::to_string(engine::kMaxTimeline));

  engine::Event e;
  e.seq = state.last_seq() + 1;
  e.ts = std::max<int64_t>(now_ms, state.clock());
  e.term = state.term();
  e.body = engine::TimelineStarted{next, engine::TimelineIdBase(next)};
  // The state checks it as replay will (ids only grow), before anything is written.
  if (Status s = state.Apply(e); !s.ok()) return s;
  std::string records;
  engine::EncodeEvent(e, &records);
  if (Status s = journal.value()->Append(e.seq, e.seq, records); !s.ok()) return s;
  if (Status s = journal.value()->Sync(); !s.ok()) return s;

  if (!backup_dir.empty()) {
    std::ofstream out(fs::path(backup_dir) / kRestoredFile, std::ios::app);
    out << "timeline " << next << " from-seq " << e.seq << " at-ms " << now_ms << "\n";
  }
  StartedTimeline started;
  started.start = engine::TimelineStart{next, e.seq, engine::TimelineIdBase(next)};
  started.previous = previous;
  return started;
}

}  // namespace cm::journal
