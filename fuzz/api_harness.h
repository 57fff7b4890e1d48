#pragma once
// The booking API in one process for the fuzzers: a read model holding an admin, a user, a
// venue and a concert on sale (made by the real sequencer), an engine port that takes every
// command and answers "ring full", and a responder that keeps the response. A request is
// handled on the calling thread; logins and signups finish on the password pool.
//
// What every response must be, whatever the input: not a 500 (a handler that threw), and a
// body that is valid JSON whenever it claims to be JSON.

#include <boost/json.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "api/api.h"
#include "auth/credentials.h"
#include "engine/grid_venue.h"
#include "engine/sequencer.h"

namespace cm::fuzz {

namespace eng = cm::engine;

inline constexpr int64_t kNowMs = 1'900'000'000'000;  // 2030

class RecordingResponder final : public cm::http::Responder {
 public:
  void Send(cm::http::Response res) override {
    const int status = res.result_int();
    if (status >= 500 && status != 503)
      throw std::logic_error("the API answered " + std::to_string(status) + ": " + res.body());
    const auto type = res[cm::http::field::content_type];
    if ((type == "application/json" || type == "application/problem+json") && !res.body().empty()) {
      boost::system::error_code ec;
      boost::json::parse(res.body(), ec);
      if (ec) throw std::logic_error("the API sent invalid JSON: " + res.body());
    }
  }
  void Run(std::function<void()> f) override { f(); }
};

class FullRing final : public cm::api::EnginePort {
 public:
  Publish TryPublish(eng::Command) override { return Publish::kFull; }
  bool Ready(std::string* why) const override {
    *why = "fuzzing";
    return true;
  }
  void WriteMetrics(metrics::PrometheusText*) const override {}
};

class ApiHarness {
 public:
  ApiHarness() : reads_(eng::EngineConfig{}), jwt_("fuzz-secret-0123456789abcdef0123456789abcdef") {
    cm::auth::InitCrypto(true);
    BuildWorld();
    replies_ = std::make_unique<cm::api::ReplyRouter>();
    cm::api::ApiOptions o;
    o.payments_enabled = true;
    api_ = std::make_unique<cm::api::Api>(o, engine_, reads_, jwt_, *replies_);
    admin_token_ = jwt_.Sign({admin_, eng::Role::kAdmin, kNowMs / 1000, kNowMs / 1000 + 600, 0});
    user_token_ = jwt_.Sign({user_, eng::Role::kUser, kNowMs / 1000, kNowMs / 1000 + 600, 0});
  }

  // Runs one request (the Host header is added when missing, as every real client does).
  void Handle(cm::http::Request req) {
    auto ex = std::make_shared<cm::http::Exchange>();
    ex->req = std::move(req);
    ex->remote = "127.0.0.1:1";
    ex->remote_address = "127.0.0.1";
    ex->received_ms = kNowMs;
    ex->started = std::chrono::steady_clock::now();
    ex->request_id = "fuzz";
    ex->responder = std::make_shared<RecordingResponder>();
    api_->Handle(ex);
  }

  const std::string& admin_token() const { return admin_token_; }
  const std::string& user_token() const { return user_token_; }
  eng::ConcertId concert() const { return concert_; }

 private:
  struct ToReadModel final : eng::EventSink {
    readmodel::ReadModel* reads;
    void OnEvent(const eng::Event& e, uint64_t, bool) override {
      if (!reads->Apply(e).ok()) throw std::logic_error("read model refused a setup event");
    }
  };

  void BuildWorld() {
    eng::EngineState state;
    eng::Sequencer sequencer(state);
    ToReadModel sink;
    sink.reads = &reads_;
    auto run = [&](eng::CommandBody body) {
      eng::Command c;
      c.now = kNowMs - 60'000;
      c.actor_role = eng::Role::kSystem;
      c.body = std::move(body);
      sequencer.Execute(c, sink);
      return state.last_seq();
    };
    const std::string hash = cm::auth::HashPassword("fuzz-password");
    admin_ = run(eng::RegisterUserCmd{"admin@fuzz.io", hash, eng::Role::kAdmin, "Admin"});
    user_ = run(eng::RegisterUserCmd{"user@fuzz.io", hash, eng::Role::kUser, "User"});
    const eng::VenueId venue = run(eng::CreateVenueCmd{eng::MakeGridVenue("Hall", {"VIP", "R"}, 2, 4, 10, 2)});
    auto spec = std::make_shared<eng::ConcertSpec>();
    spec->venue = venue;
    spec->title = "Fuzz";
    spec->starts_at = kNowMs + 86'400'000;
    spec->sales_open_at = kNowMs - 3'600'000;
    spec->sales_close_at = kNowMs + 3'600'000;
    spec->price_per_grade = {100, 50};
    concert_ = run(eng::CreateConcertCmd{spec});
    run(eng::OpenSalesCmd{concert_});
  }

  readmodel::ReadModel reads_;
  cm::auth::JwtCodec jwt_;
  FullRing engine_;
  std::unique_ptr<cm::api::ReplyRouter> replies_;
  std::unique_ptr<cm::api::Api> api_;
  eng::UserId admin_ = 0, user_ = 0;
  eng::ConcertId concert_ = 0;
  std::string admin_token_, user_token_;
};

}  // namespace cm::fuzz
