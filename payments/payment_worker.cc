#include "payments/payment_worker.h"

namespace cm::payments {

using engine::EventType;

PaymentWorker::PaymentWorker(PaymentWorkerOptions options, PaymentProvider& provider,
                             CommandPort& port, Clock now_ms)
    : options_(std::move(options)), provider_(provider), port_(port), now_ms_(std::move(now_ms)) {}

PaymentWorker::~PaymentWorker() { Stop(); }

void PaymentWorker::OnRecovered(const engine::EngineState& state) {
  for (const auto& [id, p] : state.payments()) {
    if (p.status == engine::PaymentStatus::kPending && p.IsDeposit()) {
      if (p.account.empty()) ScheduleAccount(id, p.amount, p.deposit_due);
    } else if (p.status == engine::PaymentStatus::kPending) {
      open_[id] = {p.amount, p.method, p.wallet};
      Schedule(Job{p.next_attempt_at, JobKind::kCharge, id, p.current_attempt(), p.amount,
                   p.method, p.wallet, {}});
    }
    if (p.IsDeposit() && p.status == engine::PaymentStatus::kFailed && !p.refund_requested)
      Schedule(Job{0, JobKind::kCheckDeposit, id, 0, 0, {}, {}, {}});
    if (p.refund_requested && !p.refund_settled)
      Schedule(Job{0, JobKind::kRefund, id, 0, p.refund_amount, p.method, p.wallet, {}});
  }
}

void PaymentWorker::Collect(const engine::Event& e) {
  switch (TypeOf(e)) {
    case EventType::kPaymentRequested: {
      const auto& b = std::get<engine::PaymentRequested>(e.body);
      if (b.deposit_due != 0) return ScheduleAccount(b.payment, b.amount, b.deposit_due);
      open_[b.payment] = {b.amount, b.method, b.wallet};
      Schedule(Job{0, JobKind::kCharge, b.payment, 1, b.amount, b.method, b.wallet, {}});
      return;
    }
    case EventType::kPaymentFailed: {
      const auto& b = std::get<engine::PaymentFailed>(e.body);
      auto it = open_.find(b.payment);
      // A deposit payment's deadline passed: a notice may have been lost on the way.
      if (b.final && b.detail == engine::kDepositDeadlinePassed)
        return Schedule(Job{now_ms_() + options_.refund_retry_ms, JobKind::kCheckDeposit,
                            b.payment, 0, 0, {}, {}, {}});
      if (it == open_.end()) return;  // not ours to run (cannot happen after OnRecovered)
      if (b.final) {
        open_.erase(it);
        return;
      }
      Schedule(Job{b.retry_at, JobKind::kCharge, b.payment, b.attempt + 1, it->second.amount,
                   it->second.method, it->second.wallet, {}});
      return;
    }
    case EventType::kPaymentSucceeded:
      open_.erase(std::get<engine::PaymentSucceeded>(e.body).payment);
      return;
    case EventType::kRefundIssued: {
      const auto& b = std::get<engine::RefundIssued>(e.body);
      Schedule(Job{0, JobKind::kRefund, b.payment, 0, b.amount, {}, {}, {}});
      return;
    }
    default:
      return;
  }
}

void PaymentWorker::ScheduleAccount(engine::PaymentId payment, int64_t amount, int64_t deadline,
                                    int64_t due) {
  Job job{due, JobKind::kIssueAccount, payment, 0, amount, engine::PaymentMethod::kBankTransfer,
          {}, {}};
  job.deadline = deadline;
  Schedule(std::move(job));
}

void PaymentWorker::Schedule(Job job) {
  {
    std::lock_guard lock(mu_);
    jobs_.push(std::move(job));
  }
  cv_.notify_one();
}

void PaymentWorker::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void PaymentWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PaymentWorker::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (jobs_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const int64_t wait = jobs_.top().due - now_ms_();
    if (wait > 0) {
      cv_.wait_for(lock, std::chrono::milliseconds(std::min<int64_t>(wait, 100)));
      continue;
    }
    // Reports are cheap and never wait for a call slot; provider calls are bounded.
    if (jobs_.top().kind != JobKind::kReport && in_flight_ >= options_.max_in_flight) {
      cv_.wait_for(lock, std::chrono::milliseconds(10));
      continue;
    }
    Job job = jobs_.top();
    jobs_.pop();
    if (job.kind != JobKind::kReport) ++in_flight_;
    lock.unlock();
    Run(std::move(job));
    lock.lock();
  }
}

