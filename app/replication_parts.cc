#include "app/replication_parts.h"

#include <spdlog/spdlog.h>

#include <filesystem>

namespace cm::app {

Result<std::unique_ptr<replication::KafkaJournalReplicator>> OpenReplicator(
    const ServeOptions& o) {
  // A promoted standby replicates to the brokers it followed, unless told otherwise.
  const std::string& brokers =
      o.replicate_to_kafka.empty() ? o.replicate_from_kafka : o.replicate_to_kafka;
  if (brokers.empty()) return std::unique_ptr<replication::KafkaJournalReplicator>();
  replication::KafkaReplicationOptions ro;
  ro.brokers = brokers;
  ro.cluster = o.cluster;
  ro.stall_ms = o.replication_stall_ms;
  ro.transactional = o.kafka_transactions;
  return replication::KafkaJournalReplicator::Open(ro);
}

FollowerParts::~FollowerParts() {
  if (follower) follower->Stop();
}

Status StartFollowing(const ServeOptions& o, const runtime::PipelineOptions& po,
                      runtime::DurableListener& listener, EngineBridge& bridge,
                      FollowerParts* out) {
  runtime::FollowerOptions fo;
  fo.data_dir = o.data_dir;
  fo.durability = po.durability;
  fo.engine = po.engine;
  fo.snapshot_every = po.snapshot_every;
  fo.snapshots_kept = po.snapshots_kept;
  auto follower = runtime::Follower::Open(fo, &listener);
  if (!follower.ok()) return follower.status();
  out->follower = std::move(follower).value();
  replication::KafkaSourceOptions so;
  so.brokers = o.replicate_from_kafka;
  so.cluster = o.cluster;
  auto source = replication::KafkaJournalSource::Open(so, out->follower->applied_seq(),
                                                      out->follower->term());
  if (!source.ok()) return source.status();
  out->source = std::move(source).value();
  bridge.SetFollowing(EngineBridge::Following{out->follower.get(), o.leader_url,
                                              o.max_replica_lag_ms, o.data_dir});
  out->follower->Start(*out->source);
  spdlog::info("{}: following {} from seq {}", o.role, out->source->topic(),
               out->follower->applied_seq() + 1);
  return Status::OK();
}

std::string PromoteRequestFile(const std::string& data_dir) { return data_dir + "/promote"; }

bool TakePromoteRequest(const std::string& data_dir) {
  std::error_code ec;
  return std::filesystem::remove(PromoteRequestFile(data_dir), ec);
}

}  // namespace cm::app
