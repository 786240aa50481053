#pragma once
// SIPp in tests: a SIPp process started from a scenario's text (Sipp), and
// the pieces a test phone's scenario is made of (sipp::): responses to the
// request SIPp received last, written with SIPp's own [last_*] keywords.
//
// The phone scenarios that take an INVITE (tests/sip/scenarios/proxy/uas.xml,
// tests/voicemail/scenarios/callee.xml) keep its CSeq number in
// $invite_cseq_num, which UntilCancelled's 487 needs.
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sb::testing {

// A SIPp run. Wait() collects it; one not collected is killed with its owner.
class Sipp {
 public:
  struct Options {
    std::string scenario;           // the scenario's XML text
    std::string dir;                // where its files go: <dir>/sipp-<pid>-<n>.{xml,messages,errors,out}
    std::vector<std::string> args;  // more arguments: -m, the remote address, ...
    std::string csv;                // -inf lines (read in sequence), "" for none
    int port = 0;                   // its SIP port, 0 for a free one
    std::string local_ip = "127.0.0.1";
    absl::Duration timeout = absl::Seconds(40);  // the whole run's, an error when reached
    // Return only once it listens on its UDP port (at most 5 s): a phone
    // about to be called. A caller's run need not wait.
    bool await_listening = true;
  };
  static Sipp Start(const Options& options);

  Sipp() = default;
  Sipp(Sipp&& other) noexcept;
  Sipp& operator=(Sipp&& other) noexcept;
  ~Sipp();

  int Wait(absl::Duration timeout = absl::Seconds(60));  // exit code (-1: killed)
  std::string Messages() const;                          // what it sent and received (-trace_msg)
  std::string Errors() const;                            // its errors and output

  int port = 0;
  int pid = 0;
  std::string base;  // its files' path without the extension
  int exit_code = -2;
};

namespace sipp {

// A Contact URI for a test phone: SIPp's own address.
inline constexpr char kPhoneContact[] = "sip:[local_ip]:[local_port];transport=[transport]";

struct Reply {
  std::string status = "200 OK";  // the status code and its reason phrase
  bool to_tag = true;             // add the phone's To tag (false within a dialog: the To has it)
  bool record_route = false;      // copy the Record-Route (a dialog through the edge)
  std::string contact;            // the Contact URI, "" for none
  std::string cseq;               // the CSeq's value, "" to copy the request's
  std::string sdp;                // the body (AudioSdp), "" for none
  bool retransmit = false;        // every 500 ms until the next message (a 200 to an INVITE)
};

// A <send> of the response `reply` describes.
std::string Send(const Reply& reply);

// A one-stream audio SDP at `port` (SIPp's media port by default) with the
// payload types `payloads` among 0 (PCMU), 8 (PCMA) and 101
// (telephone-event), e.g. "8 101".
std::string AudioSdp(absl::string_view payloads = "0", absl::string_view port = "[media_port]");

std::string Pause(int ms);

// Answers with `reply` (a 200 with an SDP), takes the ACK, then stays in
// the call until the other side hangs up (AnswerBye).
std::string AnswerCall(const Reply& reply, int bye_timeout_ms = 0);

// A final failure (`reply`'s status, e.g. "486 Busy Here"), and its ACK.
std::string Refuse(const Reply& reply);

// Takes the BYE that ends the call (waiting up to `timeout_ms`, 0 for the
// run's timeout) and answers it 200.
std::string AnswerBye(int timeout_ms = 0);

// Rings on until the caller cancels: 200 to the CANCEL, 487 to the INVITE,
// then its ACK.
std::string UntilCancelled();

}  // namespace sipp
}  // namespace sb::testing
