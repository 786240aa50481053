#include "services/voicemail/call_reason.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace sb::voicemail {
namespace {

// Splits a header value into its entries at commas outside <...> and quotes.
std::vector<std::string> SplitEntries(const std::string& value) {
  std::vector<std::string> out;
  std::string cur;
  bool in_angle = false, in_quote = false;
  for (char c : value) {
    if (c == '"' && !in_angle) in_quote = !in_quote;
    if (!in_quote) {
      if (c == '<') in_angle = true;
      if (c == '>') in_angle = false;
    }
    if (c == ',' && !in_angle && !in_quote) {
      out.push_back(std::string(absl::StripAsciiWhitespace(cur)));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!absl::StripAsciiWhitespace(cur).empty()) out.push_back(std::string(absl::StripAsciiWhitespace(cur)));
  return out;
}

// The value of `name` among ;-separated parameters of `params`, or "".
std::string Param(absl::string_view params, absl::string_view name) {
  for (absl::string_view p : absl::StrSplit(params, ';')) {
    p = absl::StripAsciiWhitespace(p);
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(p, absl::MaxSplits('=', 1));
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(kv.first), name)) {
      return std::string(absl::StripAsciiWhitespace(kv.second));
    }
  }
  return "";
}

// "<sip:user@host;params>;header-params" → (uri, header params).
std::pair<std::string, std::string> SplitNameAddr(const std::string& entry) {
  const size_t open = entry.find('<');
  const size_t close = entry.find('>', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) {
    const size_t semi = entry.find(';');
    return {entry.substr(0, semi), semi == std::string::npos ? "" : entry.substr(semi)};
  }
  return {entry.substr(open + 1, close - open - 1), entry.substr(close + 1)};
}

std::string UserOf(const std::string& escaped) {
  // URI parameters carry their URIs %-escaped ("target=sip:4002%40a.example").
  std::string uri;
  for (size_t i = 0; i < escaped.size(); ++i) {
    int hi = 0, lo = 0;
    if (escaped[i] == '%' && i + 2 < escaped.size() &&
        absl::ascii_isxdigit(static_cast<unsigned char>(escaped[i + 1])) &&
        absl::ascii_isxdigit(static_cast<unsigned char>(escaped[i + 2]))) {
      hi = std::stoi(escaped.substr(i + 1, 1), nullptr, 16);
      lo = std::stoi(escaped.substr(i + 2, 1), nullptr, 16);
      uri.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      uri.push_back(escaped[i]);
    }
  }
  absl::string_view u = uri;
  if (!absl::ConsumePrefix(&u, "sip:") && !absl::ConsumePrefix(&u, "sips:") &&
      !absl::ConsumePrefix(&u, "tel:")) {
    return "";
  }
  const size_t end = u.find_first_of("@;?");
  return std::string(u.substr(0, end));
}

}  // namespace

vpb::DepositReason ReasonFromCause(int cause) {
  switch (cause) {
    case 486:
      return vpb::BUSY;
    case 408:
      return vpb::NO_ANSWER;
    case 487:
      return vpb::NO_ANSWER;  // RFC 4458: deflection on no answer
    case 302:
      return vpb::UNCONDITIONAL;
    case 480:
    case 404:
    case 503:
      return vpb::UNAVAILABLE;
    default:
      return vpb::DEPOSIT_REASON_UNSPECIFIED;
  }
}

vpb::DepositReason ReasonFromDiversion(const std::string& token) {
  const std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(token));
  const std::string v(absl::StripPrefix(absl::StripSuffix(t, "\""), "\""));
  if (v == "user-busy") return vpb::BUSY;
  if (v == "no-answer") return vpb::NO_ANSWER;
  if (v == "unconditional") return vpb::UNCONDITIONAL;
  if (v == "unavailable" || v == "do-not-disturb" || v == "out-of-service" || v == "away" ||
      v == "time-of-day") {
    return vpb::UNAVAILABLE;
  }
  return vpb::DEPOSIT_REASON_UNSPECIFIED;
}

CallReason ReadCallReason(const std::vector<std::string>& history_info,
                          const std::vector<std::string>& diversion) {
  CallReason out;
  // History-Info: the last entry carrying a cause is the diversion that
  // brought the call here; the entry before it is the number called.
  std::vector<std::string> entries;
  for (const auto& v : history_info) {
    for (auto& e : SplitEntries(v)) entries.push_back(std::move(e));
  }
  for (size_t i = entries.size(); i-- > 0;) {
    auto [uri, hparams] = SplitNameAddr(entries[i]);
    std::string cause = Param(uri, "cause");
    int code = 0;
    if (cause.empty() || !absl::SimpleAtoi(cause, &code)) continue;
    vpb::DepositReason r = ReasonFromCause(code);
    if (r == vpb::DEPOSIT_REASON_UNSPECIFIED) continue;
    out.reason = r;
    // RFC 4458 puts the diverted target in the voicemail URI's `target`
    // parameter; otherwise the previous entry is the number that was called.
    std::string target = Param(uri, "target");
    if (!target.empty()) {
      out.diverted_from = UserOf(target);
    } else if (i > 0) {
      out.diverted_from = UserOf(SplitNameAddr(entries[i - 1]).first);
    }
    return out;
  }
  // Diversion: the first (topmost) entry is the most recent diversion.
  for (const auto& v : diversion) {
    for (const auto& e : SplitEntries(v)) {
      auto [uri, params] = SplitNameAddr(e);
      vpb::DepositReason r = ReasonFromDiversion(Param(params, "reason"));
      if (r == vpb::DEPOSIT_REASON_UNSPECIFIED) continue;
      out.reason = r;
      out.diverted_from = UserOf(uri);
      return out;
    }
  }
  return out;
}

}  // namespace sb::voicemail
