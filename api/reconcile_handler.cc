#include "api/reconcile_handler.h"

#include <algorithm>

#include "api/replies.h"
#include "api/request_input.h"
#include "views/resource_json.h"

namespace cm::api {

void ReconcileHandler::ListPayments(const ExPtr& ex) {
  auto claims = ctx_.Authenticate(ex, true);
  if (!claims) return;
  int64_t after = 0, limit = 0;
  if (!QueryNumber(ex, "after", 0, 0, INT64_MAX, &after) ||
      !QueryNumber(ex, "limit", 100, 1, 1000, &limit))
    return;
  std::string body = reads_.Read([&](const engine::EngineState& s) {
    // The `limit` lowest ids past `after` (one more tells whether a next page exists).
    std::vector<engine::PaymentId> ids;
    for (const auto& [id, p] : s.payments())
      if (id > static_cast<uint64_t>(after)) ids.push_back(id);
    const std::size_t take = std::min(ids.size(), static_cast<std::size_t>(limit) + 1);
    std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(take), ids.end());
    ids.resize(take);
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (std::size_t i = 0; i < ids.size() && i < static_cast<std::size_t>(limit); ++i)
      views::WritePayment(w, *s.FindPayment(ids[i]));
    w.EndArray();
    if (ids.size() > static_cast<std::size_t>(limit))
      w.Field("next", ids[static_cast<std::size_t>(limit) - 1]);
    return w.EndObject().Take();
  });
  Json(ex, 200, std::move(body), {{http::field::cache_control, "no-store"}});
}

void ReconcileHandler::AdoptOrphan(const ExPtr& ex) {
  auto claims = ctx_.Authenticate(ex, true);
  if (!claims) return;
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  int64_t payment = 0, amount = 0;
  f.Int("paymentId", &payment, 1, INT64_MAX) && f.Int("amount", &amount, 1, INT64_MAX);
  if (!f.ok()) return FailInput(ex, f.error());
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  cmd->body = engine::AdoptOrphanChargeCmd{static_cast<engine::PaymentId>(payment), amount};
  ctx_.Submit(ex, std::move(*cmd), [this, ex, payment](const engine::Event& e) {
    if (engine::OutcomeOf(e).code != engine::ResultCode::kOk) return FailEvent(ex, e);
    std::string out = reads_.Read([&](const engine::EngineState& s) {
      const engine::Payment* p = s.FindPayment(static_cast<engine::PaymentId>(payment));
      if (p == nullptr) return std::string("{}");  // settled and dropped already
      JsonWriter w;
      views::WritePayment(w, *p);
      return w.Take();
    });
    Json(ex, 202, std::move(out));
  });
}

}  // namespace cm::api