void PaymentWorker::Run(Job job) {
  auto call_done = [this] {
    {
      std::lock_guard lock(mu_);
      --in_flight_;
    }
    cv_.notify_one();
  };
  switch (job.kind) {
    case JobKind::kReport:
      Report(std::move(job.report));
      return;
    case JobKind::kCharge: {
      charges_.fetch_add(1, std::memory_order_relaxed);
      const engine::PaymentId payment = job.payment;
      const uint32_t attempt = job.attempt;
      provider_.Charge(ChargeRequest{KeyOf(payment), job.amount, job.method, job.wallet},
                       [this, payment, attempt, call_done](ChargeResult r) {
                         switch (r.outcome) {
                           case engine::ChargeOutcome::kCaptured: captured_.fetch_add(1); break;
                           case engine::ChargeOutcome::kDeclined: declined_.fetch_add(1); break;
                           case engine::ChargeOutcome::kError: errors_.fetch_add(1); break;
                         }
                         Report(engine::ReportChargeCmd{payment, attempt, r.outcome, std::move(r.detail)});
                         call_done();
                       });
      return;
    }
    case JobKind::kIssueAccount: {
      const engine::PaymentId payment = job.payment;
      const int64_t amount = job.amount, deadline = job.deadline;
      if (now_ms_() >= deadline) {  // past due (a restart after it): an account could take nothing
        call_done();
        return;
      }
      provider_.IssueAccount(
          AccountRequest{KeyOf(payment), amount, deadline},
          [this, payment, amount, deadline, call_done](AccountResult r) {
            if (r.ok) {
              accounts_.fetch_add(1, std::memory_order_relaxed);
              Report(engine::ReportVirtualAccountCmd{payment, std::move(r.bank),
                                                     std::move(r.account), std::move(r.holder)});
            } else if (const int64_t next = now_ms_() + options_.refund_retry_ms; next < deadline) {
              ScheduleAccount(payment, amount, deadline, next);
            }
            call_done();
          });
      return;
    }
    case JobKind::kCheckDeposit: {
      const engine::PaymentId payment = job.payment;
      const uint32_t tries = job.attempt;
      provider_.DepositStatus(KeyOf(payment), [this, payment, tries, call_done](DepositState s) {
        if (s.ok && s.captured > 0) {
          Report(engine::ReportDepositCmd{payment, s.captured, 0});  // no time: refunded
        } else if (!s.ok && tries < 60) {
          Schedule(Job{now_ms_() + options_.refund_retry_ms, JobKind::kCheckDeposit, payment,
                       tries + 1, 0, {}, {}, {}});
        }
        call_done();
      });
      return;
    }
    case JobKind::kRefund: {
      const engine::PaymentId payment = job.payment;
      const int64_t amount = job.amount;
      provider_.Refund(KeyOf(payment), amount, [this, payment, amount, call_done](RefundResult r) {
        if (r.ok) {
          refunds_.fetch_add(1, std::memory_order_relaxed);
          Report(engine::ReportRefundCmd{payment, r.refunded});
        } else {
          Schedule(Job{now_ms_() + options_.refund_retry_ms, JobKind::kRefund, payment, 0, amount, {}, {},
                       {}});
        }
        call_done();
      });
      return;
    }
  }
}

void PaymentWorker::Report(engine::CommandBody body) {
  engine::Command cmd;
  cmd.now = now_ms_();
  cmd.actor_role = engine::Role::kSystem;
  cmd.body = body;
  if (port_.Publish(std::move(cmd))) return;
  resends_.fetch_add(1, std::memory_order_relaxed);
  Schedule(Job{now_ms_() + options_.resend_ms, JobKind::kReport, 0, 0, 0, {}, {}, std::move(body)});
}

void PaymentWorker::WriteMetrics(metrics::PrometheusText* out) const {
  out->Counter("cm_payment_charges_total", "Charge calls made to the payment provider.", charges_);
  out->Counter("cm_payment_captured_total", "Charge calls the provider answered CAPTURED.", captured_);
  out->Counter("cm_payment_declined_total", "Charge calls the provider declined.", declined_);
  out->Counter("cm_payment_errors_total", "Charge calls that timed out or failed.", errors_);
  out->Counter("cm_payment_refunds_total", "Refunds the provider confirmed.", refunds_);
  out->Counter("cm_payment_accounts_total", "Virtual accounts the provider issued.", accounts_);
  out->Counter("cm_payment_report_resends_total", "Worker reports the input ring did not take at once.", resends_);
  std::size_t queued, in_flight;
  {
    std::lock_guard lock(mu_);
    queued = jobs_.size();
    in_flight = in_flight_;
  }
  out->Single("cm_payment_jobs_queued", "gauge", "Payment calls and reports waiting to start.",
              static_cast<double>(queued));
  out->Single("cm_payment_calls_in_flight", "gauge", "Payment provider calls in flight.",
              static_cast<double>(in_flight));
}

}  // namespace cm::payments
