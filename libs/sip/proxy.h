#pragma once
// What a stateful proxy does to the messages it forwards (RFC 3261 §16.6,
// §16.7, §16.12): copy the request, retarget it, count down Max-Forwards,
// add Record-Route, pop our own Route from in-dialog requests, and detect
// loops. Loop thread only (they touch msg_t); the results are plain msg_t
// handles for ClientTransaction::Send / ServerTransaction::Relay.
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sip/sofia.h"
#include "sip/transaction.h"

namespace sb::sip {

struct ForwardSpec {
  // The new Request-URI ("sip:bob@192.0.2.4:5062"); empty keeps it.
  std::string request_uri;
  // Prepended as the topmost Record-Route ("<sip:198.51.100.1:5060;lr>");
  // empty adds none.
  std::string record_route;
  // Header names removed from the copy (e.g. "Proxy-Authorization", our
  // realm's credentials, RFC 3261 §22.3; "Alert-Info" before setting ours).
  // A name ending in '*' removes every extension header with that prefix
  // ("X-Sb-*": the platform's internal headers, never taken from outside).
  std::vector<std::string> remove_headers;
  // "Name: value\r\n" lines added to the copy.
  std::string extra_headers;
};

// A deep copy of `request` with `spec` applied and Max-Forwards counted
// down (set to 70 when absent). INVALID_ARGUMENT for a bad URI or header.
absl::StatusOr<MsgRef> PrepareForward(msg_t* request, const ForwardSpec& spec);

// A deep copy of any message (a response to relay).
MsgRef DuplicateMessage(msg_t* msg);

// Whether `url` names this proxy: same host and port (default 5060).
bool IsOwnUri(const url_t* url, absl::string_view host, absl::string_view port);

// Removes the topmost Route when it names this proxy (loose routing,
// RFC 3261 §16.4). True when one was removed.
bool PopOwnRoute(msg_t* msg, absl::string_view host, absl::string_view port);

// The loop-detection key of a request (RFC 3261 §16.6 step 8): a hash of
// the fields a spiral changes and a loop doesn't — Request-URI, From tag,
// Call-ID, CSeq number, Proxy-Require, Route. Hex, 16 characters.
std::string LoopKey(const sip_t& request);

// Whether a Via of ours (host and port) carries `key` in its branch: the
// request came back unchanged, a loop (482).
bool HasOwnLoopVia(const sip_t& request, absl::string_view host, absl::string_view port,
                   absl::string_view key);

// Header values as text, all occurrences in order (e.g. every History-Info
// entry), for headers sofia doesn't parse (unknown headers) or does.
std::vector<std::string> HeaderValues(msg_t* msg, absl::string_view name);

}  // namespace sb::sip
