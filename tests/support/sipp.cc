#include "tests/support/sipp.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/support/backends.h"
#include "tests/support/process.h"

namespace sb::testing {
namespace {

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Whether something listens on UDP `port` (SIPp binds a moment after it starts).
bool UdpBound(int port) {
  std::ifstream in("/proc/net/udp");
  std::string line;
  char want[8];
  std::snprintf(want, sizeof want, ":%04X ", port);
  while (std::getline(in, line)) {
    const size_t at = line.find(want);
    if (at != std::string::npos && at < 20) return true;  // the local address's column
  }
  return false;
}

// Kills a run that was not collected.
void KillUncollected(int pid, int& exit_code) {
  if (pid <= 0 || exit_code != -2) return;
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  exit_code = -1;
}

}  // namespace

Sipp Sipp::Start(const Options& o) {
  static int run = 0;
  Sipp s;
  s.base = absl::StrCat(o.dir, "/sipp-", getpid(), "-", ++run);
  WriteText(s.base + ".xml", o.scenario);
  s.port = o.port > 0 ? o.port : FreePort();
  std::vector<std::string> argv = {"sipp",
                                   "-sf",
                                   s.base + ".xml",
                                   "-i",
                                   o.local_ip,
                                   "-p",
                                   absl::StrCat(s.port),
                                   "-timeout",
                                   absl::StrCat(absl::ToInt64Seconds(o.timeout), "s"),
                                   "-timeout_error",
                                   "-trace_err",
                                   "-error_file",
                                   s.base + ".errors",
                                   "-trace_msg",
                                   "-message_file",
                                   s.base + ".messages",
                                   "-nostdin"};
  if (!o.csv.empty()) {
    WriteText(s.base + ".csv", "SEQUENTIAL\n" + o.csv + "\n");
    argv.insert(argv.end(), {"-inf", s.base + ".csv"});
  }
  argv.insert(argv.end(), o.args.begin(), o.args.end());
  s.pid = SpawnProcess(argv, {}, s.base + ".out");
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (o.await_listening && !UdpBound(s.port) && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(5));
  return s;
}

Sipp::Sipp(Sipp&& other) noexcept { *this = std::move(other); }

Sipp& Sipp::operator=(Sipp&& other) noexcept {
  if (this == &other) return *this;
  KillUncollected(pid, exit_code);
  port = other.port;
  pid = std::exchange(other.pid, 0);  // the moved-from one no longer owns the process
  base = std::move(other.base);
  exit_code = other.exit_code;
  return *this;
}

Sipp::~Sipp() { KillUncollected(pid, exit_code); }

int Sipp::Wait(absl::Duration timeout) {
  if (exit_code != -2 || pid <= 0) return exit_code;
  int status = 0;
  const absl::Time deadline = absl::Now() + timeout;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      exit_code = -1;
      return exit_code;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return exit_code;
}

std::string Sipp::Messages() const { return ReadFile(base + ".messages"); }
std::string Sipp::Errors() const { return ReadFile(base + ".errors") + ReadFile(base + ".out"); }

namespace sipp {

std::string Send(const Reply& r) {
  // SIPp drops each line's indentation and the blank line that opens the
  // CDATA; the blank line after the headers ends them.
  std::string out = absl::StrCat(
      r.retransmit ? "  <send retrans=\"500\">\n" : "  <send>\n", "    <![CDATA[\n\n      SIP/2.0 ", r.status,
      "\n      [last_Via:]\n      [last_From:]\n      [last_To:]",
      r.to_tag ? ";tag=[pid]SIPpTag01[call_number]" : "", "\n      [last_Call-ID:]\n",
      r.cseq.empty() ? "      [last_CSeq:]\n" : absl::StrCat("      CSeq: ", r.cseq, "\n"));
  if (r.record_route) absl::StrAppend(&out, "      [last_Record-Route:]\n");
  if (!r.contact.empty()) absl::StrAppend(&out, "      Contact: <", r.contact, ">\n");
  if (r.sdp.empty()) {
    absl::StrAppend(&out, "      Content-Length: 0\n\n");
  } else {
    absl::StrAppend(&out, "      Content-Type: application/sdp\n      Content-Length: [len]\n\n");
    for (absl::string_view line : absl::StrSplit(r.sdp, '\n', absl::SkipEmpty())) {
      absl::StrAppend(&out, "      ", line, "\n");
    }
    absl::StrAppend(&out, "\n");
  }
  absl::StrAppend(&out, "    ]]>\n  </send>\n");
  return out;
}

std::string AudioSdp(absl::string_view payloads, absl::string_view port) {
  std::string out = absl::StrCat(
      "v=0\no=user1 1 1 IN IP[local_ip_type] [local_ip]\ns=-\nc=IN IP[media_ip_type] [media_ip]\nt=0 0\n"
      "m=audio ",
      port, " RTP/AVP ", payloads, "\n");
  for (absl::string_view pt : absl::StrSplit(payloads, ' ', absl::SkipEmpty())) {
    if (pt == "0") absl::StrAppend(&out, "a=rtpmap:0 PCMU/8000\n");
    if (pt == "8") absl::StrAppend(&out, "a=rtpmap:8 PCMA/8000\n");
    if (pt == "101") absl::StrAppend(&out, "a=rtpmap:101 telephone-event/8000\n");
  }
  return out;
}

std::string Pause(int ms) { return absl::StrCat("  <pause milliseconds=\"", ms, "\"/>\n"); }

std::string AnswerBye(int timeout_ms) {
  return absl::StrCat(timeout_ms > 0
                          ? absl::StrCat("  <recv request=\"BYE\" timeout=\"", timeout_ms, "\"/>\n")
                          : std::string("  <recv request=\"BYE\"/>\n"),
                      Send({.to_tag = false}));
}

std::string AnswerCall(const Reply& reply, int bye_timeout_ms) {
  return absl::StrCat(Send(reply), "  <recv request=\"ACK\"/>\n", AnswerBye(bye_timeout_ms));
}

std::string Refuse(const Reply& reply) { return absl::StrCat(Send(reply), "  <recv request=\"ACK\"/>\n"); }

std::string UntilCancelled() {
  return absl::StrCat("  <recv request=\"CANCEL\"/>\n", Send({}),
                      Send({.status = "487 Request Terminated", .cseq = "[$invite_cseq_num] INVITE"}),
                      "  <recv request=\"ACK\"/>\n");
}

}  // namespace sipp
}  // namespace sb::testing
