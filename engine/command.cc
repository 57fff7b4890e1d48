#include "engine/command.h"

#include "engine/hash.h"

namespace cm::engine {

std::string_view ToString(CommandType t) {
#define CM_COMMAND_NAME(Name, number) #Name,
  static constexpr std::string_view kNames[] = {CM_COMMAND_TYPES(CM_COMMAND_NAME)};
#undef CM_COMMAND_NAME
  const auto i = static_cast<std::size_t>(t);
  return i < std::size(kNames) ? kNames[i] : "Unknown";
}

namespace {

struct FingerprintVisitor {
  uint64_t h;
  void Add(uint64_t v) { h = Mix64(h ^ v) + 0x9e3779b97f4a7c15ULL; }
  void operator()(const TickCmd&) {}
  void operator()(const RegisterUserCmd& c) { Add(Hash64(c.email, 1)); }
  void operator()(const CreateVenueCmd& c) { Add(c.spec ? Hash64(c.spec->name, 2) : 0); }
  void operator()(const CreateConcertCmd& c) {
    if (c.spec) Add(Hash64(c.spec->title, 3) ^ c.spec->venue);
  }
  void operator()(const OpenSalesCmd& c) { Add(c.concert); }
  void operator()(const CloseSalesCmd& c) { Add(c.concert); }
  void operator()(const HoldSeatsCmd& c) {
    Add(c.concert);
    for (SeatIndex s : c.seats) Add(s);
  }
  void operator()(const HoldBestAvailableCmd& c) {
    Add(c.concert);
    Add(c.count);
    Add(static_cast<uint64_t>(c.grade) << 32 | static_cast<uint32_t>(c.section));
    if (c.accessible) Add(1);  // (so the fingerprints of other holds stay as they were)
  }
  void operator()(const ReleaseHoldCmd& c) { Add(c.reservation); }
  void operator()(const ConfirmReservationCmd& c) { Add(c.reservation); }
  void operator()(const RefundReservationCmd& c) { Add(c.reservation); }
  void operator()(const RevokeTicketCmd& c) { Add(c.ticket); }
  void operator()(const SetAccountStatusCmd& c) {
    Add(c.user);
    Add(c.disabled ? 1 : 0);
  }
  void operator()(const StartSessionCmd& c) { Add(c.refresh_digest.hi ^ c.refresh_digest.lo); }
  void operator()(const RefreshSessionCmd& c) { Add(c.old_digest.hi ^ c.new_digest.lo); }
  void operator()(const EndSessionCmd& c) { Add(c.refresh_digest.hi ^ c.refresh_digest.lo); }
  void operator()(const JoinQueueCmd& c) { Add(c.concert); }
  void operator()(const LeaveQueueCmd& c) { Add(c.concert); }
  void operator()(const AbandonQueueTicketsCmd& c) {
    Add(c.concert);
    for (UserId u : c.users) Add(u);
  }
  void operator()(const RequestPaymentCmd& c) {
    Add(c.reservation);
    Add(static_cast<uint64_t>(c.method));
    // Another wallet under the same key is another request (fingerprints without one unchanged).
    if (c.wallet != EasyPayProvider::kNone) Add(static_cast<uint64_t>(c.wallet));
  }
  void operator()(const ReportChargeCmd& c) {
    Add(c.payment);
    Add(c.attempt);
    Add(static_cast<uint64_t>(c.outcome));
  }
  void operator()(const ReportRefundCmd& c) {
    Add(c.payment);
    Add(static_cast<uint64_t>(c.refunded));
  }
  void operator()(const CheckInCmd& c) {
    Add(c.ticket);
    Add(c.version);
    Add(c.at_concert);
    Add(Hash64(c.gate, 4));
    Add(static_cast<uint64_t>(c.scanned_at));
  }
  void operator()(const TransferTicketCmd& c) {
    Add(c.ticket);
    Add(Hash64(c.to_email, 5));
  }
  void operator()(const AcceptTransferCmd& c) { Add(c.ticket); }
  void operator()(const EndTransferOfferCmd& c) { Add(c.ticket); }
  void operator()(const CancelReservationCmd& c) { Add(c.reservation); }
  void operator()(const ExtendHoldCmd& c) { Add(c.reservation); }
  void operator()(const StartTermCmd& c) {
    Add(c.term);
    Add(Hash64(c.leader, 6));
  }
  void operator()(const ReportVirtualAccountCmd& c) {
    Add(c.payment);
    Add(Hash64(c.bank + "\n" + c.account + "\n" + c.holder, 7));
  }
  void operator()(const ReportDepositCmd& c) {
    Add(c.payment);
    Add(static_cast<uint64_t>(c.amount));
    Add(static_cast<uint64_t>(c.deposited_at));
  }
  void operator()(const ListMembersCmd& c) {
    Add(c.concert);
    Add(c.replace ? 1 : 0);
    for (uint64_t e : c.entries) Add(e);
  }
  void operator()(const ClaimMemberCodeCmd& c) {
    Add(c.concert);
    Add(c.entry);
  }
  void operator()(const AdoptOrphanChargeCmd& c) {
    Add(c.payment);
    Add(static_cast<uint64_t>(c.amount));
  }
};

}  // namespace

uint64_t Fingerprint(const Command& c) {
  FingerprintVisitor v{Mix64(c.body.index() + 1)};
  std::visit(v, c.body);
  return v.h;
}

}  // namespace cm::engine
