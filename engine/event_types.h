#pragma once
// Every event type, listed once. The event body variant, the EventType tags, the names, the
// journal format versions that may carry each type, the part of the state that applies it and
// the Kafka topic it is published to are all derived from this table (engine/event.h), so a
// new event is one line here plus its struct, its codec and what applies it.
//
// X(Type, tag, since, area, topic):
//   Type   the body struct (engine/event.h);
//   tag    its stable type tag in the journal, and its index in EventBody: append, never
//          renumber (engine/codec/event_codec.h);
//   since  the first event format version that may carry it;
//   area   the part of the state it belongs to (EventArea): what applies and decodes it;
//   topic  the outbox topic it goes to (EventTopic), kNone for events kept in the engine.
#define CM_EVENT_TYPES(X)                                                   \
  X(UserRegistered, 0, 1, kAccount, kNone)                                  \
  X(VenueCreated, 1, 1, kCatalog, kNone)                                    \
  X(ConcertCreated, 2, 1, kCatalog, kNone)                                  \
  X(SalesOpened, 3, 1, kCatalog, kNone)                                     \
  X(SalesClosed, 4, 1, kCatalog, kNone)                                     \
  X(HoldPlaced, 5, 1, kReservation, kReservations)                          \
  X(HoldReleased, 6, 1, kReservation, kReservations)                        \
  X(HoldExpired, 7, 1, kReservation, kReservations)                         \
  X(ReservationConfirmed, 8, 1, kReservation, kReservations)                \
  X(ReservationRefunded, 9, 1, kReservation, kReservations)                 \
  X(CommandRejected, 10, 1, kAnswer, kNone)                                 \
  X(DuplicateCommand, 11, 1, kAnswer, kNone)                                \
  X(SessionStarted, 12, 1, kAccount, kNone)                                 \
  X(SessionRefreshed, 13, 1, kAccount, kNone)                               \
  X(SessionEnded, 14, 1, kAccount, kNone)                                   \
  X(QueueJoined, 15, 2, kQueue, kNone)                                      \
  X(QueueOpened, 16, 2, kQueue, kNone)                                      \
  X(QueueAdmitted, 17, 2, kQueue, kNone)                                    \
  X(QueueTicketsEnded, 18, 2, kQueue, kNone)                                \
  X(PaymentRequested, 19, 3, kPayment, kNone)                               \
  X(PaymentSucceeded, 20, 3, kPayment, kPayments)                           \
  X(PaymentFailed, 21, 3, kPayment, kPayments)                              \
  X(RefundIssued, 22, 3, kPayment, kPayments)                               \
  X(SeatsReleased, 23, 3, kPayment, kReservations)                          \
  X(RefundSettled, 24, 3, kPayment, kNone)                                  \
  X(QueueDrawn, 25, 5, kQueue, kNone)                                       \
  X(TicketIssued, 26, 6, kTicket, kTickets)                                 \
  X(TicketCheckedIn, 27, 6, kTicket, kTickets)                              \
  X(TicketTransferred, 28, 6, kTicket, kTickets)                            \
  X(CheckInConflict, 29, 6, kTicket, kTickets)                              \
  X(ReservationCancelled, 30, 6, kReservation, kReservations)               \
  X(HoldExtended, 31, 6, kReservation, kReservations)                       \
  X(TermStarted, 32, 7, kLog, kNone)                                        \
  X(StateHashed, 33, 8, kLog, kNone)                                        \
  X(TimelineStarted, 34, 9, kLog, kNone)                                    \
  X(TicketOffered, 35, 11, kTicket, kTickets)                               \
  X(TicketOfferEnded, 36, 11, kTicket, kTickets)                            \
  X(SnapshotMarked, 37, 13, kLog, kNone)                                    \
  X(SeatsReturned, 38, 14, kReservation, kNone)                             \
  X(SalePhaseBegan, 39, 17, kCatalog, kNone)                                \
  X(MembersListed, 40, 17, kCatalog, kNone)                                 \
  X(MemberCodeClaimed, 41, 17, kCatalog, kNone)                             \
  X(VirtualAccountIssued, 42, 17, kPayment, kPayments)                      \
  X(QueueCommitted, 43, 18, kCatalog, kNone)                                \
  X(TicketRevoked, 44, 19, kTicket, kTickets)                               \
  X(AccountStatusChanged, 45, 19, kAccount, kNone)
