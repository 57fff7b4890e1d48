#pragma once
// `concertmania reconcile`: compares the payment provider's charges with the engine's payments
// and lists what only one side knows: charges under a payment id the engine has no payment for
// (orphans, e.g. a restore's lost timeline took the money), succeeded payments the provider
// has no capture for, and amounts that differ. With --refund-orphans each orphan is handed to
// the engine (POST /api/admin/payments/orphans), whose saga refunds it by its key.
// Exit 0 when the books agree (or every orphan was handed over), 3 when something remains,
// 1 when the comparison could not be made.

#include <CLI/CLI.hpp>

#include <string>

namespace cm::app {

struct ReconcileCli {
  CLI::App* reconcile = nullptr;
  std::string url = "http://127.0.0.1:8080";
  std::string provider_url;
  std::string email, password, token;
  std::string key_prefix = "cm-pay-";
  bool refund_orphans = false;
  int timeout_s = 60;
};

void AddReconcileCommand(CLI::App& app, ReconcileCli& cli);
int RunReconcileCommand(const ReconcileCli& cli);

}  // namespace cm::app
