#pragma once
// What the journal's writer (kafka_journal_replicator.h) and its readers
// (kafka_journal_source.h) agree on about the topic: its name, its one partition, the headers
// that label each batch, and how a client is set up.

#include <librdkafka/rdkafka.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>

#include "engine/status.h"
#include "engine/types.h"

namespace cm::replication {

inline constexpr int32_t kJournalPartition = 0;
inline constexpr const char* kFirstHeader = "cm-first";
inline constexpr const char* kLastHeader = "cm-last";
inline constexpr const char* kTermHeader = "cm-term";  // missing before terms: term 0
inline constexpr const char* kSentHeader = "cm-sent-us";  // missing before it: 0 (unknown)

std::string JournalTopic(const std::string& cluster);

Status SetAll(rd_kafka_conf_t* conf,
              std::initializer_list<std::pair<const char*, const char*>> settings);

// A header's decimal seq; 0 when it is missing or not a number.
engine::Seq HeaderSeq(rd_kafka_headers_t* headers, const char* name);

using KafkaHandle = std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)>;

// A consumer that reads the journal partition by explicit assignment (no group membership,
// no committed offsets; read_committed).
Result<KafkaHandle> NewJournalConsumer(const std::string& brokers, const std::string& client_id);

}  // namespace cm::replication
