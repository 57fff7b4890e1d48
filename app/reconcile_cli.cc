#include "app/reconcile_cli.h"

#include <simdjson.h>

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <optional>

#include "app/http_fetch.h"

namespace cm::app {
namespace {

using boost::beast::http::verb;

constexpr int kFailed = 1, kDiscrepancies = 3;

struct Charge {
  std::string key;
  std::string status;  // NOT_CAPTURED, CAPTURED or REFUNDED
  int64_t amount = 0;
  int64_t refunded = 0;
};

struct EnginePayment {
  uint64_t id = 0;
  std::string status;
  int64_t amount = 0;
};

int Fail(const std::string& why) {
  std::fprintf(stderr, "concertmania reconcile: %s\n", why.c_str());
  return kFailed;
}

// Follows `next` from page to page; `read` takes each page's items. At most 100,000 pages.
Status ReadPages(const std::string& base, const std::string& path, const std::string& token,
                 std::chrono::seconds timeout,
                 const std::function<Status(simdjson::dom::array)>& read) {
  std::string after;
  for (int page = 0; page < 100'000; ++page) {
    const std::string target =
        path + "?limit=1000" + (after.empty() ? "" : "&after=" + QueryEscape(after));
    auto r = Fetch(base, verb::get, target, "", token, timeout);
    if (!r.ok()) return r.status();
    if (r.value().status != 200)
      return Status::InvalidArgument(base + path + " answered " +
                                     std::to_string(r.value().status) + ": " + r.value().body);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    simdjson::dom::array items;
    if (parser.parse(r.value().body).get(doc) || doc["items"].get(items))
      return Status::Corruption(base + path + " answered no items: " + r.value().body);
    if (Status s = read(items); !s.ok()) return s;
    simdjson::dom::element next;
    if (doc["next"].get(next)) return Status::OK();
    if (next.is_string()) {
      after = std::string(std::string_view(next));
    } else {
      uint64_t n = 0;
      if (next.get(n)) return Status::Corruption("a page's next is neither a key nor an id");
      after = std::to_string(n);
    }
  }
  return Status::InvalidArgument("more than 100,000 pages");
}

// The payment id a key of ours names, if it is one.
std::optional<uint64_t> IdOfKey(const std::string& key, const std::string& prefix) {
  if (!key.starts_with(prefix)) return std::nullopt;
  uint64_t id = 0;
  const char* first = key.data() + prefix.size();
  const char* last = key.data() + key.size();
  const auto [end, ec] = std::from_chars(first, last, id);
  if (ec != std::errc() || end != last || first == last) return std::nullopt;
  return id;
}

}  // namespace

void AddReconcileCommand(CLI::App& app, ReconcileCli& cli) {
  cli.reconcile = app.add_subcommand(
      "reconcile", "Compare the payment provider's charges with the engine's payments");
  cli.reconcile->add_option("--url", cli.url, "The server")->envname("CM_URL")->capture_default_str();
  cli.reconcile->add_option("--provider-url", cli.provider_url, "The payment provider")
      ->envname("CM_PAYMENT_PROVIDER_URL")
      ->required();
  cli.reconcile->add_option("--email", cli.email, "An admin's email")->envname("CM_ADMIN_EMAIL");
  cli.reconcile->add_option("--password", cli.password, "That admin's password")
      ->envname("CM_ADMIN_PASSWORD");
  cli.reconcile->add_option("--token", cli.token, "An admin's access token instead of a login")
      ->envname("CM_ADMIN_TOKEN");
  cli.reconcile
      ->add_option("--key-prefix", cli.key_prefix, "The provider key of payment N is PREFIX + N")
      ->capture_default_str();
  cli.reconcile->add_flag("--refund-orphans", cli.refund_orphans,
                          "Have the engine's saga refund every orphaned charge");
  cli.reconcile->add_option("--timeout", cli.timeout_s, "Seconds to wait for each answer")
      ->capture_default_str();
}

int RunReconcileCommand(const ReconcileCli& cli) {
  auto token = AdminToken(cli.url, cli.token, cli.email, cli.password);
  if (!token.ok()) return Fail(token.status().message());
  const auto timeout = std::chrono::seconds(cli.timeout_s);

  std::vector<Charge> charges;
  Status read = ReadPages(cli.provider_url, "/v1/charges", "", timeout, [&](auto items) {
    for (simdjson::dom::element item : items) {
      Charge c;
      std::string_view key, status;
      if (item["key"].get(key) || item["status"].get(status) ||
          item["amount"].get(c.amount) || item["refunded"].get(c.refunded))
        return Status::Corruption("a provider charge lacks key, status, amount or refunded");
      c.key = std::string(key);
      c.status = std::string(status);
      charges.push_back(std::move(c));
    }
    return Status::OK();
  });
  if (!read.ok()) return Fail("the provider's charges: " + read.ToString());
  std::map<uint64_t, EnginePayment> payments;
  read = ReadPages(cli.url, "/api/admin/payments", token.value(), timeout, [&](auto items) {
    for (simdjson::dom::element item : items) {
      EnginePayment p;
      std::string_view status;
      if (item["id"].get(p.id) || item["status"].get(status) || item["amount"].get(p.amount))
        return Status::Corruption("an engine payment lacks id, status or amount");
      p.status = std::string(status);
      payments[p.id] = std::move(p);
    }
    return Status::OK();
  });
  if (!read.ok()) return Fail("the engine's payments: " + read.ToString());

  std::vector<std::pair<uint64_t, const Charge*>> orphans;
  std::map<uint64_t, const Charge*> ours;
  std::size_t foreign = 0, mismatches = 0, unknown = 0;
  int64_t orphaned = 0;
  for (const Charge& c : charges) {
    const auto id = IdOfKey(c.key, cli.key_prefix);
    if (!id) {
      ++foreign;
      continue;
    }
    ours[*id] = &c;
    const auto p = payments.find(*id);
    if (p == payments.end()) {
      // Money the provider still holds for a payment the engine has never heard of.
      if (c.status == "CAPTURED") {
        orphans.emplace_back(*id, &c);
        orphaned += c.amount;
        std::printf("orphan %s: %" PRId64 " KRW captured, no payment %" PRIu64
                    " in the engine\n",
                    c.key.c_str(), c.amount, *id);
      }
      continue;
    }
    if (c.status != "NOT_CAPTURED" && c.amount != p->second.amount) {
      ++mismatches;
      std::printf("mismatch %s: the provider captured %" PRId64 " KRW, payment %" PRIu64
                  " is %" PRId64 " KRW (%s)\n",
                  c.key.c_str(), c.amount, *id, p->second.amount, p->second.status.c_str());
    }
  }
  for (const auto& [id, p] : payments) {
    // A succeeded payment (refunded later or not) was captured: the provider must know it.
    const bool taken = p.status == "SUCCEEDED" || p.status == "REFUNDED";
    const auto c = ours.find(id);
    if (taken && (c == ours.end() || c->second->status == "NOT_CAPTURED")) {
      ++unknown;
      std::printf("unknown to the provider: payment %" PRIu64 " (%s, %" PRId64
                  " KRW) has no capture under %s%" PRIu64 "\n",
                  id, p.status.c_str(), p.amount, cli.key_prefix.c_str(), id);
    }
  }
  std::printf("reconcile: %zu charges at the provider (%zu not ours), %zu payments in the "
              "engine; %zu orphans (%" PRId64 " KRW), %zu unknown to the provider, %zu "
              "mismatches\n",
              charges.size(), foreign, payments.size(), orphans.size(), orphaned, unknown,
              mismatches);

  std::size_t left = orphans.size();
  if (cli.refund_orphans) {
    for (const auto& [id, c] : orphans) {
      const std::string body = "{\"paymentId\":" + std::to_string(id) +
                               ",\"amount\":" + std::to_string(c->amount) + "}";
      auto r = Fetch(cli.url, verb::post, "/api/admin/payments/orphans", body, token.value(),
                     timeout);
      if (r.ok() && r.value().status == 202) {
        --left;
        std::printf("refunding %s: payment %" PRIu64 " handed to the saga\n", c->key.c_str(),
                    id);
      } else {
        std::printf("not refunded %s: %s\n", c->key.c_str(),
                    r.ok() ? r.value().body.c_str() : r.status().ToString().c_str());
      }
    }
  }
  return left + unknown + mismatches == 0 ? 0 : kDiscrepancies;
}

}  // namespace cm::app
