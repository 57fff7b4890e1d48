// concertmania-fakepg: a fake payment provider, a real process on Beast, so the server's
// payment saga meets the network as it would meet a real provider (only a URL between them).
//
//   POST /v1/charges        Idempotency-Key: <key>   {"amount": 90000, "method": "CARD"}
//        (method CARD, BANK_TRANSFER or EASY_PAY; only EASY_PAY may name its "wallet": KAKAOPAY,
//        NAVERPAY or TOSSPAY (without one, the wallet is chosen on the provider's page); else
//        400 INVALID_METHOD)
//        200 {"status":"CAPTURED","amount":N,"replayed":bool}   402 {"status":"DECLINED",...}
//        409 {"status":"REFUNDED"}   503 (bursts, scripted errors)   504 after --hang-ms (no answer)
//   POST /v1/refunds        Idempotency-Key: <the charge's key>   {"amount": at most this}
//        200 {"status":"REFUNDED","amount":N}   (N = what was captured under the key, at most
//        the amount asked for, or 0; the first refund of a key is the only one)
//   GET  /v1/charges/{key}  {"status":"NONE|NOT_CAPTURED|CAPTURED|REFUNDED","amount":N}
//   GET  /v1/charges?after=KEY&limit=N   every charge in key order: {"items":[{"key","status",
//        "amount","refunded","method","wallet"}],"next":KEY (when more follow)}; limit 1-1000, default 100
//   GET  /v1/ledger         {"captured","refunded","chargeRequests","captures","declines","refunds"}
//   GET|PUT /v1/config      the failure-injection settings (the flags' names in camelCase)
//   POST /v1/virtual-accounts   Idempotency-Key: <key>   {"amount": N, "dueAt": unix ms}
//        200 {"bank","accountNumber","holder","amount","dueAt"}   (무통장입금; the same account
//        for the same key; it takes one deposit, until dueAt)
//   POST /v1/virtual-accounts/{accountNumber}/deposits   {"amount": N, "notifyDelayMs": 0}
//        the bank's side, for tests and the demo: 200 {"depositId","status":"DEPOSITED"}, then a
//        signed notice (auth/deposit_signature.h) POSTed to the webhook URL after the delay
//        and again each second until the merchant takes it; 404 UNKNOWN_ACCOUNT; 409
//        ACCOUNT_CLOSED (paid already, or past due)
//   GET|PUT /v1/webhook     {"url": "http://host:port/path", "secret": "..."}: where notices go
//        (GET answers the url and the delivery counts, never the secret)
//   GET  /healthz
#include <signal.h>

#include <CLI/CLI.hpp>
#include <sodium.h>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>

#include "http/http_server.h"
#include "http/json_input.h"
#include "http/router.h"
#include "json/json_writer.h"
#include "payments/fake_provider.h"
#include "payments/webhook_sender.h"

