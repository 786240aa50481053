#pragma once
// What the notifications tests run on: the platform (tests/support Stack:
// profiles, routing, gateway with NOTIFICATIONS_ADDR), an SMTP sink
// (smtp_sink.py, aiosmtpd) that stores every message, and the real
// notifications binary with short retry delays. Mail is read back with
// Python's email parser (read_mail.py), not with the service's own code.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/json.h"
#include "tests/support/process.h"
#include "tests/support/stack.h"

namespace sb::testing {

struct Mail {
  std::string file, envelope_to, to, from, subject, message_id, event, delivery, text;
  struct Attachment {
    std::string filename, content_type, md5, path;
    int size = 0;
  };
  std::vector<Attachment> attachments;
};

class NotifyEnv {
 public:
  // With stack.voicemail, notifications is pointed at the stack's voicemail.
  explicit NotifyEnv(std::vector<std::string> extra_notifications_flags = {}, StackOptions stack = {});
  ~NotifyEnv();

  Stack& stack() { return *stack_; }
  const std::string& mail_dir() const { return mail_dir_; }
  const std::string& work_dir() const { return dir_; }  // removed with the env
  int smtp_port() const { return smtp_port_; }
  std::string notifications_addr() const;
  Process& notifications() { return notifications_; }
  static constexpr const char* kLinkSecret = "test-link-secret-0123456789";

  void StartSmtp();
  void StopSmtp();
  void StartNotifications();
  void RestartNotifications(bool crash);
  // Restarts it with these flags instead of the constructor's (empty: back
  // to the constructor's).
  void RestartNotificationsWith(std::vector<std::string> flags);
  // Creates or removes DIR/reject-4xx or reject-5xx.
  void SetSmtpRejecting(const std::string& mode, bool on);

  // Every stored message, parsed.
  std::vector<Mail> Mails();
  // Waits (up to `timeout`) until a mail for `envelope_to` whose subject
  // contains `subject_part` arrives.
  std::optional<Mail> WaitMail(const std::string& envelope_to, const std::string& subject_part,
                               absl::Duration timeout = absl::Seconds(30));
  std::vector<Mail> MailsFor(const std::string& envelope_to);

  HttpClient SignedIn(const std::string& login, const std::string& password);
  // A SELECT on the notifications schema; the first column of the first row.
  std::string QueryOne(const std::string& sql);

 private:
  std::vector<std::string> flags_, initial_flags_;
  bool voicemail_ = false;
  std::unique_ptr<Stack> stack_;
  std::string dir_, mail_dir_;
  int smtp_port_ = 0, notifications_port_ = 0;
  Process smtp_;
  Process notifications_;
};

// Waits for `pred` (polling every 50 ms) up to `timeout`.
bool WaitFor(const std::function<bool()>& pred, absl::Duration timeout = absl::Seconds(30));

}  // namespace sb::testing
