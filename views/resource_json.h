#pragma once
// JSON renderings of the read model for replies. They run on I/O threads under the read
// model's shared lock.

#include <optional>
#include <string>

#include "engine/engine_state.h"
#include "json/json_writer.h"

namespace cm::views {

using json::JsonWriter;

// SCHEDULED, ON_SALE or CLOSED, as a buyer would see it at `now`.
std::string_view SalesStatusOf(const engine::Concert& c, int64_t now_ms);

void WriteUser(JsonWriter& w, const engine::User& u);
void WriteConcertSummary(JsonWriter& w, const engine::Concert& c, int64_t now_ms);
// The summary plus grades with prices and available counts.
void WriteConcertDetails(JsonWriter& w, const engine::Concert& c, int64_t now_ms);
// The whole seat map, compact: grades once, then sections > rows > seats, each seat
// [id, number, gradeIndex, price, status] with status "A" (available), "H" (held), "S" (sold).
// The seat map of every section, or of `only_section` (a venue section index) alone.
// A seat's letter on every public map: A(vailable), H(eld) or S(old). A seat given up and not
// back on sale yet (returning) keeps the letter it had: a letter of its own, or a change to
// one, would tell a macro which seats to watch.
char PublicSeatLetter(const engine::SeatMap& seats, engine::SeatIndex s);

std::string RenderSeatMap(const engine::Concert& c, engine::Seq version,
                          std::optional<std::size_t> only_section = std::nullopt);
// Every seat's status letter (A, H or S) in seat id order: a 50,000-seat hall in 50 kB, which a
// page reads without building an object per seat.
std::string RenderSeatLetters(const engine::Concert& c);
// `payment`: the reservation's payment, when it has one (a bank transfer's shows the reservation
// as AWAITING_DEPOSIT, with its account and deadline).
void WriteReservation(JsonWriter& w, const engine::Reservation& r, const engine::Concert& c,
                      const engine::Payment* payment = nullptr);
void WriteReservationSummary(JsonWriter& w, const engine::Reservation& r, const engine::Concert& c,
                             const engine::Payment* payment = nullptr);
// A payment with its status and history (GET /api/payments/{id}).
void WritePayment(JsonWriter& w, const engine::Payment& p);
// A waiting-room place as its user sees it (GET .../queue/me and the WebSocket "queue" message):
// status, position (null in the pre-queue), estimated wait at `admission_rate` per second.
void WriteQueueTicket(JsonWriter& w, const engine::Concert& c, const engine::QueueTicket& t,
                      double admission_rate);
// A seat as people name it: {"id", "section", "row", "number", "grade", "price"}.
void WriteSeat(JsonWriter& w, const engine::Concert& c, engine::SeatIndex s);

}  // namespace cm::views
