#include "services/notifications/mime.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace sb::notifications {
namespace {

bool IsPlainAscii(absl::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// Length of the UTF-8 sequence starting with `lead` (1 for stray bytes).
size_t Utf8Len(unsigned char lead) {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

// Header names and values must not smuggle line breaks (header injection).
std::string OneLine(absl::string_view s) { return absl::StrReplaceAll(s, {{"\r", " "}, {"\n", " "}}); }

std::string CrlfText(absl::string_view text) {
  std::string out = absl::StrReplaceAll(text, {{"\r\n", "\n"}});
  return absl::StrReplaceAll(out, {{"\n", "\r\n"}});
}

}  // namespace

std::string EncodeHeaderText(absl::string_view text) {
  std::string clean = OneLine(text);
  if (IsPlainAscii(clean)) return clean;
  // "=?UTF-8?B?" + "?=" is 12 characters: 63 left for base64, i.e. 45 bytes
  // of input at most per word (4 * 45 / 3 = 60).
  constexpr size_t kMaxChunk = 45;
  std::vector<std::string> words;
  size_t i = 0;
  while (i < clean.size()) {
    size_t end = i;
    while (end < clean.size()) {
      size_t n = Utf8Len(static_cast<unsigned char>(clean[end]));
      if (end + n - i > kMaxChunk) break;
      end += n;
    }
    if (end == i) end = std::min(clean.size(), i + kMaxChunk);  // malformed input: cut anyway
    words.push_back(absl::StrCat("=?UTF-8?B?", absl::Base64Escape(clean.substr(i, end - i)), "?="));
    i = end;
  }
  return absl::StrJoin(words, "\r\n ");
}

std::string EncodeAddress(absl::string_view address) {
  std::string a = OneLine(address);
  size_t lt = a.rfind('<');
  if (lt == std::string::npos || lt == 0) return a;
  std::string name(a.substr(0, lt));
  while (!name.empty() && name.back() == ' ') name.pop_back();
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
  std::string addr = a.substr(lt);
  if (IsPlainAscii(name)) {
    std::string quoted = absl::StrReplaceAll(name, {{"\\", "\\\\"}, {"\"", "\\\""}});
    return absl::StrCat("\"", quoted, "\" ", addr);
  }
  return absl::StrCat(EncodeHeaderText(name), " ", addr);
}

std::string Base64Lines(absl::string_view data) {
  std::string b64 = absl::Base64Escape(data);
  std::string out;
  out.reserve(b64.size() + b64.size() / 76 * 2 + 2);
  for (size_t i = 0; i < b64.size(); i += 76) {
    out.append(b64, i, 76);
    out.append("\r\n");
  }
  return out;
}

std::string BuildMime(const Email& email, absl::string_view boundary) {
  std::string m;
  m.reserve(1024 + email.text.size() * 2 + [&] {
    size_t n = 0;
    for (const auto& a : email.attachments) n += a.data.size() * 4 / 3 + a.data.size() / 38;
    return n;
  }());
  absl::StrAppend(&m, "From: ", EncodeAddress(email.from), "\r\n");
  std::vector<std::string> to;
  for (const auto& t : email.to) to.push_back(EncodeAddress(t));
  absl::StrAppend(&m, "To: ", absl::StrJoin(to, ",\r\n "), "\r\n");
  if (!email.reply_to.empty()) absl::StrAppend(&m, "Reply-To: ", EncodeAddress(email.reply_to), "\r\n");
  absl::StrAppend(&m, "Subject: ", EncodeHeaderText(email.subject), "\r\n");
  absl::StrAppend(
      &m, "Date: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", email.date, absl::UTCTimeZone()), "\r\n");
  if (!email.message_id.empty()) absl::StrAppend(&m, "Message-ID: <", OneLine(email.message_id), ">\r\n");
  for (const auto& [name, value] : email.headers) {
    absl::StrAppend(&m, OneLine(name), ": ", EncodeHeaderText(value), "\r\n");
  }
  absl::StrAppend(&m, "MIME-Version: 1.0\r\n");
  const std::string text_part =
      absl::StrCat("Content-Type: text/plain; charset=UTF-8\r\n", "Content-Transfer-Encoding: base64\r\n\r\n",
                   Base64Lines(CrlfText(email.text)));
  if (email.attachments.empty()) {
    absl::StrAppend(&m, text_part);
    return m;
  }
  absl::StrAppend(&m, "Content-Type: multipart/mixed; boundary=\"", boundary, "\"\r\n\r\n",
                  "This is a multi-part message in MIME format.\r\n");
  absl::StrAppend(&m, "--", boundary, "\r\n", text_part);
  for (const auto& a : email.attachments) {
    // RFC 2231 would be the strict form for non-ASCII names; mail readers
    // accept the RFC 2047 form in quotes, and our names are ASCII anyway.
    std::string name = absl::StrReplaceAll(EncodeHeaderText(a.filename), {{"\"", "'"}});
    absl::StrAppend(&m, "--", boundary, "\r\n", "Content-Type: ", OneLine(a.content_type), "; name=\"", name,
                    "\"\r\n", "Content-Transfer-Encoding: base64\r\n",
                    "Content-Disposition: attachment; filename=\"", name, "\"\r\n\r\n", Base64Lines(a.data));
  }
  absl::StrAppend(&m, "--", boundary, "--\r\n");
  return m;
}

}  // namespace sb::notifications
