#pragma once
// The replicated journal's topic as a plain consumer reads it from the start, for tests that
// compare it with what was sent (on librdkafka's mock cluster, aborted records included).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cm::test {

struct TopicRecord {
  uint64_t first = 0, last = 0;  // the cm-first and cm-last headers
  std::string value;
  bool operator==(const TopicRecord&) const = default;
};

// Reads until `enough` says the records so far suffice, or, without it, until the end of the
// partition; at most for `limit`.
std::vector<TopicRecord> ReadJournalTopic(
    const std::string& brokers, const std::string& topic,
    const std::function<bool(const std::vector<TopicRecord>&)>& enough,
    std::chrono::seconds limit);

}  // namespace cm::test
