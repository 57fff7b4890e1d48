#pragma once
// The payment saga's worker: it carries out what the sequencer decided and reports back.
// It reads durable events only (rule 2): PaymentRequested and a non-final PaymentFailed
// schedule a charge attempt (at once, or at the decided retry time); RefundIssued schedules a
// refund. Each call goes to the provider with the payment's idempotency key, and its result
// comes back to the engine as a command (ReportCharge, ReportRefund). On startup OnRecovered
// schedules every saga the journal left in flight, so a crash anywhere loses nothing: a charge
// that was captured before the crash answers CAPTURED again under the same key, never twice.
// Refunds are retried until the provider confirms them. A BANK_TRANSFER payment is never
// charged: the worker asks the provider for its virtual account (ReportVirtualAccount), and the
// deposit comes as the provider's signed notice to the gateway (api/deposit_webhook.h). When a
// deposit payment fails at its deadline, the worker asks the provider what it holds under the
// key, so a deposit whose notice never arrived is reported (and refunded) all the same.
//
// Threads: Collect and OnRecovered run on the pipeline's publisher thread; a dispatcher thread
// starts due calls (at most max_in_flight at once); results arrive on the provider's thread.
// The sequencer never waits for any of it.
// Lifetime: the provider's callbacks touch the worker, so the provider must be destroyed (or
// have answered every call) before the worker is.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engine/command.h"
#include "engine/engine_state.h"
#include "engine/event.h"
#include "metrics/prometheus_text.h"
#include "payments/payment_provider.h"

namespace cm::payments {

// Where the worker's reports go (the engine's input ring). False: not taken now (full or
// stopping); the worker tries again shortly.
class CommandPort {
 public:
  virtual ~CommandPort() = default;
  virtual bool Publish(engine::Command cmd) = 0;
};

struct PaymentWorkerOptions {
  std::string key_prefix = "cm-pay-";  // provider key = prefix + payment id
  std::size_t max_in_flight = 1024;    // provider calls at once
  int64_t resend_ms = 50;              // a report the ring did not take is sent again after this
  int64_t refund_retry_ms = 1000;      // a refund the provider did not confirm is retried after this
};

class PaymentWorker {
 public:
  using Clock = std::function<int64_t()>;  // wall-clock milliseconds
  PaymentWorker(PaymentWorkerOptions options, PaymentProvider& provider, CommandPort& port,
                Clock now_ms);
  ~PaymentWorker();

  // Before Start(): every payment the recovered state still needs the worker for.
  void OnRecovered(const engine::EngineState& state);
  // Every durable event, in order (publisher thread).
  void Collect(const engine::Event& e);
  void Start();
  // Stops starting calls; calls in flight are abandoned (the journal resumes them).
  void Stop();

  std::string KeyOf(engine::PaymentId id) const { return options_.key_prefix + std::to_string(id); }
  void WriteMetrics(metrics::PrometheusText* out) const;

 private:
  enum class JobKind { kCharge, kRefund, kReport, kIssueAccount, kCheckDeposit };
  struct Job {
    int64_t due = 0;
    JobKind kind = JobKind::kCharge;
    engine::PaymentId payment = 0;
    uint32_t attempt = 0;
    int64_t amount = 0;
    engine::PaymentMethod method = engine::PaymentMethod::kCard;
    engine::EasyPayProvider wallet = engine::EasyPayProvider::kNone;
    engine::CommandBody report;  // kReport: the command to send again
    int64_t deadline = 0;        // kIssueAccount: tried again until the deposit is due
  };
  struct Later {
    bool operator()(const Job& a, const Job& b) const { return a.due > b.due; }
  };

  void Schedule(Job job);
  // A BANK_TRANSFER payment's account, asked for at `due` and again until `deadline`.
  void ScheduleAccount(engine::PaymentId payment, int64_t amount, int64_t deadline, int64_t due = 0);
  void Loop();
  void Run(Job job);
  void Report(engine::CommandBody body);

  const PaymentWorkerOptions options_;
  PaymentProvider& provider_;
  CommandPort& port_;
  Clock now_ms_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Job, std::vector<Job>, Later> jobs_;  // guarded by mu_
  // What each payment in flight charges (retries repeat the first call). Publisher thread only.
  struct OpenCharge {
    int64_t amount = 0;
    engine::PaymentMethod method = engine::PaymentMethod::kCard;
    engine::EasyPayProvider wallet = engine::EasyPayProvider::kNone;
  };
  std::unordered_map<engine::PaymentId, OpenCharge> open_;
  std::size_t in_flight_ = 0;                               // guarded by mu_
  bool stop_ = false;                                       // guarded by mu_
  std::thread thread_;

  std::atomic<uint64_t> charges_{0}, captured_{0}, declined_{0}, errors_{0}, refunds_{0},
      resends_{0}, accounts_{0};
};

}  // namespace cm::payments
