// The payment worker against a provider that answers on its own thread: what it charges and
// reports, retry timing, resending when the ring is full, the bound on calls in flight, and
// resuming sagas from a recovered state. Also the fake provider's idempotency rules.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "payments/fake_provider.h"
#include "payments/payment_worker.h"
#include "tests/support/test_world.h"

using namespace cm::test;
using namespace cm::payments;

namespace {

// Answers each call from its own thread after `hold` is released (or at once when not held).
class ThreadedProvider final : public PaymentProvider {
 public:
  ~ThreadedProvider() override { JoinAll(); }
  // Answers everything and waits until every callback has returned.
  void JoinAll() {
    Release();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }
  void Charge(const ChargeRequest& request, ChargeDone done) override {
    {
      std::lock_guard lock(mu_);
      charges_.push_back(request);
      ++in_flight_;
      max_in_flight_ = std::max(max_in_flight_, in_flight_);
    }
    Answer([this, done = std::move(done)] {
      ChargeResult r;
      r.outcome = outcome_.load();
      {
        std::lock_guard lock(mu_);
        --in_flight_;
      }
      done(r);
    });
  }
  void Refund(const std::string& key, int64_t /*up_to*/, RefundDone done) override {
    {
      std::lock_guard lock(mu_);
      refunds_.push_back(key);
    }
    // Decided when the call is made, not when it is answered: a test that sees the call and
    // then changes refund_ok_ must not change this call's answer.
    const bool ok = refund_ok_.load();
    Answer([ok, done = std::move(done)] {
      RefundResult r;
      r.ok = ok;
      r.refunded = r.ok ? 500 : 0;
      done(r);
    });
  }
  void Hold() { held_ = true; }
  void Release() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }
  std::vector<ChargeRequest> charges() {
    std::lock_guard lock(mu_);
    return charges_;
  }
  std::vector<std::string> refunds() {
    std::lock_guard lock(mu_);
    return refunds_;
  }
  int max_in_flight() {
    std::lock_guard lock(mu_);
    return max_in_flight_;
  }
  std::atomic<cm::engine::ChargeOutcome> outcome_{cm::engine::ChargeOutcome::kCaptured};
  std::atomic<bool> refund_ok_{true};

 private:
  void Answer(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    threads_.emplace_back([this, fn = std::move(fn)] {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return !held_; });
      }
      fn();
    });
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  int in_flight_ = 0, max_in_flight_ = 0;
  std::vector<ChargeRequest> charges_;
  std::vector<std::string> refunds_;
  std::vector<std::thread> threads_;
};

// Collects the worker's reports; refuses the first `refuse` of them, like a full ring.
class CollectingPort final : public CommandPort {
 public:
  bool Publish(Command cmd) override {
    std::lock_guard lock(mu_);
    if (refuse > 0) {
      --refuse;
      return false;
    }
    commands.push_back(std::move(cmd));
    return true;
  }
  std::vector<Command> Taken() {
    std::lock_guard lock(mu_);
    return commands;
  }
  int refuse = 0;

 private:
  std::mutex mu_;
  std::vector<Command> commands;
};

struct Clock {
  std::atomic<int64_t> now{1'000'000};
  int64_t operator()() const { return now.load(); }
};

template <class Pred>
bool Eventually(Pred pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

// The worker may be destroyed only once the provider has no callback left to run (the server
// destroys its provider first); this fixture joins the provider's threads before the worker goes.
struct WorkerFixture {
  ThreadedProvider provider;
  CollectingPort port;
  Clock clock;
  std::unique_ptr<PaymentWorker> worker;
  PaymentWorker& Make(PaymentWorkerOptions options = {}) {
    worker = std::make_unique<PaymentWorker>(options, provider, port, std::ref(clock));
    return *worker;
  }
  ~WorkerFixture() {
    provider.JoinAll();
    if (worker) worker->Stop();
  }
};

Event Durable(EventBody body) {
  Event e;
  e.body = std::move(body);
  return e;
}

}  // namespace

