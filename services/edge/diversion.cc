#include "services/edge/diversion.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace sb::edge {

int DiversionCause(rpb::DiversionReason reason) {
  switch (reason) {
    case rpb::USER_BUSY:
      return 486;
    case rpb::NO_ANSWER:
      return 408;
    case rpb::UNAVAILABLE:
    case rpb::DO_NOT_DISTURB:
      return 480;
    default:
      return 302;
  }
}

std::string DiversionToken(rpb::DiversionReason reason) {
  // The four tokens the voicemail service reads (RFC 5806 has more, e.g.
  // do-not-disturb, time-of-day; X-Sb-Diversion-Reason carries the exact one).
  switch (reason) {
    case rpb::USER_BUSY:
      return "user-busy";
    case rpb::NO_ANSWER:
      return "no-answer";
    case rpb::UNAVAILABLE:
    case rpb::DO_NOT_DISTURB:
      return "unavailable";
    default:
      return "unconditional";
  }
}

std::string ExactDiversionToken(rpb::DiversionReason reason) {
  switch (reason) {
    case rpb::DO_NOT_DISTURB:
      return "do-not-disturb";
    case rpb::TIME_OF_DAY:
      return "time-of-day";
    case rpb::DEFLECTION:
      return "deflection";
    case rpb::FOLLOW_ME:
      return "follow-me";
    default:
      return DiversionToken(reason);
  }
}

std::string EscapeParam(const std::string& value) {
  std::string out;
  for (unsigned char c : value) {
    // RFC 3261 paramchar: unreserved / param-unreserved ("[]/:&+$") / escaped.
    // '+', ':', '@' are escaped anyway: voicemail systems split on them.
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '!' || c == '~' || c == '*' ||
        c == '\'' || c == '(' || c == ')') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, absl::StrFormat("%%%02X", c));
    }
  }
  return out;
}

std::string VoicemailRequestUri(const std::string& voicemail_uri, const std::string& diverting_uri,
                                rpb::DiversionReason reason) {
  return absl::StrCat(voicemail_uri, ";target=", EscapeParam(diverting_uri), ";cause=", DiversionCause(reason));
}

std::string DiversionHeaders(const DiversionInput& in) {
  std::vector<std::string> history = in.previous_history;
  // The diverting user's entry continues the chain the caller's side began;
  // without one, it is the first entry.
  std::string index = "1";
  if (!history.empty()) index = absl::StrCat(history.size() + 1);
  const std::string child = absl::StrCat(index, ".1");
  if (history.empty()) history.push_back(absl::StrCat("<", in.diverting_uri, ">;index=", index));
  std::string target = in.target_uri;
  if (target.find(";cause=") == std::string::npos) {
    absl::StrAppend(&target, ";cause=", DiversionCause(in.reason));
  }
  history.push_back(absl::StrCat("<", target, ">;index=", child, ";mp=", index));
  return absl::StrCat("History-Info: ", absl::StrJoin(history, ", "), "\r\n", "Diversion: <", in.diverting_uri,
                      ">;reason=", DiversionToken(in.reason), ";counter=", in.previous_diversions + 1, "\r\n");
}

}  // namespace sb::edge
