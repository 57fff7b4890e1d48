#include "bench/server_mix.h"

#include <algorithm>

namespace cm::bench {

using namespace cm::engine;

ServerMix::ServerMix(const WorldSpec& spec, uint64_t seed)
    : spec_(spec),
      seats_per_concert_(static_cast<uint32_t>(spec.sections * spec.rows * spec.seats_per_row)),
      rng_(seed) {
  held_.reserve(1 << 20);
  pending_.reserve(1 << 20);
  sessions_.reserve(1 << 12);
  sold_.reserve(1 << 22);
  refunds_.reserve(1 << 20);
}

void ServerMix::Next(TimeMs now, Command* cmd) {
  cmd->now = now;
  cmd->actor_role = Role::kUser;
  cmd->has_idem = false;
  auto as_worker = [&] {
    cmd->actor = 0;
    cmd->actor_role = Role::kSystem;
  };
  if (now - last_tick_ >= 100) {  // the clock thread's tick
    last_tick_ = now;
    as_worker();
    cmd->body = TickCmd{rng_.Next()};
    return;
  }
  if (!refunds_.empty()) {  // the worker reports a refund as soon as it is decided
    as_worker();
    cmd->body = ReportRefundCmd{refunds_.back().first, refunds_.back().second};
    refunds_.pop_back();
    return;
  }
  if (sold_.size() - sold_head_ > 2'000) {  // the system acts for an admin
    as_worker();
    cmd->body = RefundReservationCmd{sold_[sold_head_++]};
    return;
  }
  const uint64_t roll = rng_.Below(100);
  const ConcertId concert = ConcertIdOf(spec_, static_cast<int>(rng_.Below(spec_.concerts)));
  if (roll < 30) {
    HoldSeatsCmd h;
    h.concert = concert;
    const auto n = 1 + rng_.Below(4);
    const SeatIndex base = static_cast<SeatIndex>(rng_.Below(seats_per_concert_ - 4));
    for (uint64_t k = 0; k < n; ++k) h.seats.push_back(base + static_cast<SeatIndex>(k));
    h.requested = h.seats.count;
    cmd->actor = 1 + rng_.Below(spec_.users);
    cmd->has_idem = true;  // the booking page sends a key with every hold
    cmd->idem = IdemKey{++next_key_, 0x5eed};
    cmd->body = h;
  } else if (roll < 38) {
    cmd->actor = 1 + rng_.Below(spec_.users);
    cmd->has_idem = true;
    cmd->idem = IdemKey{++next_key_, 0x5eed};
    cmd->body = HoldBestAvailableCmd{concert, static_cast<uint32_t>(1 + rng_.Below(2)), kAnyGrade,
                                     kAnySection};
  } else if (roll < 50 && !held_.empty()) {
    const Held h = TakeAt(held_, rng_.Below(held_.size()));
    cmd->actor = h.user;
    cmd->body = ReleaseHoldCmd{h.id};
  } else if (roll < 70 && !held_.empty()) {
    const Held h = TakeAt(held_, rng_.Below(held_.size()));
    cmd->actor = h.user;
    cmd->has_idem = true;
    cmd->idem = IdemKey{++next_key_, 0x5eed};
    cmd->body = RequestPaymentCmd{h.id, PaymentMethod::kCard};
  } else if (roll < 90 && !pending_.empty()) {
    const Pending p = TakeAt(pending_, rng_.Below(pending_.size()));
    as_worker();
    const bool captured = rng_.Below(10) != 0;
    cmd->body = ReportChargeCmd{p.id, p.attempt,
                                captured ? ChargeOutcome::kCaptured : ChargeOutcome::kDeclined,
                                captured ? "" : "declined"};
  } else if (roll < 95 || sessions_.empty()) {  // a login
    const UserId user = 1 + rng_.Below(spec_.users);
    const TokenDigest digest{rng_.Next(), rng_.Next()};
    if (sessions_.size() < sessions_.capacity()) sessions_.emplace_back(user, digest);
    else sessions_[rng_.Below(sessions_.size())] = {user, digest};
    cmd->actor = user;
    cmd->body = StartSessionCmd{digest, now + 14LL * 86'400'000};
  } else {  // a token refresh
    auto& [user, digest] = sessions_[rng_.Below(sessions_.size())];
    const TokenDigest fresh{rng_.Next(), rng_.Next()};
    cmd->actor = 0;
    cmd->body = RefreshSessionCmd{digest, fresh, now + 14LL * 86'400'000};
    digest = fresh;
  }
}

void ServerMix::OnEvent(const Event& e, uint64_t, bool) {
  ++events;
  ++by_type[static_cast<int>(TypeOf(e))];
  if (const auto* r = std::get_if<CommandRejected>(&e.body)) {
    ++rejected_by_code[std::min<std::size_t>(static_cast<std::size_t>(r->code), 999)];
  } else if (const auto* h = std::get_if<HoldPlaced>(&e.body)) {
    held_.push_back({h->reservation, h->user});
  } else if (const auto* p = std::get_if<PaymentRequested>(&e.body)) {
    pending_.push_back({p->payment, 1});
  } else if (const auto* f = std::get_if<PaymentFailed>(&e.body); f && !f->final) {
    pending_.push_back({f->payment, f->attempt + 1});
  } else if (const auto* c = std::get_if<ReservationConfirmed>(&e.body)) {
    sold_.push_back(c->reservation);
  } else if (const auto* r = std::get_if<RefundIssued>(&e.body)) {
    refunds_.emplace_back(r->payment, r->amount);
  }
}

}  // namespace cm::bench
