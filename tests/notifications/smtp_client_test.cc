// SmtpClient against the aiosmtpd sink on loopback: what each SMTP outcome
// means for a delivery (accepted / retry later / give up), STARTTLS and AUTH.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "services/notifications/smtp.h"
#include "tests/support/backends.h"
#include "tests/support/process.h"

using sb::notifications::SmtpClient;
using sb::notifications::SmtpConfig;
using sb::notifications::StartTls;
using sb::testing::Process;

namespace {

struct Sink {
  explicit Sink(std::vector<std::string> extra = {}) {
    char tmpl[] = "/tmp/sb-smtp-XXXXXX";
    dir = mkdtemp(tmpl);
    port = sb::testing::FreePort();
    std::vector<std::string> argv = {"/usr/bin/python3",
                                     sb::testing::SourceDir() + "/tests/notifications/smtp_sink.py",
                                     "--port",
                                     std::to_string(port),
                                     "--dir",
                                     dir + "/mail"};
    for (auto& e : extra) argv.push_back(e == "$DIR" ? dir : e);
    proc = Process(argv, {}, dir + "/sink.log");
    REQUIRE(sb::testing::WaitForTcp("127.0.0.1", port, absl::Seconds(20)));
  }
  ~Sink() {
    proc.Stop();
    std::system(absl::StrCat("rm -rf '", dir, "'").c_str());
  }
  std::string Stored(int n) const {
    std::ifstream in(absl::StrCat(dir, "/mail/", n, ".eml"));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string dir;
  int port = 0;
  Process proc;
};

const std::string kMessage = "From: a@b.test\r\nTo: x@y.test\r\nSubject: hi\r\n\r\nbody\r\n";

SmtpConfig Config(const std::string& url, StartTls tls = StartTls::kOff) {
  SmtpConfig c;
  c.url = url;
  c.from = "Switchboard <noreply@sb.test>";
  c.starttls = tls;
  c.verify_tls = false;  // the sink's certificate is self-signed
  c.timeout = absl::Seconds(10);
  return c;
}

// A self-signed certificate for 127.0.0.1, made with the openssl tool.
void MakeCert(const std::string& dir) {
  std::string cmd =
      absl::StrCat("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout '", dir,
                   "/key.pem' -out '", dir, "/cert.pem' >/dev/null 2>&1");
  REQUIRE(std::system(cmd.c_str()) == 0);
}

}  // namespace

TEST_CASE("accepted, transient and permanent answers") {
  Sink sink;
  SmtpClient client(Config(absl::StrCat("smtp://127.0.0.1:", sink.port)));
  REQUIRE(client.Send({"x@y.test"}, kMessage).ok());
  CHECK(sink.Stored(1).find("Subject: hi") != std::string::npos);
  // The connection is reused for the next message.
  REQUIRE(client.Send({"Someone <z@y.test>"}, kMessage).ok());
  CHECK(sink.Stored(2).find("X-Envelope-To: z@y.test") != std::string::npos);

  std::ofstream(sink.dir + "/mail/reject-4xx") << "on";
  absl::Status busy = client.Send({"x@y.test"}, kMessage);
  CHECK(busy.code() == absl::StatusCode::kUnavailable);
  CHECK(busy.message().find("451") != std::string::npos);
  unlink((sink.dir + "/mail/reject-4xx").c_str());

  std::ofstream(sink.dir + "/mail/reject-5xx") << "on";
  absl::Status refused = client.Send({"x@y.test"}, kMessage);
  CHECK(refused.code() == absl::StatusCode::kFailedPrecondition);
  unlink((sink.dir + "/mail/reject-5xx").c_str());
  CHECK(client.Send({"x@y.test"}, kMessage).ok());
}

TEST_CASE("a server that is down is a transient failure") {
  SmtpClient client(Config(absl::StrCat("smtp://127.0.0.1:", sb::testing::FreePort())));
  CHECK(client.Send({"x@y.test"}, kMessage).code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("STARTTLS and AUTH, with the password kept out of messages") {
  char tmpl[] = "/tmp/sb-cert-XXXXXX";
  const std::string certs = mkdtemp(tmpl);
  MakeCert(certs);
  Sink sink(
      {"--tls-cert", certs + "/cert.pem", "--tls-key", certs + "/key.pem", "--auth", "mailer:s3cret-pass"});
  const std::string base = absl::StrCat("127.0.0.1:", sink.port);

  SmtpClient good(Config("smtp://mailer:s3cret-pass@" + base, StartTls::kRequired));
  absl::Status st = good.Send({"x@y.test"}, kMessage);
  INFO(st.message());
  REQUIRE(st.ok());
  CHECK(sink.Stored(1).find("Subject: hi") != std::string::npos);

  SmtpClient wrong(Config("smtp://mailer:wrong-pass@" + base, StartTls::kRequired));
  absl::Status denied = wrong.Send({"x@y.test"}, kMessage);
  CHECK_FALSE(denied.ok());
  CHECK(denied.message().find("wrong-pass") == std::string::npos);

  // Without STARTTLS the server refuses to go on.
  SmtpClient plain(Config("smtp://mailer:s3cret-pass@" + base, StartTls::kOff));
  CHECK_FALSE(plain.Send({"x@y.test"}, kMessage).ok());
  std::system(absl::StrCat("rm -rf '", certs, "'").c_str());
  CHECK(sb::notifications::RedactedUrl("smtps://u:p@h:465") == "smtps://u:***@h:465");
}
