// Users, venues, concerts and who may create them.
#include <doctest/doctest.h>

#include "engine/codec/event_codec.h"
#include "engine/codec/state_codec.h"
#include "tests/support/old_records.h"
#include "tests/support/test_world.h"

using namespace cm::test;

TEST_CASE("users get ids from their event, and emails are unique") {
  TestWorld w;
  Event e = w.Run(w.As(0, TestWorld::kStart, RegisterUserCmd{"a@x.io", "hash", Role::kUser, ""}));
  REQUIRE(TypeOf(e) == EventType::kUserRegistered);
  CHECK(std::get<UserRegistered>(e.body).user == e.seq);
  CHECK(w.state.FindUserByEmail("a@x.io")->id == e.seq);
  Event dup = w.Run(w.As(0, TestWorld::kStart, RegisterUserCmd{"a@x.io", "other", Role::kUser, ""}));
  CHECK(CodeOf(dup) == ResultCode::kEmailTaken);
  CHECK(std::get<CommandRejected>(dup.body).detail == e.seq);
  CHECK(CodeOf(w.Run(w.As(0, TestWorld::kStart, RegisterUserCmd{"", "h", Role::kUser, ""}))) ==
        ResultCode::kInvalidArgument);
}

TEST_CASE("only staff create admins, venues and concerts, or open sales") {
  TestWorld w;
  const UserId u = w.AddUser("u@x.io");
  CHECK(CodeOf(w.Run(w.As(u, TestWorld::kStart, RegisterUserCmd{"b@x.io", "h", Role::kAdmin, ""}))) ==
        ResultCode::kForbidden);
  CHECK(CodeOf(w.Run(w.As(u, TestWorld::kStart, CreateVenueCmd{GridVenue(1, 1, 1)}))) ==
        ResultCode::kForbidden);
  const VenueId v = w.AddVenue(GridVenue(1, 1, 4));
  const ConcertId c = w.AddConcert(v, false);
  CHECK(CodeOf(w.Run(w.As(u, TestWorld::kStart, OpenSalesCmd{c}))) == ResultCode::kForbidden);
  const UserId admin = w.AddUser("admin@x.io", Role::kAdmin);
  CHECK(CodeOf(w.Run(w.As(admin, TestWorld::kStart, OpenSalesCmd{c}))) == ResultCode::kOk);
  CHECK(w.state.FindConcert(c)->sales == SalesState::kOpen);
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart, OpenSalesCmd{98765}))) ==
        ResultCode::kUnknownConcert);
}

TEST_CASE("an invalid venue is rejected with a reason") {
  TestWorld w;
  auto spec = GridVenue(1, 2, 3);
  spec->sections[0].rows[1].seats[2].number = 1;  // numbers must increase along a row
  Event e = w.Run(w.AsAdmin(TestWorld::kStart, CreateVenueCmd{spec}));
  REQUIRE(CodeOf(e) == ResultCode::kInvalidVenue);
  CHECK(std::get<CommandRejected>(e.body).reason.find("increase") != std::string::npos);
  spec = GridVenue(1, 1, 3);
  spec->sections[0].rows[0].seats[0].grade = 7;
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart, CreateVenueCmd{spec}))) ==
        ResultCode::kInvalidVenue);
  spec = GridVenue(1, 1, 3);
  spec->grades.clear();
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart, CreateVenueCmd{spec}))) ==
        ResultCode::kInvalidVenue);
  // Two sections of one name: a seat map could not say which one a seat is in.
  spec = GridVenue(2, 1, 3);
  spec->sections[1].name = spec->sections[0].name;
  e = w.Run(w.AsAdmin(TestWorld::kStart, CreateVenueCmd{spec}));
  REQUIRE(CodeOf(e) == ResultCode::kInvalidVenue);
  CHECK(std::get<CommandRejected>(e.body).reason.find("unique") != std::string::npos);
  spec->sections[1].name = spec->sections[0].name + "-2";
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart, CreateVenueCmd{spec}))) == ResultCode::kOk);
}

