#pragma once
// HMAC-SHA256 signatures: the action links of voicemail e-mails (C5) and the
// X-Switchboard-Signature header of webhooks.
//
// An action link token is  base64url(claims) "." base64url(HMAC(secret, claims))
// with claims "v2|<action>|<tenant>|<user>|<message>|<expires unix s>|<language>|<nonce>"
// (the v1 claims, without language and nonce, of e-mails sent before still
// verify). The language is the e-mail's, for the confirmation page; the nonce
// makes every link unique, so "already used" is about that very link. It
// lets whoever holds the e-mail do that one thing to that one message of that
// one user until it expires, without signing in — so it is short-lived, names
// exactly one action, and only the notifications service (which holds
// SB_LINK_SECRET) can mint or check it.
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sb::notifications {

// Lowercase hex HMAC-SHA256.
std::string HmacSha256Hex(absl::string_view key, absl::string_view data);
// Lowercase hex SHA-256 (how a used action link is remembered without storing it).
std::string Sha256Hex(absl::string_view data);

// The webhook header value for `body` signed at `at`:
//   "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
std::string WebhookSignature(absl::string_view secret, absl::string_view body, absl::Time at);

enum class LinkAction { kDelete, kMarkRead, kMarkAllRead, kOpenMailbox };
absl::string_view LinkActionName(LinkAction a);  // DELETE, MARK_READ, MARK_ALL_READ, OPEN_MAILBOX

struct LinkClaims {
  LinkAction action = LinkAction::kOpenMailbox;
  std::string tenant_id;
  std::string user_id;
  std::string message_id;  // empty for MARK_ALL_READ / OPEN_MAILBOX
  absl::Time expires_at;
  std::string language;  // "fr", "en"; may be empty
  std::string nonce;     // [0-9a-f]*, chosen by the signer
};

std::string SignLink(absl::string_view secret, const LinkClaims& claims);
// INVALID_ARGUMENT for a malformed token, PERMISSION_DENIED for a bad
// signature, FAILED_PRECONDITION once expired (checked against `now`).
absl::StatusOr<LinkClaims> VerifyLink(absl::string_view secret, absl::string_view token, absl::Time now);

}  // namespace sb::notifications
