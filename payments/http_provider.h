#pragma once
// PaymentProvider over HTTP/1.1 (Boost.Beast), speaking concertmania-fakepg's API (see
// fakepg_main.cc); an adapter for a real provider replaces only this class. Every call has a
// deadline: a provider that does not answer in time is an error (kError: the money may or may
// not have been taken), never a stuck worker. Connections are kept alive and reused.
// Thread-safe: calls may come from any thread; callbacks run on the client's I/O thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/status.h"
#include "payments/payment_provider.h"

namespace cm::payments {

struct HttpProviderOptions {
  std::string url = "http://127.0.0.1:8090";  // http://host:port
  std::chrono::milliseconds timeout{2000};    // per call: connect, send and answer
  std::size_t max_idle_connections = 256;
};

class HttpPaymentProvider final : public PaymentProvider {
 public:
  // Resolves the URL; fails on a malformed one or an unknown host.
  static Result<std::unique_ptr<HttpPaymentProvider>> Open(HttpProviderOptions options);
  ~HttpPaymentProvider() override;

  void Charge(const ChargeRequest& request, ChargeDone done) override;
  void Refund(const std::string& key, int64_t up_to, RefundDone done) override;
  void IssueAccount(const AccountRequest& request, AccountDone done) override;
  void DepositStatus(const std::string& key, StateDone done) override;

 private:
  class Call;
  struct Connection;
  HttpPaymentProvider(HttpProviderOptions options, boost::asio::ip::tcp::endpoint endpoint,
                      std::string host);
  void Send(std::string target, std::string key, std::string body,
            std::function<void(int status, std::string body, std::string error)> done,
            bool get = false);
  std::shared_ptr<Connection> TakeIdle();  // I/O thread only
  void GiveBack(std::shared_ptr<Connection> c);

  HttpProviderOptions options_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::string host_;
  boost::asio::io_context io_;
  std::vector<std::shared_ptr<Connection>> idle_;  // I/O thread only
  std::thread thread_;
};

}  // namespace cm::payments