TEST_CASE("a concert needs a known venue, a price per grade and a sane window") {
  TestWorld w;
  const VenueId v = w.AddVenue(GridVenue(1, 2, 3, 2));
  auto spec = std::make_shared<ConcertSpec>();
  spec->venue = 4242;
  spec->title = "T";
  spec->starts_at = 30;
  spec->sales_open_at = 10;
  spec->sales_close_at = 20;
  spec->price_per_grade = {1, 2};
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart, CreateConcertCmd{spec}))) ==
        ResultCode::kUnknownVenue);
  spec->venue = v;
  spec->price_per_grade = {1};
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart, CreateConcertCmd{spec}))) ==
        ResultCode::kInvalidConcert);
  spec->price_per_grade = {1, 2};
  spec->sales_close_at = 10;
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart, CreateConcertCmd{spec}))) ==
        ResultCode::kInvalidConcert);
  spec->sales_close_at = 31;  // after the show starts
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart, CreateConcertCmd{spec}))) ==
        ResultCode::kInvalidConcert);
  spec->sales_close_at = 30;  // as it starts: allowed
  spec->max_seats_per_user = 0;
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart, CreateConcertCmd{spec}))) ==
        ResultCode::kInvalidConcert);
  spec->max_seats_per_user = 2;
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart, CreateConcertCmd{spec}))) == ResultCode::kOk);
}

TEST_CASE("a venue's plan: the stage and the sections' outlines are kept, journaled and snapshotted") {
  TestWorld w;
  auto spec = GridVenue(2, 2, 3);
  spec->stage = {{-50, -20}, {50, -20}, {50, 10}, {-50, 10}};
  spec->sections[0].outline = {{-40, 15}, {0, 15}, {0, 60}};
  // An outline of two corners, or of too many, is no outline.
  auto bad = std::make_shared<VenueSpec>(*spec);
  bad->sections[1].outline = {{0, 0}, {1, 1}};
  Event e = w.Run(w.AsAdmin(TestWorld::kStart, CreateVenueCmd{bad}));
  REQUIRE(CodeOf(e) == ResultCode::kInvalidVenue);
  CHECK(std::get<CommandRejected>(e.body).reason.find("outline") != std::string::npos);
  bad = std::make_shared<VenueSpec>(*spec);
  bad->stage.assign(kMaxOutlinePoints + 1, PlanPoint{1, 1});
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart, CreateVenueCmd{bad}))) ==
        ResultCode::kInvalidVenue);

  e = w.Run(w.AsAdmin(TestWorld::kStart, CreateVenueCmd{spec}));
  REQUIRE(TypeOf(e) == EventType::kVenueCreated);
  const VenueId id = std::get<VenueCreated>(e.body).venue;
  CHECK(*w.state.FindVenue(id)->spec == *spec);
  std::string rec;
  EncodeEvent(e, &rec);
  std::string_view in = rec;
  Event back;
  REQUIRE(DecodeEvent(&in, &back).ok());
  CHECK(*std::get<VenueCreated>(back.body).spec == *spec);
  std::string snap;
  EncodeState(w.state, &snap);
  auto restored = DecodeState(snap, w.state.config());
  REQUIRE(restored.ok());
  CHECK(*restored.value()->FindVenue(id)->spec == *spec);

  // A version 11 record has no plan: the stage's 4 corners, one section's 3, the other's none.
  VenueSpec plain = *spec;
  plain.stage.clear();
  plain.sections[0].outline.clear();
  // (and, from version 16, the count of seats with attributes: none)
  const std::size_t plan_bytes = 1 + 4 * 8 + 1 + 3 * 8 + 1 + 1;
  const std::string v11 = AsVersion(e, 11, plan_bytes);
  std::string_view v11_in = v11;
  REQUIRE(DecodeEvent(&v11_in, &back).ok());
  CHECK(*std::get<VenueCreated>(back.body).spec == plain);
  // A state of format 11 is written and read without it.
  std::string old_snap;
  EncodeState(w.state, &old_snap, 11);
  auto old_restored = DecodeState(old_snap, w.state.config());
  REQUIRE(old_restored.ok());
  CHECK(*old_restored.value()->FindVenue(id)->spec == plain);
}
