#pragma once
// RFC 5322/2045 messages as SMTP servers and mail readers expect them:
// UTF-8 bodies in base64, non-ASCII header text as RFC 2047 encoded-words,
// attachments (the voicemail WAV, the fax PDF) as base64 parts of a
// multipart/mixed, lines wrapped at 76 characters, CRLF everywhere.
// Pure: no I/O, unit-tested in mime_test.cc.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sb::notifications {

struct Attachment {
  std::string filename;
  std::string content_type;  // "audio/wav", "application/pdf"
  std::string data;          // raw bytes
};

struct Email {
  std::string from;  // "Switchboard <noreply@switchboard.local>" or a bare address
  std::vector<std::string> to;
  std::string reply_to;
  std::string subject;  // UTF-8
  std::string text;     // UTF-8 plain text, '\n' line ends
  std::vector<Attachment> attachments;
  std::string message_id;  // without angle brackets; derived from the delivery id
  absl::Time date = absl::UnixEpoch();
  // Extra ASCII headers (X-Switchboard-Event, …).
  std::vector<std::pair<std::string, std::string>> headers;
};

// "x" unchanged when printable ASCII; otherwise =?UTF-8?B?…?= words of at
// most 75 characters (never splitting a UTF-8 sequence), folded with CRLF SP.
std::string EncodeHeaderText(absl::string_view text);

// An address header value: "Name <a@b>" with the name encoded as needed.
std::string EncodeAddress(absl::string_view address);

// Base64 in lines of 76 characters, each ended by CRLF.
std::string Base64Lines(absl::string_view data);

// The whole message, headers and body, CRLF line ends. `boundary` must not
// occur in the parts (base64 and our header text can't contain "=_sb").
std::string BuildMime(const Email& email, absl::string_view boundary);

}  // namespace sb::notifications
