// The waiting room: take a place, see it, give it up. Admission itself is decided by the
// engine on its ticks; these endpoints only ask and read.
//
// Proof of admission: the engine's admitted set, checked by the sequencer on every hold (and
// read here from the durable read model so that a request without one is refused before it
// costs a ring slot). We chose it over a signed admission token because it cannot be forged,
// shared or replayed, and it stops working the moment the admission lapses or completes; a
// token would be a second, weaker copy of the same fact that could not be revoked.
#include "api/queue_handler.h"

#include "api/replies.h"
#include "api/request_input.h"
#include "readmodel/queue_presence.h"
#include "readmodel/queue_stats.h"
#include "views/resource_json.h"

namespace cm::api {

using views::WriteQueueTicket;

using engine::Event;

void QueueHandler::ReplyQueueTicket(const ExPtr& ex, engine::ConcertId concert, engine::UserId user,
                                    int status) {
  const double rate = queue_stats_ ? queue_stats_->AdmissionRate(concert, ex->received_ms) : 0;
  struct Found {
    std::string body;
    bool concert = false, room = false, waiting = false;
  };
  Found f = reads_.Read([&](const engine::EngineState& s) {
    Found out;
    const engine::Concert* c = s.FindConcert(concert);
    out.concert = c != nullptr;
    out.room = c != nullptr && c->room != nullptr;
    const engine::QueueTicket* t = out.room ? c->room->Find(user) : nullptr;
    if (t == nullptr) return out;
    out.waiting = t->status == engine::TicketStatus::kWaiting;
    JsonWriter w;
    WriteQueueTicket(w, *c, *t, rate);
    out.body = w.Take();
    return out;
  });
  if (!f.concert)
    return Fail(ex, 404, "UNKNOWN_CONCERT", "no concert with id " + std::to_string(concert));
  if (!f.room) return Fail(ex, 409, "QUEUE_NOT_ENABLED", "this concert has no waiting room");
  if (f.body.empty())
    return Fail(ex, 404, "NOT_IN_QUEUE",
                "you have no place in this waiting room; join with POST on this concert's /queue");
  if (f.waiting && presence_) presence_->Seen(concert, user, ex->received_ms);
  Json(ex, status, std::move(f.body),
       {{http::field::location, "/api/v1/concerts/" + std::to_string(concert) + "/queue/me"},
        {http::field::cache_control, "no-store"}});
}

std::optional<QueueHandler::QueueCaller> QueueHandler::QueueRequest(const ExPtr& ex,
                                                                    std::string_view concert_text) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return std::nullopt;
  auto concert = IdParam(ex, concert_text, "concert");
  if (!concert) return std::nullopt;
  return QueueCaller{*claims, *concert};
}

void QueueHandler::JoinQueue(const ExPtr& ex, std::string_view concert_text) {
  auto caller = QueueRequest(ex, concert_text);
  if (!caller) return;
  auto cmd = NewCommand(ex, caller->claims);
  if (!cmd) return;
  if (!pow_.Pass(ex, caller->claims, caller->concert, PowGate::Step::kJoinQueue, *cmd)) return;
  cmd->body = engine::JoinQueueCmd{caller->concert};
  ctx_.Submit(ex, std::move(*cmd),
              [this, ex, concert = caller->concert, user = caller->claims.sub](const Event& e) {
                const engine::Outcome o = engine::OutcomeOf(e);
                if (std::holds_alternative<engine::QueueJoined>(e.body))
                  return ReplyQueueTicket(ex, concert, user, 201);
                // One place per user: joining again answers with the place already held.
                if (o.code == engine::ResultCode::kAlreadyInQueue ||
                    (std::holds_alternative<engine::DuplicateCommand>(e.body) &&
                     o.code == engine::ResultCode::kOk))
                  return ReplyQueueTicket(ex, concert, user, 200);
                FailEvent(ex, e);
              });
}

void QueueHandler::GetQueueTicket(const ExPtr& ex, std::string_view concert_text) {
  if (auto caller = QueueRequest(ex, concert_text))
    ReplyQueueTicket(ex, caller->concert, caller->claims.sub, 200);
}

void QueueHandler::LeaveQueue(const ExPtr& ex, std::string_view concert_text) {
  auto caller = QueueRequest(ex, concert_text);
  if (!caller) return;
  auto cmd = NewCommand(ex, caller->claims);
  if (!cmd) return;
  cmd->body = engine::LeaveQueueCmd{caller->concert};
  ctx_.Submit(ex, std::move(*cmd),
              [this, ex, concert = caller->concert, user = caller->claims.sub](const Event& e) {
                if (engine::OutcomeOf(e).code != engine::ResultCode::kOk) return FailEvent(ex, e);
                ReplyQueueTicket(ex, concert, user, 200);
              });
}

}  // namespace cm::api
