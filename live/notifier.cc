#include "live/notifier.h"

#include <boost/asio/post.hpp>

#include "json/json_writer.h"
#include "runtime/wall_clock.h"

namespace cm::live {

using json::JsonWriter;
using json::FormatTime;

using namespace engine;

Notifier::Notifier(boost::asio::io_context& io, const readmodel::ReadModel& reads)
    : reads_(reads), strand_(boost::asio::make_strand(io)), timer_(strand_) {}

void Notifier::Start() {
  std::vector<Warning> live;
  reads_.Read([&](const EngineState& s) {
    for (const auto& [id, r] : s.reservations())
      if (IsLive(r.status) && r.expires_at - kWarnBeforeMs > r.created_at)
        live.push_back({r.expires_at - kWarnBeforeMs, id});
    return 0;
  });
  boost::asio::post(strand_, [this, live = std::move(live)] {
    for (const Warning& w : live) warnings_.push(w);
    Tick();
  });
}

void Notifier::Stop() {
  boost::asio::post(strand_, [this] {
    stopped_ = true;
    timer_.cancel();
  });
}

void Notifier::Collect(const Event& e) {
  auto note = [&](ReservationId id, const char* kind) {
    reads_.Read([&](const EngineState& s) {
      if (const Reservation* r = s.FindReservation(id))
        pending_.push_back(
            {r->user, {}, kind, id, r->concert, r->amount, r->expires_at, e.seq, 0});
      return 0;
    });
  };
  switch (TypeOf(e)) {
    case EventType::kHoldPlaced: {
      const auto& b = std::get<HoldPlaced>(e.body);
      pending_.push_back({b.user, {}, "HOLD_PLACED", b.reservation, b.concert, b.amount,
                          b.expires_at, e.seq, 0});
      // Holds shorter than the warning window get no warning.
      if (b.expires_at - kWarnBeforeMs > e.ts)
        pending_warnings_.push_back({b.expires_at - kWarnBeforeMs, b.reservation});
      break;
    }
    case EventType::kHoldExpired:
      note(std::get<HoldExpired>(e.body).reservation, "HOLD_EXPIRED");
      break;
    case EventType::kHoldReleased:
      note(std::get<HoldReleased>(e.body).reservation, "HOLD_RELEASED");
      break;
    case EventType::kReservationConfirmed:
      note(std::get<ReservationConfirmed>(e.body).reservation, "RESERVATION_CONFIRMED");
      break;
    case EventType::kReservationRefunded:
      note(std::get<ReservationRefunded>(e.body).reservation, "REFUND_ISSUED");
      break;
    case EventType::kPaymentSucceeded:
      note(std::get<PaymentSucceeded>(e.body).reservation, "PAYMENT_SUCCEEDED");
      break;
    case EventType::kPaymentFailed:
      // A bank transfer ends for its own reasons: the deadline, or a deposit of another amount.
      if (const auto& b = std::get<PaymentFailed>(e.body); b.final)
        note(b.reservation, b.detail == kDepositDeadlinePassed        ? "DEPOSIT_DEADLINE_PASSED"
                            : b.detail.starts_with(kDepositWrongAmount) ? "DEPOSIT_WRONG_AMOUNT"
                                                                        : "PAYMENT_FAILED");
      break;
    case EventType::kVirtualAccountIssued:  // 무통장입금: where to pay, and by when
      note(std::get<VirtualAccountIssued>(e.body).reservation, "VIRTUAL_ACCOUNT_ISSUED");
      break;
    case EventType::kSeatsReleased:
      note(std::get<SeatsReleased>(e.body).reservation, "SEATS_RELEASED");
      break;
    case EventType::kRefundIssued:  // an admin's refund was announced by ReservationRefunded
      if (const auto& b = std::get<RefundIssued>(e.body); b.why != RefundReason::kReservationRefunded)
        note(b.reservation, "REFUND_ISSUED");
      break;
    case EventType::kHoldExtended: {
      // The hold ends later: its owner hears so, and is warned again before the new end (the
      // old warning no longer matches the hold's expiry, so it is skipped).
      const auto& b = std::get<HoldExtended>(e.body);
      note(b.reservation, "HOLD_EXTENDED");
      if (b.expires_at - kWarnBeforeMs > e.ts)
        pending_warnings_.push_back({b.expires_at - kWarnBeforeMs, b.reservation});
      break;
    }
    case EventType::kReservationCancelled: {
      const auto& b = std::get<ReservationCancelled>(e.body);
      pending_.push_back({b.user, {}, "RESERVATION_CANCELLED", b.reservation, b.concert, b.refund,
                          0, e.seq, 0});
      break;
    }
    case EventType::kTicketIssued: {
      const auto& b = std::get<TicketIssued>(e.body);
      pending_.push_back(
          {b.holder, {}, "TICKET_ISSUED", b.reservation, b.concert, 0, 0, e.seq, b.ticket});
      break;
    }
    case EventType::kTicketTransferred: {
      const auto& b = std::get<TicketTransferred>(e.body);
      pending_.push_back({b.from, {}, "TICKET_TRANSFERRED", 0, b.concert, 0, 0, e.seq, b.ticket});
      pending_.push_back({b.to, {}, "TICKET_RECEIVED", 0, b.concert, 0, 0, e.seq, b.ticket});
      break;
    }
    case EventType::kTicketOffered: {
      // Only the recipient hears of it, and only once they have an account.
      const auto& b = std::get<TicketOffered>(e.body);
      reads_.Read([&](const EngineState& s) {
        if (const User* to = s.FindUserByEmail(b.to_email))
          pending_.push_back({to->id, {}, "TICKET_OFFERED", 0, b.concert, 0, 0, e.seq, b.ticket});
        return 0;
      });
      break;
    }
    case EventType::kTicketOfferEnded: {
      const auto& b = std::get<TicketOfferEnded>(e.body);
      if (b.by != b.from)  // declined: the holder still has it
        pending_.push_back({b.from, {}, "TICKET_OFFER_DECLINED", 0, b.concert, 0, 0, e.seq, b.ticket});
      break;
    }
    case EventType::kTicketCheckedIn: {
      const auto& b = std::get<TicketCheckedIn>(e.body);
      pending_.push_back({b.holder, {}, "TICKET_CHECKED_IN", 0, b.concert, 0, 0, e.seq, b.ticket});
      break;
    }
    default:
      break;
  }
}

void Notifier::Flush() {
  if (pending_.empty() && pending_warnings_.empty()) return;
  boost::asio::post(strand_, [this, notes = std::move(pending_),
                              warnings = std::move(pending_warnings_)]() mutable {
    for (const Warning& w : warnings) warnings_.push(w);
    for (Note& n : notes) {
      JsonWriter w;
      w.BeginObject()
          .Field("type", "notification")
          .Field("kind", n.kind)
          .Field("seq", n.seq);
      if (n.reservation != 0) w.Field("reservationId", n.reservation);
      w.Field("concertId", n.concert);
      if (n.ticket != 0) w.Field("ticketId", n.ticket);
      if (n.amount != 0 || n.ticket == 0) w.Field("amount", n.amount);
      if (n.expires_at != 0) w.Field("expiresAt", FormatTime(n.expires_at));
      w.EndObject();
      Deliver(n.user, std::make_shared<const std::string>(w.Take()));
    }
  });
  pending_.clear();
  pending_warnings_.clear();
}

void Notifier::Subscribe(std::weak_ptr<LiveSubscriber> s, UserId user) {
  boost::asio::post(strand_, [this, s = std::move(s), user] {
    auto& list = sockets_[user];
    std::erase_if(list, [](const auto& w) { return w.expired(); });
    list.push_back(s);
  });
}

void Notifier::Deliver(UserId user, std::shared_ptr<const std::string> message) {
  auto it = sockets_.find(user);
  if (it == sockets_.end()) return;
  std::erase_if(it->second, [&](const std::weak_ptr<LiveSubscriber>& w) {
    auto s = w.lock();
    if (!s) return true;
    s->Push(message);
    return false;
  });
  if (it->second.empty()) sockets_.erase(it);
}

// Once a second: holds whose warning time has come and that are still live get HOLD_EXPIRING.
void Notifier::Tick() {
  if (stopped_) return;
  const TimeMs now = runtime::WallNowMs();
  while (!warnings_.empty() && warnings_.top().warn_at <= now) {
    const Warning w = warnings_.top();
    warnings_.pop();
    struct Due {
      UserId user = 0;
      ConcertId concert = 0;
      TimeMs expires_at = 0;
      int64_t amount = 0;
    };
    const Due due = reads_.Read([&](const EngineState& s) {
      const Reservation* r = s.FindReservation(w.reservation);
      if (r == nullptr || !IsLive(r->status) || r->expires_at - kWarnBeforeMs != w.warn_at)
        return Due{};
      return Due{r->user, r->concert, r->expires_at, r->amount};
    });
    if (due.user == 0 || due.expires_at <= now) continue;
    JsonWriter out;
    out.BeginObject()
        .Field("type", "notification")
        .Field("kind", "HOLD_EXPIRING")
        .Field("reservationId", w.reservation)
        .Field("concertId", due.concert)
        .Field("amount", due.amount)
        .Field("expiresAt", FormatTime(due.expires_at))
        .Field("secondsLeft", (due.expires_at - now + 999) / 1000)
        .EndObject();
    Deliver(due.user, std::make_shared<const std::string>(out.Take()));
  }
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Tick();
  });
}

}  // namespace cm::live
