#include "services/edge/register_handler.h"

#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/logging.h"

namespace sb::edge {
namespace {

// Under overload every request would log; once a second is enough.
bool WarnNow() {
  static std::atomic<int64_t> last_ms{0};
  const int64_t now = absl::ToUnixMillis(absl::Now());
  int64_t last = last_ms.load(std::memory_order_relaxed);
  return now - last >= 1000 && last_ms.compare_exchange_strong(last, now);
}

sip::SipResponse Overloaded(const std::string& call_id, int retry_after_s) {
  if (WarnNow()) core::Logger("registrar")->warn("{} saturated: answering 503", core::CallCtx{call_id, ""});
  return sip::SipResponse(503, "Overloaded").Header("Retry-After", absl::StrCat(retry_after_s));
}

}  // namespace

void HandleRegister(SipFront& front, Registrar& registrar, LocationWriter& writer, core::WorkerPool& workers,
                    RegisterHandlerConfig config) {
  front.Handle("REGISTER", [&registrar, &writer, &workers, config](sip::IncomingRequest incoming) {
    const sip_t& sip = incoming.sip();
    absl::StatusOr<RegisterRequest> read = ReadRegister(incoming.stack()->agent(), incoming.msg(), sip);
    if (!read.ok()) {
      core::Logger("registrar")
          ->debug("{} bad REGISTER: {}", core::CallCtx{sip::CallId(sip), ""}, read.status().message());
      incoming.ReplyStateless(sip::SipResponse(400, std::string(read.status().message())));
      return;
    }
    auto request = std::make_shared<const RegisterRequest>(*std::move(read));

    std::optional<AuthResult> auth =
        registrar.authenticator().AuthenticateCached(registrar.AuthRequestFor(*request));
    if (!auth) {
      // The HA1 is not cached: a worker may wait for profiles. Shared so
      // that a refused submission hands the transaction back for the 503.
      auto txn = std::make_shared<sip::ServerTransaction>(incoming.Transaction());
      if (!workers.Submit([&registrar, txn, request] { txn->Respond(registrar.Handle(*request)); })) {
        txn->Respond(Overloaded(request->call_id, config.retry_after_s));
      }
      return;
    }
    auto plan = std::make_shared<RegisterPlan>(registrar.Plan(*request, *std::move(auth)));
    if (plan->response) {
      // Challenges and refusals cost nothing to redo: no transaction state.
      incoming.ReplyStateless(*plan->response);
      return;
    }
    auto txn = std::make_shared<sip::ServerTransaction>(incoming.Transaction());
    // The change stays inside the plan (no copy): the completion keeps both.
    LocationWriter::Change change(plan, &plan->change);
    const bool queued = writer.TrySubmit(
        std::move(change), [&registrar, txn, request, plan](absl::StatusOr<RegisterResult> result) {
          txn->Respond(registrar.Finish(*request, *plan, result));
        });
    if (!queued) txn->Respond(Overloaded(request->call_id, config.retry_after_s));
  });
}

}  // namespace sb::edge
