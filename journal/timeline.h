#pragma once
// Starting a new timeline in a data directory: what `concertmania restore` does once the backup
// is laid out. The world may have seen what the lost events made (payment ids and the provider
// keys built from them, ticket codes, reservation ids in e-mails, Kafka messages), so the
// restored engine must never make those ids again. It appends one TimelineStarted event
// (engine/event.h) after the journal's last event: from there, ids are TimelineIdBase(t) + seq
// and ticket versions carry t (engine/types.h).
//
// Which number: one higher than the restored state's timeline and than every timeline this
// backup was already restored as (its RESTORED file, one line per restore), or the operator's
// `requested` when that is higher still. Two copies of one backup restored on two machines
// that cannot see each other's RESTORED file must be given different numbers by hand.
//
// RESTORED := ("timeline <t> from-seq <seq> at-ms <ms>\n")*

#include <optional>
#include <string>

#include "engine/status.h"
#include "engine/types.h"

namespace cm::journal {

struct StartedTimeline {
  engine::TimelineStart start;   // the new timeline, and the seq of its TimelineStarted event
  engine::Timeline previous = 0; // the restored state's timeline
};

// Appends TimelineStarted to the journal in `data_dir` (synced) and returns it. `backup_dir`,
// when not empty, is read for the numbers taken before and gets a line for this one (a backup
// on read-only media is only read). REQUIRES: no server runs on `data_dir`.
Result<StartedTimeline> StartTimeline(const std::string& data_dir, const std::string& backup_dir,
                                      std::optional<engine::Timeline> requested, int64_t now_ms);

// The highest timeline `backup_dir`'s RESTORED file names (0 when there is none).
engine::Timeline HighestRestoredTimeline(const std::string& backup_dir);

}  // namespace cm::journal
