#pragma once
// Sends prepared messages to one SMTP server with libcurl.
//
// SB_SMTP_URL is smtp://host:port (STARTTLS per `starttls`) or
// smtps://user:pass@host:port (TLS from the first byte); credentials in the
// URL are used for AUTH and never logged.
//
// Outcome of a send, as the delivery state machine needs it:
//   OK                   the server answered 250 to the end of DATA: accepted.
//   UNAVAILABLE          transient: no connection, timeout, 4xx: retry later.
//   FAILED_PRECONDITION  permanent: a 5xx reply (bad recipient, refused
//                        content): retrying will not help.
//
// Threading: an SmtpClient is used by one thread at a time (it keeps its
// connection open between messages); give each sending thread its own.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace sb::notifications {

enum class StartTls { kOff, kTry, kRequired };

struct SmtpConfig {
  std::string url = "smtp://127.0.0.1:25";
  std::string from = "Switchboard <noreply@switchboard.local>";  // header From; envelope from its address
  StartTls starttls = StartTls::kTry;
  bool verify_tls = true;
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration timeout = absl::Seconds(60);
};

// The bare address of "Name <a@b>" (or the input when it has no brackets).
std::string AddressOf(const std::string& mailbox);

// The URL with any password replaced by "***", for logs.
std::string RedactedUrl(const std::string& url);

class SmtpClient {
 public:
  explicit SmtpClient(SmtpConfig config);
  ~SmtpClient();
  SmtpClient(const SmtpClient&) = delete;
  SmtpClient& operator=(const SmtpClient&) = delete;

  // MAIL FROM the configured sender, RCPT TO each of `recipients`, DATA `message`.
  absl::Status Send(const std::vector<std::string>& recipients, const std::string& message);

  const SmtpConfig& config() const { return config_; }

 private:
  SmtpConfig config_;
  void* curl_ = nullptr;
};

}  // namespace sb::notifications
