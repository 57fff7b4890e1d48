#pragma once
// Public concert pages: the list, details with availability per grade, and the seat map
// (whole, gzip-compressed when the client accepts it, or one section at a time).
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "api/request_context.h"

namespace cm::api {

class ConcertsHandler {
 public:
  explicit ConcertsHandler(RequestContext& ctx) : reads_(ctx.reads()) {}

  void ListConcerts(const ExPtr& ex);
  void GetConcert(const ExPtr& ex, std::string_view id);
  void GetSeats(const ExPtr& ex, std::string_view id);
  // The hall's shape: the stage and each section's outline (views/venue_layout.h).
  void GetLayout(const ExPtr& ex, std::string_view id);

 private:
  void GetSectionSeats(const ExPtr& ex, engine::ConcertId id, std::string_view section);

  readmodel::ReadModel& reads_;
  static constexpr std::size_t kGzipFrom = 16 * 1024;  // smaller maps go as they are
  std::mutex gzip_mu_;
  std::unordered_map<engine::ConcertId, std::pair<engine::Seq, std::shared_ptr<const std::string>>>
      gzipped_maps_;  // one per concert: its newest compressed seat map
};

}  // namespace cm::api
