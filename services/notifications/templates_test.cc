#include "services/notifications/templates.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "services/notifications/options.h"

namespace sb::notifications {
namespace {

TEST_CASE("security notices follow the user's language") {
  epb::SecurityNotice n;
  n.set_display_name("Alice Martin");
  n.set_language("fr");
  const absl::Time at = absl::FromUnixSeconds(1795330000);
  Rendered fr =
      RenderSecurityNotice("security.password_changed", n, "https://portal", at, absl::UTCTimeZone());
  CHECK(fr.subject == "Votre mot de passe a été modifié");
  CHECK(absl::StartsWith(fr.text, "Bonjour Alice Martin,"));
  n.set_language("en");
  Rendered en =
      RenderSecurityNotice("security.password_changed", n, "https://portal", at, absl::UTCTimeZone());
  CHECK(en.subject == "Your password was changed");
}

TEST_CASE("the reset e-mail carries the single-use link and its expiry") {
  epb::SecurityNotice n;
  n.set_language("en");
  n.set_reset_token("tok123");
  n.mutable_expires_at()->set_seconds(1795333600);
  Rendered r = RenderSecurityNotice("security.password_reset_requested", n, "https://portal",
                                    absl::FromUnixSeconds(1795330000), absl::UTCTimeZone());
  CHECK(absl::StrContains(r.text, "https://portal/reset-password?token=tok123"));
  CHECK(absl::StrContains(r.text, "valid until 2026-"));
}

TEST_CASE("an e-mail-to-SMS notice is one short line") {
  epb::MessageDeposited m;
  m.set_type("VOICE");
  m.set_from("0612345678");
  m.set_from_name("Hélène Dupré");
  m.set_duration_ms(83000);
  m.set_urgent(true);
  m.mutable_received_at()->set_seconds(1795330000);
  Rendered r = RenderNewMessage(m, "fr", false, /*sms=*/true, {}, absl::UTCTimeZone());
  CHECK(r.text.find('\n') == std::string::npos);
  CHECK(r.text.size() < 160);
  CHECK(absl::StrContains(r.text, "1:23"));
  CHECK(absl::StartsWith(r.subject, "URGENT"));
  CHECK(AttachmentName(m, absl::UTCTimeZone()) == "voicemail-20261122-064640-0612345678.wav");
}

TEST_CASE("a withheld caller is named as such") {
  epb::CallLogged c;
  Rendered r = RenderMissedCall(c, "en", absl::UTCTimeZone());
  CHECK(r.subject == "Missed call from a withheld number");
}

TEST_CASE("delivery options round-trip") {
  Options o = DecodeOptions(EncodeOptions({{"lang", "fr"}, {"tz", "Europe/Paris"}, {"attach", "1"}}));
  CHECK(Opt(o, "tz") == "Europe/Paris");
  CHECK(Opt(o, "attach") == "1");
  CHECK(Opt(o, "links", "0") == "0");
}

}  // namespace
}  // namespace sb::notifications
