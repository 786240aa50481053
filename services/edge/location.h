#pragma once
// The location service: registrations (bindings) in Redis, written by the
// registrar and read by the proxy and by routing ("is this line reachable?").
//
// REDIS KEY LAYOUT (routing may read it directly; keep this comment exact)
//
//   reg:{<aor>}              ZSET   member: binding id; score: expiry, Unix ms.
//                                   Key TTL: the latest expiry among its members.
//   reg:{<aor>}:<binding id> HASH   one binding, key TTL = its expiry:
//       contact        the contact URI ("sip:alice@192.0.2.4:5060;transport=tcp")
//       contact_value  what the 200 OK lists: "<uri>" and contact params, no expires
//       expires_at     Unix ms
//       q              qvalue as sent ("0.5"), "" when none (1.0)
//       instance       +sip.instance, unquoted ("<urn:uuid:…>"), "" when none
//       reg_id         RFC 5626 reg-id, "0" when none
//       call_id, cseq  of the REGISTER that wrote it (RFC 3261 §10.3 step 7)
//       received       "ip:port" the REGISTER came from: behind NAT, the public
//                      address to send requests to (RFC 3581)
//       transport      "udp" / "tcp" / "tls" it came over: requests for a TCP
//                      binding go back over the same connection (the edge
//                      reuses an open connection to `received`)
//       edge           SIP address of the edge copy that holds that connection
//       user_agent, tenant_id, user_id, device_id, registered_at (Unix ms)
//   reg:{<aor>}:nc:<nonce>   STRING the last digest nonce-count accepted with
//                                   that nonce (qop=auth replay guard); TTL
//                                   = nonce lifetime
//   line:{<line id>}         ZSET   member: AOR of a device carrying the line;
//                                   score: latest expiry (Unix ms) of that
//                                   AOR's bindings when last registered.
//                                   Key TTL: max_expires. An index, not the
//                                   truth: read the AOR's bindings for it.
//
//   <aor> is "sip:<sip_username>@<sip_domain>" (lower-case domain). A binding
//   is live while its score is in the future; expired members are removed on
//   the next write, and the per-binding key has expired with Redis' TTL, so a
//   reader that filters on score (or just HGETALLs the hashes) never sees a
//   dead binding. Binding ids: 16 hex digits of SHA-256 over "i:<instance>:
//   <reg-id>" for RFC 5626 flows (the same instance and reg-id replace their
//   binding), else over "c:<contact URI>".
//   The {…} hash tags keep one AOR's keys in one Redis Cluster slot; the
//   line index lives in another slot and is written after the AOR's script.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "redis/client.h"

namespace sb::edge {

struct Binding {
  std::string aor;
  std::string id;
  std::string contact;
  std::string contact_value;
  absl::Time expires_at;
  std::string q;
  std::string instance;
  uint32_t reg_id = 0;
  std::string call_id;
  uint32_t cseq = 0;
  std::string received;
  std::string transport;
  std::string edge;
  std::string user_agent;
  std::string tenant_id;
  std::string user_id;
  std::string device_id;
  absl::Time registered_at;
};

// One Contact of a REGISTER, to add, refresh or (expires 0) remove.
struct ContactChange {
  Binding binding;  // id and everything but aor, expires_at, call_id, cseq
  int64_t expires_s = 0;
};

struct RegisterChange {
  std::string aor;
  std::string call_id;
  uint32_t cseq = 0;
  bool remove_all = false;  // "Contact: *" with Expires: 0
  std::vector<ContactChange> contacts;
  std::vector<std::string> line_ids;  // to index the AOR under
  int max_bindings = 10;
  // The digest nonce and nonce-count that authenticated the request, for the
  // replay guard; nc 0 skips it.
  std::string nonce;
  uint32_t nc = 0;
};

enum class RegisterOutcome {
  kOk,
  kOutOfOrder,  // same Call-ID, CSeq not higher than a binding's (RFC 3261 §10.3 step 7)
  kTooMany,     // would exceed max_bindings
  kReplay,      // nonce-count not higher than one already accepted
};

struct RegisterResult {
  RegisterOutcome outcome = RegisterOutcome::kOk;
  std::vector<Binding> bindings;  // the AOR's live bindings afterwards (kOk only)
};

struct LocationConfig {
  absl::Duration nonce_ttl = absl::Minutes(5);  // lifetime of the nc keys
  absl::Duration max_expires = absl::Hours(1);  // lifetime of the line index
};

// Thread-safe (the Client is); every call blocks on Redis.
class Location {
 public:
  using Clock = std::function<absl::Time()>;

  Location(redis::Client& redis, LocationConfig config, Clock clock = nullptr);

  // Applies a REGISTER atomically (one Lua script per AOR). The result's
  // bindings carry id, contact_value and expires_at only.
  absl::StatusOr<RegisterResult> Apply(const RegisterChange& change);
  // Several REGISTERs (of any AORs) in one round trip; each is atomic on its
  // own. One result per change, in order.
  std::vector<absl::StatusOr<RegisterResult>> ApplyBatch(const std::vector<const RegisterChange*>& changes);
  // The live bindings of an AOR, best q first.
  absl::StatusOr<std::vector<Binding>> Lookup(const std::string& aor);
  // The live bindings of every device carrying the line.
  absl::StatusOr<std::vector<Binding>> LookupLine(const std::string& line_id);
  // The same, sending `also` (a command of the caller's: taking a line
  // slot) in the round trip that reads the bindings, when the line has
  // devices; its reply goes to *also_reply, left untouched when not sent.
  absl::StatusOr<std::vector<Binding>> LookupLine(const std::string& line_id, const std::vector<std::string>& also,
                                                  std::optional<absl::StatusOr<redis::Reply>>* also_reply);

  static std::string BindingId(const std::string& instance, uint32_t reg_id, const std::string& contact_uri);
  static std::string AorKey(const std::string& aor);
  static std::string LineKey(const std::string& line_id);

 private:
  redis::Client& redis_;
  const LocationConfig config_;
  const Clock clock_;
};

}  // namespace sb::edge
