#include "tests/notifications/notify_env.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/support/demo.h"

namespace sb::testing {
namespace {

[[noreturn]] void Fail(const std::string& what, const Process& p) {
  std::fprintf(stderr, "%s\n--- log %s ---\n%s\n", what.c_str(), p.log_path().c_str(), p.LogTail().c_str());
  std::abort();
}

std::string RunCapture(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

}  // namespace

bool WaitFor(const std::function<bool()>& pred, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (pred()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return pred();
}

NotifyEnv::NotifyEnv(std::vector<std::string> flags, StackOptions stack)
    : flags_(flags), initial_flags_(std::move(flags)) {
  char tmpl[] = "/tmp/sb-notify-XXXXXX";
  dir_ = mkdtemp(tmpl);
  mail_dir_ = dir_ + "/mail";
  mkdir(mail_dir_.c_str(), 0755);
  smtp_port_ = FreePort();
  notifications_port_ = FreePort();
  stack.gateway_flags.push_back(absl::StrCat("--notifications_addr=", notifications_addr()));
  voicemail_ = stack.voicemail;
  stack_ = std::make_unique<Stack>(std::move(stack));
  StartSmtp();
  StartNotifications();
  // The gateway started first and found no notifications service: its
  // channel is in gRPC's reconnect backoff, where calls fail at once. Tests
  // start once it has reconnected.
  HttpClient http(stack_->http_base());
  const bool reachable = WaitFor(
      [&] { return Json::Parse(http.Get("/v1/health").body)["services.notifications"].str() == "SERVING"; },
      absl::Seconds(150));
  if (!reachable) Fail("the gateway never reached notifications", notifications_);
}

NotifyEnv::~NotifyEnv() {
  notifications_.Stop();
  smtp_.Stop();
  stack_.reset();
  std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
}

std::string NotifyEnv::notifications_addr() const { return absl::StrCat("127.0.0.1:", notifications_port_); }

void NotifyEnv::StartSmtp() {
  smtp_ = Process({"/usr/bin/python3", SourceDir() + "/tests/notifications/smtp_sink.py", "--port",
                   absl::StrCat(smtp_port_), "--dir", mail_dir_},
                  {}, dir_ + "/smtp.log");
  if (!WaitForTcp("127.0.0.1", smtp_port_, absl::Seconds(20))) Fail("the SMTP sink did not start", smtp_);
}

void NotifyEnv::StopSmtp() { smtp_.Stop(); }

void NotifyEnv::StartNotifications() {
  std::vector<std::string> argv = {BuildDir() + "/services/notifications/notifications"};
  for (const auto& f : flags_) argv.push_back(f);
  notifications_ =
      Process(argv,
              {"SB_PG_URL=" + stack_->pg_url(), "SB_REDIS_URL=" + stack_->redis().url(),
               "SB_NOTIFICATIONS_LISTEN=" + notifications_addr(), "PROFILES_ADDR=" + stack_->profiles_addr(),
               "VOICEMAIL_ADDR=" + (voicemail_ ? stack_->voicemail_addr() : std::string("127.0.0.1:1")),
               absl::StrCat("SB_SMTP_URL=smtp://127.0.0.1:", smtp_port_), "SB_SMTP_STARTTLS=off",
               "SB_SMTP_FROM=Switchboard <noreply@switchboard.test>",
               // The webhook receivers of the tests listen on loopback.
               "SB_WEBHOOK_ALLOW_PRIVATE=true", std::string("SB_LINK_SECRET=") + kLinkSecret,
               "SB_PUBLIC_URL=" + stack_->http_base(), "SB_RETRY_BASE=300ms", "SB_RETRY_MAX=1s",
               "SB_EVENT_RETRY_BACKOFF=500ms", "SB_EVENT_MAX_DELIVERIES=3", "SB_SMTP_TIMEOUT=10s",
               "SB_LOG_LEVEL=info"},
              dir_ + "/notifications.log");
  if (!WaitForTcp("127.0.0.1", notifications_port_, absl::Seconds(30))) {
    Fail("notifications did not start", notifications_);
  }
}

void NotifyEnv::RestartNotifications(bool crash) {
  if (crash)
    notifications_.Kill();
  else
    notifications_.Stop();
  StartNotifications();
}

void NotifyEnv::RestartNotificationsWith(std::vector<std::string> flags) {
  flags_ = flags.empty() ? initial_flags_ : std::move(flags);
  notifications_.Stop();
  StartNotifications();
}

void NotifyEnv::SetSmtpRejecting(const std::string& mode, bool on) {
  const std::string path = absl::StrCat(mail_dir_, "/reject-", mode);
  if (on)
    std::ofstream(path) << "on\n";
  else
    unlink(path.c_str());
}

std::vector<Mail> NotifyEnv::Mails() {
  std::vector<std::string> files;
  if (DIR* d = opendir(mail_dir_.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (absl::EndsWith(name, ".eml")) files.push_back(mail_dir_ + "/" + name);
    }
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  std::vector<Mail> out;
  if (files.empty()) return out;
  std::string json = RunCapture("/usr/bin/python3 " + SourceDir() + "/tests/notifications/read_mail.py " +
                                absl::StrJoin(files, " "));
  for (absl::string_view line : absl::StrSplit(json, '\n', absl::SkipEmpty())) {
    Json j = Json::Parse(std::string(line));
    if (!j.valid()) continue;
    Mail m;
    m.file = j["file"].str();
    m.envelope_to = j["envelope_to"].str();
    m.to = j["to"].str();
    m.from = j["from"].str();
    m.subject = j["subject"].str();
    m.message_id = j["message_id"].str();
    m.event = j["event"].str();
    m.delivery = j["delivery"].str();
    m.text = j["text"].str();
    for (int i = 0; i < j["attachments"].size(); ++i) {
      Json a = j["attachments." + std::to_string(i)];
      m.attachments.push_back({a["filename"].str(), a["content_type"].str(), a["md5"].str(), a["path"].str(),
                               static_cast<int>(a["size"].num())});
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<Mail> NotifyEnv::MailsFor(const std::string& envelope_to) {
  std::vector<Mail> out;
  for (auto& m : Mails()) {
    if (m.envelope_to == envelope_to) out.push_back(std::move(m));
  }
  return out;
}

std::optional<Mail> NotifyEnv::WaitMail(const std::string& envelope_to, const std::string& subject_part,
                                        absl::Duration timeout) {
  std::optional<Mail> found;
  WaitFor(
      [&] {
        for (auto& m : MailsFor(envelope_to)) {
          if (absl::StrContains(m.subject, subject_part)) {
            found = std::move(m);
            return true;
          }
        }
        return false;
      },
      timeout);
  return found;
}

HttpClient NotifyEnv::SignedIn(const std::string& login, const std::string& password) {
  return demo::SignIn(stack_->http_base(), login, password);
}

std::string NotifyEnv::QueryOne(const std::string& sql) {
  pqxx::connection c(stack_->pg_url());
  pqxx::nontransaction t(c);
  auto r = t.exec(sql);
  if (r.empty() || r[0][0].is_null()) return "";
  return r[0][0].as<std::string>();
}

}  // namespace sb::testing