namespace {

using namespace cm;
using http::status;
using ExPtr = std::shared_ptr<http::Exchange>;

void Reply(const ExPtr& ex, status code, std::string body) {
  http::Response res{code, ex->req.version()};
  res.set(http::field::content_type, "application/json");
  res.keep_alive(ex->req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  ex->responder->Send(std::move(res));
}

void ReplyLater(boost::asio::io_context& io, const ExPtr& ex, int delay_ms, status code,
                std::string body) {
  if (delay_ms <= 0) return Reply(ex, code, std::move(body));
  auto timer = std::make_shared<boost::asio::steady_timer>(io, std::chrono::milliseconds(delay_ms));
  timer->async_wait([timer, ex, code, body = std::move(body)](boost::system::error_code) mutable {
    Reply(ex, code, std::move(body));
  });
}

std::string Error(std::string_view code, std::string_view detail) {
  json::JsonWriter w;
  w.BeginObject().Field("code", code).Field("detail", detail).EndObject();
  return w.Take();
}

std::string ConfigJson(const payments::FaultSettings& s) {
  json::JsonWriter w;
  w.BeginObject()
      .Field("declineRatio", s.decline_ratio)
      .Field("latencyMinMs", static_cast<int64_t>(s.latency_min_ms))
      .Field("latencyMaxMs", static_cast<int64_t>(s.latency_max_ms))
      .Field("timeoutRatio", s.timeout_ratio)
      .Field("hangMs", static_cast<int64_t>(s.hang_ms))
      .Field("errorEvery", static_cast<uint64_t>(s.error_every))
      .Field("errorBurst", static_cast<uint64_t>(s.error_burst))
      .Field("lateRatio", s.late_ratio)
      .Field("lateMs", static_cast<int64_t>(s.late_ms))
      .Field("declineNext", static_cast<uint64_t>(s.decline_next))
      .Field("timeoutNext", static_cast<uint64_t>(s.timeout_next))
      .Field("errorNext", static_cast<uint64_t>(s.error_next))
      .Field("lateNext", static_cast<uint64_t>(s.late_next))
      .EndObject();
  return w.Take();
}

// Applies the fields present in `obj` to `s`; false (with *why) on a bad value.
bool ReadConfig(simdjson::dom::object obj, payments::FaultSettings* s, std::string* why) {
  for (auto [key, value] : obj) {
    double d;
    if (value.get_double().get(d) != simdjson::SUCCESS) {
      *why = std::string(key) + ": must be a number";
      return false;
    }
    const bool ratio = key == "declineRatio" || key == "timeoutRatio" || key == "lateRatio";
    if (d < 0 || (ratio && d > 1) || d > 1e9) {
      *why = std::string(key) + ": out of range";
      return false;
    }
    const auto n = static_cast<uint32_t>(d);
    if (key == "declineRatio") s->decline_ratio = d;
    else if (key == "timeoutRatio") s->timeout_ratio = d;
    else if (key == "lateRatio") s->late_ratio = d;
    else if (key == "latencyMinMs") s->latency_min_ms = static_cast<int>(n);
    else if (key == "latencyMaxMs") s->latency_max_ms = static_cast<int>(n);
    else if (key == "hangMs") s->hang_ms = static_cast<int>(n);
    else if (key == "lateMs") s->late_ms = static_cast<int>(n);
    else if (key == "errorEvery") s->error_every = n;
    else if (key == "errorBurst") s->error_burst = n;
    else if (key == "declineNext") s->decline_next = n;
    else if (key == "timeoutNext") s->timeout_next = n;
    else if (key == "errorNext") s->error_next = n;
    else if (key == "lateNext") s->late_next = n;
    else {
      *why = std::string(key) + ": unknown setting";
      return false;
    }
  }
  return true;
}

class FakePgApi {
 public:
  FakePgApi(payments::FakeProvider& provider, payments::WebhookSender& webhook,
            boost::asio::io_context& io)
      : provider_(provider), webhook_(webhook), io_(io) {}

  void Handle(const ExPtr& ex) {
    const std::string_view path = http::PathOf(ex->req.target());
    const auto method = ex->req.method();
    using http::verb;
    if (method == verb::post && path == "/v1/charges") return Charge(ex);
    if (method == verb::post && path == "/v1/refunds") return Refund(ex);
    if (method == verb::get && path == "/v1/charges") return List(ex);
    if (method == verb::get && path.starts_with("/v1/charges/")) return Status(ex, path.substr(12));
    if (method == verb::get && path == "/v1/ledger") return LedgerReply(ex);
    if (method == verb::get && path == "/v1/config")
      return Reply(ex, status::ok, ConfigJson(provider_.settings()));
    if (method == verb::put && path == "/v1/config") return Configure(ex);
    if (method == verb::post && path == "/v1/virtual-accounts") return IssueAccount(ex);
    if (method == verb::post && path.starts_with("/v1/virtual-accounts/") &&
        path.ends_with("/deposits"))
      return Deposit(ex, path.substr(21, path.size() - 21 - 9));
    if (method == verb::get && path == "/v1/webhook") return WebhookStatus(ex);
    if (method == verb::put && path == "/v1/webhook") return ConfigureWebhook(ex);
    if (method == verb::get && path == "/healthz") return Reply(ex, status::ok, "{\"status\":\"UP\"}");
    Reply(ex, status::not_found, Error("NOT_FOUND", "no route for " + std::string(path)));
  }

 private:
  std::string Key(const ExPtr& ex) {
    const std::string_view key = ex->req["Idempotency-Key"];
    if (key.empty() || key.size() > 255) {
      Reply(ex, status::bad_request,
            Error("IDEMPOTENCY_KEY_REQUIRED", "an Idempotency-Key of 1..255 characters is required"));
      return {};
    }
    return std::string(key);
  }

  void Charge(const ExPtr& ex) {
    const std::string key = Key(ex);
    if (key.empty()) return;
    http::InputError err;
    auto obj = http::ParseObject(ex->req.body(), &err);
    int64_t amount = 0;
    std::string method = "CARD", wallet;
    if (obj) {
      http::FieldReader f(*obj);
      if (!f.Int("amount", &amount, 1, INT64_MAX / 2) ||
          (f.Has("method") && !f.String("method", &method, 1, 32)) ||
          (f.Has("wallet") && !f.String("wallet", &wallet, 1, 32)))
        err = f.error();
    }
    if (!err.detail.empty())
      return Reply(ex, static_cast<status>(err.status), Error(err.code, err.detail));
    // The provider's own names (it knows nothing of the server's types).
    auto one_of = [](std::string_view s, std::initializer_list<std::string_view> names) {
      return std::find(names.begin(), names.end(), s) != names.end();
    };
    if (!one_of(method, {"CARD", "BANK_TRANSFER", "EASY_PAY"}) ||
        (method != "EASY_PAY" && !wallet.empty()) ||
        (!wallet.empty() && !one_of(wallet, {"KAKAOPAY", "NAVERPAY", "TOSSPAY"})))
      return Reply(ex, status::bad_request,
                   Error("INVALID_METHOD", "method CARD, BANK_TRANSFER or EASY_PAY; only EASY_PAY "
                                           "names a wallet: KAKAOPAY, NAVERPAY or TOSSPAY"));
    const payments::ChargeDecision d = provider_.Charge(key, amount, method, wallet);
    json::JsonWriter w;
    w.BeginObject();
    switch (d.reply) {
      case payments::ChargeReply::kCaptured:
        w.Field("status", "CAPTURED").Field("amount", d.amount).Field("replayed", d.replayed);
        return ReplyLater(io_, ex, d.delay_ms, status::ok, w.EndObject().Take());
      case payments::ChargeReply::kDeclined:
        w.Field("status", "DECLINED").Field("reason", d.reason);
        return ReplyLater(io_, ex, d.delay_ms, status::payment_required, w.EndObject().Take());
      case payments::ChargeReply::kRefunded:
        w.Field("status", "REFUNDED").Field("reason", d.reason);
        return ReplyLater(io_, ex, d.delay_ms, status::conflict, w.EndObject().Take());
      case payments::ChargeReply::kServerError:
        return ReplyLater(io_, ex, d.delay_ms, status::service_unavailable,
                          Error("UNAVAILABLE", d.reason));
      case payments::ChargeReply::kNoAnswer:
        return ReplyLater(io_, ex, d.delay_ms, status::gateway_timeout,
                          Error("TIMEOUT", "the charge was never processed"));
    }
  }

  void Refund(const ExPtr& ex) {
    const std::string key = Key(ex);
    if (key.empty()) return;
    http::InputError err;
    int64_t up_to = INT64_MAX;
    if (!ex->req.body().empty()) {
      auto obj = http::ParseObject(ex->req.body(), &err);
      if (obj) {
        http::FieldReader f(*obj);
        if (!f.OptionalInt("amount", &up_to, 0, INT64_MAX / 2)) err = f.error();
      }
    }
    if (!err.detail.empty())
      return Reply(ex, static_cast<status>(err.status), Error(err.code, err.detail));
    const int64_t amount = provider_.Refund(key, up_to);
    json::JsonWriter w;
    w.BeginObject().Field("status", "REFUNDED").Field("amount", amount).EndObject();
    ReplyLater(io_, ex, provider_.settings().latency_min_ms, status::ok, w.Take());
  }

  void Status(const ExPtr& ex, std::string_view key) {
    const auto [state, amount] = provider_.StatusOf(std::string(key));
    json::JsonWriter w;
    w.BeginObject().Field("status", state).Field("amount", amount).EndObject();
    Reply(ex, status::ok, w.Take());
  }

  void List(const ExPtr& ex) {
    const std::string_view target = ex->req.target();
    const auto after = http::PercentDecode(http::QueryParam(target, "after"));
    const std::string_view limit_text = http::QueryParam(target, "limit");
    std::size_t limit = 100;
    if (!limit_text.empty()) {
      const auto [end, ec] =
          std::from_chars(limit_text.data(), limit_text.data() + limit_text.size(), limit);
      if (ec != std::errc() || end != limit_text.data() + limit_text.size() || limit == 0 ||
          limit > 1000)
        return Reply(ex, status::bad_request, Error("BAD_LIMIT", "limit: 1 to 1000"));
    }
    if (!after) return Reply(ex, status::bad_request, Error("BAD_AFTER", "after: a key"));
    const std::vector<payments::ChargeEntry> items = provider_.List(*after, limit + 1);
    json::JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (std::size_t i = 0; i < items.size() && i < limit; ++i)
      w.BeginObject()
          .Field("key", items[i].key)
          .Field("status", items[i].status)
          .Field("amount", items[i].amount)
          .Field("refunded", items[i].refunded)
          .Field("method", items[i].method)
          .Field("wallet", items[i].wallet)
          .EndObject();
    w.EndArray();
    if (items.size() > limit) w.Field("next", items[limit - 1].key);
    Reply(ex, status::ok, w.EndObject().Take());
  }

  void LedgerReply(const ExPtr& ex) {
    const payments::Ledger l = provider_.ledger();
    json::JsonWriter w;
    w.BeginObject()
        .Field("captured", l.captured)
        .Field("refunded", l.refunded)
        .Field("chargeRequests", l.charge_requests)
        .Field("captures", l.captures)
        .Field("declines", l.declines)
        .Field("refunds", l.refunds)
        .EndObject();
    Reply(ex, status::ok, w.Take());
  }

  void Configure(const ExPtr& ex) {
    http::InputError err;
    auto obj = http::ParseObject(ex->req.body(), &err);
    if (!obj) return Reply(ex, static_cast<status>(err.status), Error(err.code, err.detail));
    payments::FaultSettings s = provider_.settings();
    std::string why;
    if (!ReadConfig(*obj, &s, &why))
      return Reply(ex, status::unprocessable_entity, Error("VALIDATION_FAILED", why));
    provider_.Configure(s);
    Reply(ex, status::ok, ConfigJson(s));
  }

  void IssueAccount(const ExPtr& ex) {
    const std::string key = Key(ex);
    if (key.empty()) return;
    http::InputError err;
    auto obj = http::ParseObject(ex->req.body(), &err);
    int64_t amount = 0, due_at = 0;
    if (obj) {
      http::FieldReader f(*obj);
      if (!f.Int("amount", &amount, 1, INT64_MAX / 2) || !f.Int("dueAt", &due_at, 1, INT64_MAX / 2))
        err = f.error();
    }
    if (!err.detail.empty())
      return Reply(ex, static_cast<status>(err.status), Error(err.code, err.detail));
    const payments::VirtualAccount a = provider_.IssueAccount(key, amount, due_at);
    json::JsonWriter w;
    w.BeginObject()
        .Field("bank", a.bank)
        .Field("accountNumber", a.number)
        .Field("holder", a.holder)
        .Field("amount", a.amount)
        .Field("dueAt", a.due_at)
        .EndObject();
    ReplyLater(io_, ex, provider_.settings().latency_min_ms, status::ok, w.Take());
  }

  void Deposit(const ExPtr& ex, std::string_view number) {
    http::InputError err;
    auto obj = http::ParseObject(ex->req.body(), &err);
    int64_t amount = 0, delay = 0;
    if (obj) {
      http::FieldReader f(*obj);
      if (!f.Int("amount", &amount, 1, INT64_MAX / 2) ||
          !f.OptionalInt("notifyDelayMs", &delay, 0, 600'000))
        err = f.error();
    }
    if (!err.detail.empty())
      return Reply(ex, static_cast<status>(err.status), Error(err.code, err.detail));
    const int64_t now = WallNowMs();
    const payments::DepositDecision d = provider_.Deposit(std::string(number), amount, now);
    if (d.reply == payments::DepositReply::kUnknownAccount)
      return Reply(ex, status::not_found, Error("UNKNOWN_ACCOUNT", "no such virtual account"));
    if (d.reply == payments::DepositReply::kClosed)
      return Reply(ex, status::conflict,
                   Error("ACCOUNT_CLOSED", "the account took its deposit already, or is past due"));
    json::JsonWriter notice;
    notice.BeginObject()
        .Field("key", d.key)
        .Field("accountNumber", number)
        .Field("amount", amount)
        .Field("depositId", d.deposit_id)
        .Field("depositedAt", now)
        .EndObject();
    webhook_.Send(notice.Take(), delay);
    json::JsonWriter w;
    w.BeginObject().Field("depositId", d.deposit_id).Field("status", "DEPOSITED").EndObject();
    Reply(ex, status::ok, w.Take());
  }

  void WebhookStatus(const ExPtr& ex) {
    const payments::WebhookSender::Counts c = webhook_.counts();
    json::JsonWriter w;
    w.BeginObject()
        .Field("url", webhook_.url())
        .Field("delivered", c.delivered)
        .Field("refused", c.refused)
        .Field("tries", c.tries)
        .Field("dropped", c.dropped)
        .EndObject();
    Reply(ex, status::ok, w.Take());
  }

  void ConfigureWebhook(const ExPtr& ex) {
    http::InputError err;
    auto obj = http::ParseObject(ex->req.body(), &err);
    std::string url, secret;
    if (obj) {
      http::FieldReader f(*obj);
      if (!f.String("url", &url, 8, 2000) || !f.String("secret", &secret, 16, 200)) err = f.error();
    }
    if (!err.detail.empty())
      return Reply(ex, static_cast<status>(err.status), Error(err.code, err.detail));
    if (!webhook_.Configure(url, secret))
      return Reply(ex, status::unprocessable_entity,
                   Error("VALIDATION_FAILED", "url: must be http://host:port/path"));
    WebhookStatus(ex);
  }

  static int64_t WallNowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  payments::FakeProvider& provider_;
  payments::WebhookSender& webhook_;
  boost::asio::io_context& io_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"concertmania-fakepg: a fake payment provider with failure injection"};
  http::HttpServerOptions so;
  so.address = "127.0.0.1";
  so.port = 8090;
  payments::FaultSettings s;
  uint64_t seed = 1;
  std::string port_file, webhook_url, webhook_secret;
  app.add_option("--address", so.address, "Address to listen on");
  app.add_option("--port", so.port, "Port (0: any free port)");
  app.add_option("--threads", so.threads, "I/O threads");
  app.add_option("--decline-ratio", s.decline_ratio, "Share of charges declined")->check(CLI::Range(0.0, 1.0));
  app.add_option("--latency-min-ms", s.latency_min_ms, "Fastest answer");
  app.add_option("--latency-max-ms", s.latency_max_ms, "Slowest answer (uniform in between)");
  app.add_option("--timeout-ratio", s.timeout_ratio, "Share of charges never answered")->check(CLI::Range(0.0, 1.0));
  app.add_option("--hang-ms", s.hang_ms, "How long an unanswered charge hangs before a 504");
  app.add_option("--error-every", s.error_every, "A burst of 503s after every N charges (0: none)");
  app.add_option("--error-burst", s.error_burst, "Length of each 503 burst");
  app.add_option("--late-ratio", s.late_ratio, "Share of charges captured but answered late")->check(CLI::Range(0.0, 1.0));
  app.add_option("--late-ms", s.late_ms, "How late a late answer comes");
  app.add_option("--seed", seed, "Seed of the failure dice");
  app.add_option("--port-file", port_file, "Write the bound port here once listening");
  app.add_option("--webhook-url", webhook_url, "Where deposit notices go (http://host:port/path)");
  app.add_option("--webhook-secret", webhook_secret, "The key deposit notices are signed with");
  CLI11_PARSE(app, argc, argv);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (sodium_init() < 0) {
    std::cerr << "concertmania-fakepg: libsodium did not start\n";
    return 2;
  }
  payments::FakeProvider provider(s, seed);
  payments::WebhookSender webhook([] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  });
  if (!webhook_url.empty() && !webhook.Configure(webhook_url, webhook_secret)) {
    std::cerr << "concertmania-fakepg: --webhook-url must be http://host:port/path, with a "
                 "--webhook-secret\n";
    return 2;
  }
  FakePgApi* api = nullptr;
  http::HttpServer server(so, [&api](ExPtr ex) { api->Handle(ex); },
                             [](const http::Exchange&, const http::Response&) {});
  FakePgApi handler(provider, webhook, server.io());
  api = &handler;
  if (const std::string error = server.Start(); !error.empty()) {
    std::cerr << "concertmania-fakepg: " << error << "\n";
    return 2;
  }
  if (!port_file.empty()) {
    std::ofstream(port_file + ".tmp") << server.port() << "\n";
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  std::cerr << "concertmania-fakepg listening on http://" << so.address << ":" << server.port()
            << "\n";
  int sig = 0;
  sigwait(&signals, &sig);
  server.StopAccepting();
  server.Stop();
  return 0;
}