TEST_CASE_FIXTURE(WorkerFixture, "a requested payment is charged under its key and the result reported") {
  PaymentWorker& worker = Make();
  worker.Start();
  worker.Collect(Durable(PaymentRequested{42, 7, 3, 9, 150'000, PaymentMethod::kEasyPay, {}, 0}));
  REQUIRE(Eventually([&] { return port.Taken().size() == 1; }));
  const auto charges = provider.charges();
  REQUIRE(charges.size() == 1);
  CHECK(charges[0].key == "cm-pay-42");
  CHECK(charges[0].amount == 150'000);
  CHECK(charges[0].method == PaymentMethod::kEasyPay);
  const Command cmd = port.Taken()[0];
  CHECK(cmd.actor_role == Role::kSystem);
  const auto& report = std::get<ReportChargeCmd>(cmd.body);
  CHECK(report.payment == 42);
  CHECK(report.attempt == 1);
  CHECK(report.outcome == ChargeOutcome::kCaptured);
}

TEST_CASE_FIXTURE(WorkerFixture, "a retry waits for its time, and charges the same key and amount again") {
  provider.outcome_ = ChargeOutcome::kDeclined;
  PaymentWorker& worker = Make();
  worker.Start();
  worker.Collect(Durable(PaymentRequested{5, 1, 1, 1, 1000, PaymentMethod::kCard, {}, 0}));
  REQUIRE(Eventually([&] { return port.Taken().size() == 1; }));
  PaymentFailed failed{5, 1, 1, 1, 1, ChargeOutcome::kDeclined, false, clock.now + 60'000, ""};
  worker.Collect(Durable(failed));
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  CHECK(provider.charges().size() == 1);  // not before its time
  clock.now += 60'000;
  REQUIRE(Eventually([&] { return port.Taken().size() == 2; }));
  CHECK(provider.charges()[1].key == "cm-pay-5");
  CHECK(provider.charges()[1].amount == 1000);
  CHECK(std::get<ReportChargeCmd>(port.Taken()[1].body).attempt == 2);
  // A final failure schedules nothing more.
  failed.attempt = 2;
  failed.final = true;
  worker.Collect(Durable(failed));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  CHECK(provider.charges().size() == 2);
}

TEST_CASE_FIXTURE(WorkerFixture, "a report the ring does not take is sent again") {
  port.refuse = 3;
  PaymentWorker& worker = Make();
  worker.Start();
  worker.Collect(Durable(PaymentRequested{8, 1, 1, 1, 1000, PaymentMethod::kCard, {}, 0}));
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    clock.now += 100;  // past each resend delay
  }
  REQUIRE(Eventually([&] {
    clock.now += 100;
    return port.Taken().size() == 1;
  }));
  CHECK(provider.charges().size() == 1);  // resent, not charged again
}

TEST_CASE_FIXTURE(WorkerFixture, "calls in flight are bounded, and the rest wait their turn") {
  provider.Hold();
  PaymentWorkerOptions options;
  options.max_in_flight = 3;
  PaymentWorker& worker = Make(options);
  worker.Start();
  for (PaymentId p = 1; p <= 10; ++p)
    worker.Collect(Durable(PaymentRequested{p, p, 1, 1, 1000, PaymentMethod::kCard, {}, 0}));
  REQUIRE(Eventually([&] { return provider.charges().size() == 3; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(provider.charges().size() == 3);
  provider.Release();
  REQUIRE(Eventually([&] { return port.Taken().size() == 10; }));
  CHECK(provider.max_in_flight() <= 3);
}

TEST_CASE_FIXTURE(WorkerFixture, "after a restart, sagas in flight resume from the recovered state") {
  TestWorld w;
  const UserId u = w.AddUser("u@x.io");
  const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(1, 2, 4)));
  const ReservationId r1 = std::get<HoldPlaced>(w.Hold(u, c, {0}).body).reservation;
  const ReservationId r2 = std::get<HoldPlaced>(w.Hold(u, c, {1}).body).reservation;
  auto pay = [&](ReservationId r) {
    return std::get<PaymentRequested>(
               w.Run(w.As(u, TestWorld::kStart + 10, RequestPaymentCmd{r, PaymentMethod::kCard})).body)
        .payment;
  };
  const PaymentId pending = pay(r1), refunding = pay(r2);
  w.Run(w.AsAdmin(TestWorld::kStart + 20, ReportChargeCmd{pending, 1, ChargeOutcome::kDeclined, ""}));
  for (uint32_t a = 1; a <= 3; ++a)
    w.Run(w.AsAdmin(TestWorld::kStart + 20 + 5000 * a,
                    ReportChargeCmd{refunding, a, ChargeOutcome::kError, ""}));
  REQUIRE(w.state.FindPayment(refunding)->refund_requested);

  clock.now = TestWorld::kStart + 60'000;
  PaymentWorker& worker = Make();
  worker.OnRecovered(w.state);
  worker.Start();
  REQUIRE(Eventually([&] { return port.Taken().size() == 2; }));
  REQUIRE(provider.charges().size() == 1);
  CHECK(provider.charges()[0].key == "cm-pay-" + std::to_string(pending));
  REQUIRE(provider.refunds().size() == 1);
  CHECK(provider.refunds()[0] == "cm-pay-" + std::to_string(refunding));
  bool charge = false, refund = false;
  for (const Command& cmd : port.Taken()) {
    if (const auto* c2 = std::get_if<ReportChargeCmd>(&cmd.body)) charge = c2->attempt == 2;
    if (const auto* r = std::get_if<ReportRefundCmd>(&cmd.body)) refund = r->payment == refunding;
  }
  CHECK(charge);
  CHECK(refund);
}

TEST_CASE_FIXTURE(WorkerFixture, "a refund the provider does not confirm is tried again") {
  provider.refund_ok_ = false;
  PaymentWorker& worker = Make();
  worker.Start();
  worker.Collect(Durable(RefundIssued{3, 1, 1, 1, 500, RefundReason::kLateSuccess}));
  REQUIRE(Eventually([&] { return provider.refunds().size() == 1; }));
  provider.refund_ok_ = true;
  REQUIRE(Eventually([&] {
    clock.now += 200;
    return port.Taken().size() == 1;
  }));
  CHECK(provider.refunds().size() >= 2);
  CHECK(std::get<ReportRefundCmd>(port.Taken()[0].body).refunded == 500);
}

TEST_CASE("fake provider: a key is captured once, declines may be retried, refunds return it once") {
  FaultSettings s;
  s.decline_next = 1;
  FakeProvider pg(s, 1);
  CHECK(pg.Charge("k", 100).reply == ChargeReply::kDeclined);
  const ChargeDecision first = pg.Charge("k", 100);
  CHECK(first.reply == ChargeReply::kCaptured);
  CHECK_FALSE(first.replayed);
  const ChargeDecision again = pg.Charge("k", 100);
  CHECK(again.reply == ChargeReply::kCaptured);
  CHECK(again.replayed);
  CHECK(pg.ledger().captured == 100);
  CHECK(pg.Refund("k") == 100);
  CHECK(pg.Refund("k") == 100);
  CHECK(pg.ledger().refunded == 100);
  CHECK(pg.Charge("k", 100).reply == ChargeReply::kRefunded);
  CHECK(pg.Refund("never-charged") == 0);
  CHECK(pg.StatusOf("k").first == "REFUNDED");
  CHECK(pg.StatusOf("nope").first == "NONE");
}

TEST_CASE("fake provider: scripted faults, bursts and answers that come late") {
  FaultSettings s;
  s.error_next = 1;
  s.timeout_next = 1;
  s.late_next = 1;
  s.late_ms = 777;
  s.hang_ms = 999;
  s.error_every = 3;
  s.error_burst = 1;
  FakeProvider pg(s, 1);
  CHECK(pg.Charge("a", 1).reply == ChargeReply::kServerError);
  const ChargeDecision hung = pg.Charge("a", 1);
  CHECK(hung.reply == ChargeReply::kNoAnswer);
  CHECK(hung.delay_ms == 999);
  CHECK(pg.Charge("a", 1).reply == ChargeReply::kServerError);  // the third: a burst of one
  const ChargeDecision late = pg.Charge("a", 1);
  CHECK(late.reply == ChargeReply::kCaptured);
  CHECK(late.delay_ms == 777);
  CHECK(pg.ledger().captures == 1);
  CHECK(pg.ledger().charge_requests == 4);
}
