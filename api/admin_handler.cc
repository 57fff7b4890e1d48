// Admin: venues, concerts, opening and closing sales, settling reservations by hand.
#include "api/admin_handler.h"

#include "api/bank_transfer_input.h"
#include "api/people_handler.h"
#include "api/replies.h"
#include "api/sale_phases_input.h"
#include "api/seat_attributes_input.h"
#include "api/request_input.h"
#include "api/resource_replies.h"
#include "engine/grid_venue.h"
#include "views/resource_json.h"
#include "views/venue_layout.h"

#include <sodium.h>

namespace cm::api {

using engine::Event;

namespace {

// Grades: 1..32 distinct non-empty names.
bool ReadGrades(FieldReader& f, simdjson::dom::object obj, std::vector<std::string>* grades) {
  simdjson::dom::array arr;
  if (!FieldReader(obj).Array("grades", &arr, 1, engine::kMaxGrades))
    return f.Fail("grades", "must be an array of 1 to 32 grade names");
  std::size_t i = 0;
  for (auto item : arr) {
    std::string_view g;
    const std::string at = "grades[" + std::to_string(i++) + "]";
    if (item.get(g) || g.empty() || g.size() > 32)
      return f.Fail(at, "must be a name of 1 to 32 characters");
    if (std::find(grades->begin(), grades->end(), g) != grades->end())
      return f.Fail(at, "repeats grade '" + std::string(g) + "'");
    grades->emplace_back(g);
  }
  return true;
}

// "proofOfWork": {"difficulty", "cost", "maxDifficulty", "risePerSecond"}; the maximum is
// the difficulty unless given (no rise).
bool ReadProofOfWork(simdjson::dom::object obj, engine::ProofOfWorkSettings* pow,
                     FieldReader* outer) {
  FieldReader f(obj);
  int64_t difficulty = 0, cost = 1'000, max = 0, rise = 0;
  f.Int("difficulty", &difficulty, 1, engine::kMaxPowDifficulty) &&
      f.OptionalInt("cost", &cost, 1, engine::kMaxPowCost) &&
      f.OptionalInt("maxDifficulty", &max, difficulty, engine::kMaxPowDifficulty) &&
      f.OptionalInt("risePerSecond", &rise, 0, 1'000'000);
  if (!f.ok())
    return outer->Fail("proofOfWork." + f.error().field,
                       f.error().detail.substr(f.error().field.size() + 2));
  pow->difficulty = static_cast<uint32_t>(difficulty);
  pow->cost = static_cast<uint32_t>(cost);
  pow->max_difficulty = static_cast<uint32_t>(max > 0 ? max : difficulty);
  pow->rise_per_second = static_cast<uint32_t>(rise);
  return true;
}

int GradeIndex(const std::vector<std::string>& grades, std::string_view name) {
  for (std::size_t i = 0; i < grades.size(); ++i)
    if (grades[i] == name) return static_cast<int>(i);
  return -1;
}

constexpr int64_t kPlanLimit = 1'000'000;  // coordinates of seats and outlines: within +-this

// An outline: absent, or 3 to 256 corners [x, y] in the seats' units.
bool ReadOutline(FieldReader& f, simdjson::dom::object obj, std::string_view key,
                 const std::string& path, engine::Outline* out) {
  simdjson::dom::element el;
  if (obj[key].get(el) != simdjson::SUCCESS) return true;
  simdjson::dom::array corners;
  if (el.get(corners) || corners.size() < 3 || corners.size() > engine::kMaxOutlinePoints)
    return f.Fail(path, "must be an array of 3 to 256 corners [x, y]");
  std::size_t i = 0;
  for (auto corner : corners) {
    simdjson::dom::array xy;
    int64_t x = 0, y = 0;
    const std::string at = path + "[" + std::to_string(i++) + "]";
    if (corner.get(xy) || xy.size() != 2 || xy.at(0).get(x) || xy.at(1).get(y) ||
        x < -kPlanLimit || x > kPlanLimit || y < -kPlanLimit || y > kPlanLimit)
      return f.Fail(at, "must be [x, y], integers within +-1000000");
    out->push_back({static_cast<int32_t>(x), static_cast<int32_t>(y)});
  }
  return true;
}

// The detailed form: sections > rows > seats, each seat {number, grade, x, y}, and optionally
// each section's "outline" on the plan.
bool ReadSections(FieldReader& f, simdjson::dom::object obj, engine::VenueSpec* spec) {
  simdjson::dom::array sections;
  if (!FieldReader(obj).Array("sections", &sections, 1, 1000))
    return f.Fail("sections", "must be an array of 1 to 1000 sections");
  std::size_t si = 0, total = 0;
  for (auto sec_el : sections) {
    const std::string sp = "sections[" + std::to_string(si++) + "]";
    simdjson::dom::object sec;
    std::string_view name;
    simdjson::dom::array rows;
    if (sec_el.get(sec)) return f.Fail(sp, "must be an object");
    if (sec["name"].get(name) || name.empty() || name.size() > 64)
      return f.Fail(sp + ".name", "must be a name of 1 to 64 characters");
    if (sec["rows"].get(rows) || rows.size() == 0)
      return f.Fail(sp + ".rows", "must be a non-empty array");
    engine::SectionSpec section{std::string(name), {}, {}};
    if (!ReadOutline(f, sec, "outline", sp + ".outline", &section.outline)) return false;
    std::size_t ri = 0;
    for (auto row_el : rows) {
      const std::string rp = sp + ".rows[" + std::to_string(ri++) + "]";
      simdjson::dom::object row;
      std::string_view label;
      simdjson::dom::array seats;
      if (row_el.get(row)) return f.Fail(rp, "must be an object");
      if (row["label"].get(label) || label.empty() || label.size() > 16)
        return f.Fail(rp + ".label", "must be a label of 1 to 16 characters");
      if (row["seats"].get(seats) || seats.size() == 0)
        return f.Fail(rp + ".seats", "must be a non-empty array");
      engine::RowSpec r{std::string(label), {}};
      std::size_t k = 0;
      for (auto seat_el : seats) {
        const std::string kp = rp + ".seats[" + std::to_string(k++) + "]";
        simdjson::dom::object seat;
        int64_t number, x = 0, y = 0;
        std::string_view grade;
        if (seat_el.get(seat)) return f.Fail(kp, "must be an object");
        if (seat["number"].get(number) || number < 1 || number > 65535)
          return f.Fail(kp + ".number", "must be an integer from 1 to 65535");
        if (seat["grade"].get(grade) || GradeIndex(spec->grades, grade) < 0)
          return f.Fail(kp + ".grade", "must name one of the venue's grades");
        if ((seat["x"].error() != simdjson::NO_SUCH_FIELD && seat["x"].get(x)) ||
            (seat["y"].error() != simdjson::NO_SUCH_FIELD && seat["y"].get(y)) ||
            x < -kPlanLimit || x > kPlanLimit || y < -kPlanLimit || y > kPlanLimit)
          return f.Fail(kp, "x and y must be integers within +-1000000");
        uint8_t attributes = 0;
        if (simdjson::dom::element names; seat["attributes"].get(names) == simdjson::SUCCESS) {
          std::string why;
          if (!ReadAttributeNames(names, &attributes, &why))
            return f.Fail(kp + ".attributes", why);
        }
        r.seats.push_back({static_cast<uint16_t>(number),
                           static_cast<uint8_t>(GradeIndex(spec->grades, grade)),
                           static_cast<int32_t>(x), static_cast<int32_t>(y), attributes});
        // Checked here too, so an oversized venue is refused before it is built in memory.
        if (++total > engine::kDefaultMaxVenueSeats)
          return f.Fail("sections", "a venue holds at most " +
                                        std::to_string(engine::kDefaultMaxVenueSeats) + " seats");
      }
      section.rows.push_back(std::move(r));
    }
    spec->sections.push_back(std::move(section));
  }
  return true;
}

// The venue in a request body: the compact grid or the detailed sections, a stage, marks.
std::shared_ptr<engine::VenueSpec> ReadVenue(FieldReader& f, simdjson::dom::object body) {
  auto spec = std::make_shared<engine::VenueSpec>();
  if (f.String("name", &spec->name, 1, 200) && ReadGrades(f, body, &spec->grades)) {
    simdjson::dom::object grid;
    if (f.Has("grid")) {
      // The compact form: {"sections", "rows", "seatsPerRow", "rowsPerGrade"}.
      int64_t sections = 0, rows = 0, per_row = 0, per_grade = 0;
      if (f.Object("grid", &grid)) {
        FieldReader gf(grid);
        gf.Int("sections", &sections, 1, 64) && gf.Int("rows", &rows, 1, 500) &&
            gf.Int("seatsPerRow", &per_row, 1, 500) && gf.Int("rowsPerGrade", &per_grade, 1, 500);
        if (!gf.ok())
          f.Fail("grid." + gf.error().field, gf.error().detail.substr(gf.error().field.size() + 2));
        else if (sections * rows * per_row > static_cast<int64_t>(engine::kDefaultMaxVenueSeats))
          f.Fail("grid", "a venue holds at most " + std::to_string(engine::kDefaultMaxVenueSeats) +
                             " seats");
        else
          spec = engine::MakeGridVenue(spec->name, spec->grades, static_cast<int>(sections),
                                       static_cast<int>(rows), static_cast<int>(per_row),
                                       static_cast<int>(per_grade));
      }
    } else {
      ReadSections(f, body, spec.get());
    }
    if (f.ok()) ReadOutline(f, body, "stage", "stage", &spec->stage);
    if (f.ok()) ReadAccessibility(f, spec.get());
  }
  return spec;
}

}  // namespace

void AdminHandler::PreviewVenue(const ExPtr& ex) {
  if (!ctx_.Authenticate(ex, true)) return;
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  auto spec = ReadVenue(f, *body);
  if (!f.ok()) return FailInput(ex, f.error());
  std::string why;
  if (engine::ValidateNewVenue(*spec, &why) != engine::ResultCode::kOk)
    return Fail(ex, 422, "INVALID_VENUE", why);
  // Built as the engine builds it, and drawn by the same views the booking page reads.
  const auto venue = engine::Venue::Build(0, spec);
  JsonWriter w;
  w.BeginObject().Field("seatCount", static_cast<uint64_t>(venue->seat_count())).Key("layout");
  views::WriteVenueLayout(w, *venue);
  w.Key("sections").BeginArray();
  for (std::size_t k = 0; k < venue->section_count(); ++k) views::WriteSectionPlan(w, *venue, k);
  w.EndArray().EndObject();
  Json(ex, 200, w.Take(), {{http::field::cache_control, "no-store"}});
}

void AdminHandler::CreateVenue(const ExPtr& ex) {
  auto claims = ctx_.Authenticate(ex, true);
  if (!claims) return;
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  auto spec = ReadVenue(f, *body);
  if (!f.ok()) return FailInput(ex, f.error());
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  cmd->body = engine::CreateVenueCmd{spec};
  ctx_.Submit(ex, std::move(*cmd), [this, ex](const Event& e) {
    engine::VenueId id = 0;
    if (const auto* v = std::get_if<engine::VenueCreated>(&e.body)) id = v->venue;
    if (const auto* d = std::get_if<engine::DuplicateCommand>(&e.body);
        d && d->code == engine::ResultCode::kOk)
      id = d->ref;
    if (id == 0) return FailEvent(ex, e);
    std::string body = reads_.Read([&](const engine::EngineState& s) {
      const engine::Venue* v = s.FindVenue(id);
      JsonWriter w;
      w.BeginObject().Field("id", id);
      if (v != nullptr) {
        w.Field("name", v->spec->name).Field("seatCount", static_cast<uint64_t>(v->seat_count()));
        w.Key("grades").BeginArray();
        for (const auto& g : v->spec->grades) w.String(g);
        w.EndArray().Key("sections").BeginArray();
        for (const auto& sec : v->spec->sections) w.String(sec.name);
        w.EndArray();
      }
      w.EndObject();
      return w.Take();
    });
    Json(ex, 201, std::move(body));
  });
}

void AdminHandler::CreateConcert(const ExPtr& ex) {
  auto claims = ctx_.Authenticate(ex, true);
  if (!claims) return;
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  auto spec = std::make_shared<engine::ConcertSpec>();
  int64_t venue = 0, ttl_s = engine::kDefaultHoldTtlMs / 1000, limit = 4;
  int64_t cooldown_s = engine::kDefaultReholdCooldownMs / 1000, return_window_s = 0;
  simdjson::dom::object prices;
  f.Int("venueId", &venue, 1, INT64_MAX) && f.String("title", &spec->title, 1, 200) &&
      f.Time("startsAt", &spec->starts_at) &&
      (f.Has("salePhases") || (f.Time("salesOpenAt", &spec->sales_open_at) &&
                               f.Time("salesCloseAt", &spec->sales_close_at))) &&
      f.Object("prices", &prices) &&
      f.OptionalInt("holdTtlSeconds", &ttl_s, 1, 3600) &&
      f.OptionalInt("maxSeatsPerUser", &limit, 1,
                    static_cast<int64_t>(engine::kMaxSeatsPerHold) * 4) &&
      f.OptionalInt("reholdCooldownSeconds", &cooldown_s, 0, engine::kMaxReholdCooldownMs / 1000);
  // After the sale: the door, transfers, the refund policy and hold extension.
  int64_t cutoff_h = engine::kDefaultTransferCutoffMs / 3'600'000;
  int64_t extension_s = engine::kDefaultHoldExtensionMs / 1000, max_hold_s = 0;
  int64_t refund_h = engine::kDefaultRefundDeadlineMs / 3'600'000;
  int64_t fee = engine::kDefaultRefundFeePercent;
  spec->doors_open_at = 0;
  if (f.ok() && f.Has("doorsOpenAt")) f.Time("doorsOpenAt", &spec->doors_open_at);
  if (f.ok() && f.Has("refundPolicy")) {
    simdjson::dom::object policy;
    if (f.Object("refundPolicy", &policy)) {
      FieldReader p(policy);
      p.OptionalInt("deadlineHours", &refund_h, 0, 24 * 365) &&
          p.OptionalInt("feePercent", &fee, 0, 100);
      if (!p.ok()) f.Fail("refundPolicy." + p.error().field, p.error().detail);
    }
  }
  f.ok() && f.OptionalInt("transferCutoffHours", &cutoff_h, 0, 24 * 365) &&
      f.OptionalInt("holdExtensionSeconds", &extension_s, 0, 3600) &&
      f.OptionalInt("maxHoldSeconds", &max_hold_s, 0, 4 * 3600) &&
      f.OptionalInt("returnWindowSeconds", &return_window_s, 0,
                    engine::kMaxReturnWindowMs / 1000);
  if (!f.ok()) return FailInput(ex, f.error());
  // The doors open two hours before the show unless told otherwise.
  if (spec->doors_open_at == 0) spec->doors_open_at = spec->starts_at - 2 * 3'600'000;
  spec->transfer_cutoff_ms = cutoff_h * 3'600'000;
  spec->refund = engine::RefundPolicy{refund_h * 3'600'000, static_cast<uint32_t>(fee)};
  spec->hold_extension_ms = extension_s * 1000;
  spec->max_hold_ms = max_hold_s * 1000;
  spec->rehold_cooldown_ms = cooldown_s * 1000;
  spec->return_window_ms = return_window_s * 1000;
  // The key that draws each returning seat's moment: random here, journaled with the concert,
  // never shown, so nobody outside can tell when a given seat comes back.
  if (spec->return_window_ms > 0)
    randombytes_buf(&spec->return_key, sizeof spec->return_key);
  spec->venue = static_cast<engine::VenueId>(venue);
  spec->hold_ttl_ms = ttl_s * 1000;
  spec->max_seats_per_user = static_cast<uint32_t>(limit);
  if (f.Has("waitingRoom")) {
    simdjson::dom::object room;
    if (!f.Object("waitingRoom", &room)) return FailInput(ex, f.error());
    if (!ReadWaitingRoom(room, "waitingRoom", &spec->waiting_room, &f))
      return FailInput(ex, f.error());
  }
  if (!ReadSalePhases(f, spec.get()) || !ReadBankTransfer(f, spec.get()))
    return FailInput(ex, f.error());
  // A fan club's list is hashed under a key of the concert's own, drawn here and never shown.
  for (const engine::SalePhase& p : spec->phases)
    if (p.members_only && spec->member_key == engine::SipKey{})
      randombytes_buf(&spec->member_key, sizeof spec->member_key);
  if (f.Has("accessibleSeats")) {
    simdjson::dom::object rules;
    if (!f.Object("accessibleSeats", &rules)) return FailInput(ex, f.error());
    FieldReader r(rules);
    int64_t companions = spec->accessible.companions_per_space;
    r.OptionalInt("companionsPerSpace", &companions, 0, engine::kMaxCompanionsPerSpace);
    if (r.ok() && r.Has("releaseAt")) r.Time("releaseAt", &spec->accessible.release_at);
    if (!r.ok()) {
      f.Fail("accessibleSeats." + r.error().field,
             r.error().detail.substr(r.error().field.size() + 2));
      return FailInput(ex, f.error());
    }
    spec->accessible.companions_per_space = static_cast<uint32_t>(companions);
  }
  if (f.Has("proofOfWork")) {
    simdjson::dom::object pow;
    if (!f.Object("proofOfWork", &pow)) return FailInput(ex, f.error());
    if (!ReadProofOfWork(pow, &spec->proof_of_work, &f)) return FailInput(ex, f.error());
  }
  // Prices are given by grade name; the engine keeps them by grade index.
  const auto grades = reads_.Read([&](const engine::EngineState& s) {
    const engine::Venue* v = s.FindVenue(spec->venue);
    return v ? std::optional<std::vector<std::string>>(v->spec->grades) : std::nullopt;
  });
  if (!grades) return Fail(ex, 404, "UNKNOWN_VENUE", "no venue with id " + std::to_string(venue));
  spec->price_per_grade.assign(grades->size(), -1);
  for (auto [key, value] : prices) {
    const int g = GradeIndex(*grades, key);
    int64_t price;
    if (g < 0) {
      f.Fail("prices." + std::string(key), "is not a grade of this venue");
      break;
    }
    if (value.get(price) || price < 0 || price > 100'000'000) {
      f.Fail("prices." + std::string(key), "must be a price in KRW from 0 to 100000000");
      break;
    }
    spec->price_per_grade[static_cast<std::size_t>(g)] = price;
  }
  for (std::size_t g = 0; f.ok() && g < grades->size(); ++g)
    if (spec->price_per_grade[g] < 0) f.Fail("prices." + (*grades)[g], "is required");
  if (!f.ok()) return FailInput(ex, f.error());

  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  cmd->body = engine::CreateConcertCmd{spec};
  ctx_.Submit(ex, std::move(*cmd), [this, ex](const Event& e) {
    engine::ConcertId id = 0;
    if (const auto* c = std::get_if<engine::ConcertCreated>(&e.body)) id = c->concert;
    if (const auto* d = std::get_if<engine::DuplicateCommand>(&e.body);
        d && d->code == engine::ResultCode::kOk)
      id = d->ref;
    if (id == 0) return FailEvent(ex, e);
    ReplyConcert(ex, reads_, id, 201);
  });
}

void AdminHandler::SetSales(const ExPtr& ex, std::string_view id_text, bool open) {
  auto claims = ctx_.Authenticate(ex, true);
  if (!claims) return;
  auto id = IdParam(ex, id_text, "concert");
  if (!id) return;
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  if (open)
    cmd->body = engine::OpenSalesCmd{*id};
  else
    cmd->body = engine::CloseSalesCmd{*id};
  ctx_.Submit(ex, std::move(*cmd), [this, ex, id = *id](const Event& e) {
    if (engine::OutcomeOf(e).code != engine::ResultCode::kOk) return FailEvent(ex, e);
    ReplyConcert(ex, reads_, id, 200);
  });
}

void AdminHandler::AdminSettle(const ExPtr& ex, std::string_view id_text, bool confirm) {
  auto claims = ctx_.Authenticate(ex, true);
  if (!claims) return;
  auto id = IdParam(ex, id_text, "reservation");
  if (!id) return;
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  if (confirm) {
    cmd->body = engine::ConfirmReservationCmd{*id};
  } else {
    // {"reason"}, optional: journaled with the refund for support and the seat's history.
    auto reason = ReasonOf(ex, false);
    if (!reason) return;
    cmd->body = engine::RefundReservationCmd{*id, std::move(*reason)};
  }
  ctx_.Submit(ex, std::move(*cmd), [this, ex, id = *id](const Event& e) {
    if (engine::OutcomeOf(e).code != engine::ResultCode::kOk) return FailEvent(ex, e);
    ReplyReservation(ex, reads_, id, 200, false);
  });
}

}  // namespace cm::api
