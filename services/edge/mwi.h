#pragma once
// Message-waiting indication (F1, RFC 3842): the lamp on the phones.
//
// Source: `mailbox.changed` events (topic "mailbox", payload
// switchboard.events.v1.MailboxChanged) read by an events::Consumer in
// group "edge" — a consumer group, not a broadcast tail: the bindings and
// the subscriptions are in Redis, so any one edge copy can notify every
// device, and one NOTIFY per device is the goal.
//
// For each line in line_ids, one NOTIFY (Event: message-summary,
// application/simple-message-summary) goes to
//   - every registered device of the line, out of dialog ("unsolicited
//     MWI", what most desk phones expect), and
//   - every message-summary subscription of the line, in its dialog.
// The body follows the line's mwi_mode: Messages-Waiting yes/no counts
// new voice messages (ALL_VOICEMAIL), urgent new ones (URGENT_VOICEMAIL),
// faxes (ALL_FAXES) or both (ALL); Voice-Message: new/old (urgent_new/
// urgent_old), Fax-Message likewise when faxes count; Message-Account is
// the mailbox address.
//
// SUBSCRIBE (Event: message-summary): digest-authenticated like REGISTER
// (401), then 200 with Expires, then an immediate NOTIFY with the last
// known state of the device's lines. A subscription is a dialog kept in
// Redis so any copy can NOTIFY it:
//   mwi:subs:{<line id>}  HASH  field: subscription id (Call-ID);
//                                value: "expires_ms|local_tag|remote_tag|remote_uri|contact|received|transport|aor"
//   mwi:cseq:{<line id>}  HASH  field: subscription id; value: last CSeq we sent
//   mwi:state:{<line id>} STRING the last message-summary body (TTL 30 days)
// Expires 0 ends a subscription (a final NOTIFY with
// Subscription-State: terminated).
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "events/consumer.h"
#include "redis/client.h"
#include "services/edge/authenticator.h"
#include "services/edge/location.h"
#include "services/edge/nonce_counts.h"
#include "services/edge/sip_front.h"
#include "core/worker_pool.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::edge {

// The RFC 3842 body for a mailbox's counts and MWI choice.
std::string MessageSummaryBody(const switchboard::events::v1::MailboxChanged& m);

struct MwiConfig {
  std::string group = "edge";
  std::string consumer;  // default: the events library's host-pid
  int min_subscription_s = 60;
  int max_subscription_s = 3600;
  int default_subscription_s = 3600;
  // The nonce-count replay guard for SUBSCRIBE (null: none).
  NonceCounts* nonce_counts = nullptr;
};

class Mwi {
 public:
  Mwi(MwiConfig config, redis::Client& redis, Location* location, Authenticator* auth, core::WorkerPool* workers);
  ~Mwi();

  // Registers SUBSCRIBE on `front` (before the stack starts).
  void Install(SipFront& front);
  // Starts consuming mailbox.changed once the stack runs (its loop sends the NOTIFYs).
  void Start(sip::SipStack* stack);
  void Stop();

  // The NOTIFYs for one event: what the consumer runs (any thread but the loop).
  absl::Status Handle(const switchboard::events::v1::MailboxChanged& m);

 private:
  struct Subscription;
  void OnSubscribe(sip::IncomingRequest request);
  void SendNotify(const Subscription& s, const std::string& body, uint32_t cseq, const std::string& state);

  const MwiConfig config_;
  redis::Client& redis_;
  Location* location_;
  Authenticator* auth_;
  core::WorkerPool* workers_;
  sip::SipStack* stack_ = nullptr;
  std::unique_ptr<events::Consumer> consumer_;
  std::thread thread_;
};

}  // namespace sb::edge
