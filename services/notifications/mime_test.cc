#include "services/notifications/mime.h"

#include <catch2/catch.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace sb::notifications {
namespace {

TEST_CASE("ASCII header text is left alone") {
  CHECK(EncodeHeaderText("New voice message") == "New voice message");
}

TEST_CASE("non-ASCII subjects become RFC 2047 encoded-words of at most 75 characters") {
  const std::string subject =
      "Nouveau message vocal de Hélène Dupré — très urgent, à rappeler aujourd'hui même";
  std::string enc = EncodeHeaderText(subject);
  std::string decoded;
  for (absl::string_view word : absl::StrSplit(enc, "\r\n ")) {
    REQUIRE(word.size() <= 75);
    REQUIRE(absl::StartsWith(word, "=?UTF-8?B?"));
    REQUIRE(absl::EndsWith(word, "?="));
    std::string part;
    REQUIRE(absl::Base64Unescape(word.substr(10, word.size() - 12), &part));
    // Each word decodes on its own to whole UTF-8 characters.
    const unsigned char last = static_cast<unsigned char>(part.back());
    const bool ends_whole = last < 0x80 || (last & 0xC0) != 0x80 ? last < 0xC0 : true;
    REQUIRE(ends_whole);
    decoded += part;
  }
  CHECK(decoded == subject);
}

TEST_CASE("line breaks cannot be injected into headers") {
  CHECK(EncodeHeaderText("hi\r\nBcc: x@y") == "hi  Bcc: x@y");
}

TEST_CASE("display names are quoted or encoded") {
  CHECK(EncodeAddress("Switchboard <noreply@sb.local>") == "\"Switchboard\" <noreply@sb.local>");
  CHECK(EncodeAddress("a@b.c") == "a@b.c");
  CHECK(absl::StartsWith(EncodeAddress("Élodie <e@x.fr>"), "=?UTF-8?B?"));
}

TEST_CASE("base64 lines are 76 characters and CRLF-terminated") {
  std::string data(1000, '\x7f');
  std::string b = Base64Lines(data);
  for (absl::string_view line : absl::StrSplit(b, "\r\n", absl::SkipEmpty())) CHECK(line.size() <= 76);
  std::string joined = absl::StrReplaceAll(b, {{"\r\n", ""}});
  std::string back;
  REQUIRE(absl::Base64Unescape(joined, &back));
  CHECK(back == data);
}

TEST_CASE("a message with an attachment is multipart/mixed and the attachment round-trips") {
  Email e;
  e.from = "Switchboard <noreply@sb.local>";
  e.to = {"alice@example.com"};
  e.subject = "Message de Hélène";
  e.text = "Bonjour,\nVoici le message.";
  std::string wav;
  for (int i = 0; i < 5000; ++i) wav.push_back(static_cast<char>(i * 7));
  e.attachments.push_back({"voicemail.wav", "audio/wav", wav});
  e.message_id = "sb.1.2@sb.local";
  std::string m = BuildMime(e, "=_sb_b");
  CHECK(absl::StrContains(m, "Content-Type: multipart/mixed; boundary=\"=_sb_b\"\r\n"));
  CHECK(absl::StrContains(m, "Message-ID: <sb.1.2@sb.local>\r\n"));
  CHECK(absl::StrContains(m, "Content-Disposition: attachment; filename=\"voicemail.wav\""));
  CHECK(absl::EndsWith(m, "--=_sb_b--\r\n"));
  // No bare LF anywhere.
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') {
      const bool crlf = i > 0 && m[i - 1] == '\r';
      REQUIRE(crlf);
    }
  }
  size_t start = m.find("filename=\"voicemail.wav\"\r\n\r\n");
  REQUIRE(start != std::string::npos);
  start = m.find("\r\n\r\n", start) + 4;
  size_t end = m.find("--=_sb_b--", start);
  std::string b64 = absl::StrReplaceAll(m.substr(start, end - start), {{"\r\n", ""}});
  std::string back;
  REQUIRE(absl::Base64Unescape(b64, &back));
  CHECK(back == wav);
}

}  // namespace
}  // namespace sb::notifications
