#pragma once
// Every command type, listed once. The command body variant, the CommandType numbers and the
// names are derived from this table (engine/command.h).
//
// X(Name, number):
//   Name    the body struct is Name##Cmd (engine/command.h);
//   number  its stable number in CommandRejected events and logs, and its index in
//           CommandBody: append, never renumber.
#define CM_COMMAND_TYPES(X)     \
  X(Tick, 0)                    \
  X(RegisterUser, 1)            \
  X(CreateVenue, 2)             \
  X(CreateConcert, 3)           \
  X(OpenSales, 4)               \
  X(CloseSales, 5)              \
  X(HoldSeats, 6)               \
  X(HoldBestAvailable, 7)       \
  X(ReleaseHold, 8)             \
  X(ConfirmReservation, 9)      \
  X(RefundReservation, 10)      \
  X(StartSession, 11)           \
  X(RefreshSession, 12)         \
  X(EndSession, 13)             \
  X(JoinQueue, 14)              \
  X(LeaveQueue, 15)             \
  X(AbandonQueueTickets, 16)    \
  X(RequestPayment, 17)         \
  X(ReportCharge, 18)           \
  X(ReportRefund, 19)           \
  X(CheckIn, 20)                \
  X(TransferTicket, 21)         \
  X(CancelReservation, 22)      \
  X(ExtendHold, 23)             \
  X(StartTerm, 24)              \
  X(AdoptOrphanCharge, 25)      \
  X(AcceptTransfer, 26)         \
  X(EndTransferOffer, 27)       \
  X(ListMembers, 28)            \
  X(ClaimMemberCode, 29)        \
  X(ReportVirtualAccount, 30)   \
  X(ReportDeposit, 31)          \
  X(RevokeTicket, 32)           \
  X(SetAccountStatus, 33)
