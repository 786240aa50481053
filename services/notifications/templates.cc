#include "services/notifications/templates.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace sb::notifications {
namespace {

std::string When(absl::Time t, absl::TimeZone tz, bool fr) {
  return fr ? absl::FormatTime("%d/%m/%Y à %H:%M", t, tz) : absl::FormatTime("%Y-%m-%d at %H:%M", t, tz);
}

absl::Time FromProto(const google::protobuf::Timestamp& ts, absl::Time fallback) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return fallback;
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

std::string Greeting(const std::string& name, bool fr) {
  if (name.empty()) return fr ? "Bonjour,\n\n" : "Hello,\n\n";
  return fr ? absl::StrCat("Bonjour ", name, ",\n\n") : absl::StrCat("Hello ", name, ",\n\n");
}

std::string Footer(bool fr) {
  return fr ? "\n-- \nSwitchboard — message automatique, merci de ne pas y répondre.\n"
            : "\n-- \nSwitchboard — automatic message, please do not reply.\n";
}

std::string NotYou(bool fr) {
  return fr ? "Si vous n'êtes pas à l'origine de ce changement, contactez immédiatement votre "
              "administrateur.\n"
            : "If you did not make this change, contact your administrator at once.\n";
}

std::string Caller(const std::string& from, const std::string& name, bool fr) {
  if (from.empty() && name.empty()) return fr ? "un correspondant masqué" : "a withheld number";
  if (name.empty()) return from;
  if (from.empty()) return name;
  return absl::StrCat(name, " (", from, ")");
}

std::string LinkLabel(const std::string& key, bool fr) {
  if (key == "DELETE") return fr ? "Supprimer ce message" : "Delete this message";
  if (key == "MARK_READ") return fr ? "Marquer comme lu" : "Mark as read";
  if (key == "MARK_ALL_READ") return fr ? "Marquer tous les messages comme lus" : "Mark all messages as read";
  return fr ? "Ouvrir la messagerie" : "Open the mailbox";
}

std::string Duration(int ms) {
  int s = (ms + 500) / 1000;
  return absl::StrCat(s / 60, ":", s % 60 < 10 ? "0" : "", s % 60);
}

}  // namespace

bool IsFrench(const std::string& language) { return absl::StartsWithIgnoreCase(language, "fr"); }

Rendered RenderSecurityNotice(const std::string& type, const epb::SecurityNotice& n,
                              const std::string& portal_url, absl::Time at, absl::TimeZone tz) {
  const bool fr = IsFrench(n.language());
  Rendered r;
  std::string body = Greeting(n.display_name(), fr);
  const std::string when = When(at, tz, fr);
  const std::string from = n.client_address().empty()
                               ? ""
                               : (fr ? absl::StrCat(" depuis l'adresse ", n.client_address())
                                     : absl::StrCat(" from address ", n.client_address()));
  const std::string expires = When(FromProto(n.expires_at(), at), tz, fr);
  if (type == "security.password_changed") {
    r.subject = fr ? "Votre mot de passe a été modifié" : "Your password was changed";
    absl::StrAppend(
        &body,
        fr ? "Le mot de passe de votre compte a été modifié le " : "Your account's password was changed on ",
        when, from, ".\n\n", NotYou(fr));
  } else if (type == "security.voicemail_pin_changed" || type == "security.call_pin_changed") {
    const bool vm = type == "security.voicemail_pin_changed";
    r.subject = fr ? (vm ? "Votre code de messagerie vocale a été modifié"
                         : "Votre code des services d'appel a été modifié")
                   : (vm ? "Your voicemail PIN was changed" : "Your call services PIN was changed");
    absl::StrAppend(
        &body,
        fr ? (vm ? "Le code personnel de votre messagerie vocale a été modifié le "
                 : "Le code personnel de vos services d'appel a été modifié le ")
           : (vm ? "Your voicemail PIN was changed on " : "Your call services PIN was changed on "),
        when, from, ".\n\n", NotYou(fr));
  } else if (type == "security.security_email_changed") {
    r.subject =
        fr ? "Votre adresse e-mail de sécurité a été modifiée" : "Your security e-mail address was changed";
    std::string to = n.to_size() > 1 ? n.to(1) : (n.to_size() == 1 ? n.to(0) : "");
    absl::StrAppend(&body,
                    fr ? "L'adresse e-mail de sécurité de votre compte a été modifiée le "
                       : "The security e-mail address of your account was changed on ",
                    when, from, fr ? ". Nouvelle adresse : " : ". New address: ", to, "\n\n", NotYou(fr));
  } else if (type == "security.password_reset_requested") {
    r.subject = fr ? "Réinitialisation de votre mot de passe" : "Reset your password";
    absl::StrAppend(
        &body,
        fr ? "Une réinitialisation du mot de passe de votre compte a été demandée le "
           : "A password reset was requested for your account on ",
        when, from, ".\n\n",
        fr ? "Pour choisir un nouveau mot de passe, ouvrez ce lien (valable jusqu'au "
           : "To choose a new password, open this link (valid until ",
        expires, ") :\n\n  ", portal_url, "/reset-password?token=", n.reset_token(), "\n\n",
        fr ? "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe reste inchangé.\n"
           : "If you did not ask for it, ignore this message: your password stays as it is.\n");
  } else if (type == "security.security_email_confirmation") {
    r.subject = fr ? "Confirmez votre adresse e-mail de sécurité" : "Confirm your security e-mail address";
    absl::StrAppend(
        &body,
        fr ? "Pour confirmer que cette adresse est bien la vôtre, ouvrez ce lien (valable jusqu'au "
           : "To confirm this address is yours, open this link (valid until ",
        expires, ") :\n\n  ", portal_url, "/confirm-security-email?token=", n.reset_token(), "\n");
  } else if (type == "security.signin_locked") {
    r.subject = fr ? "Connexions bloquées sur votre compte" : "Sign-ins to your account were blocked";
    absl::StrAppend(&body,
                    fr ? "Trop de tentatives de connexion ont échoué sur votre compte le "
                       : "Too many sign-in attempts failed on your account on ",
                    when, from, ".\n\n", NotYou(fr));
  } else {
    r.subject = fr ? "Avis de sécurité" : "Security notice";
    absl::StrAppend(&body,
                    fr ? "Un changement de sécurité a eu lieu sur votre compte le "
                       : "A security change happened on your account on ",
                    when, from, " (", type, ").\n\n", NotYou(fr));
  }
  r.text = absl::StrCat(body, Footer(fr));
  return r;
}

Rendered RenderNewMessage(const epb::MessageDeposited& m, const std::string& language, bool attached,
                          bool sms, const std::vector<Link>& links, absl::TimeZone tz) {
  const bool fr = IsFrench(language);
  const bool fax = m.type() == "FAX";
  const absl::Time at = FromProto(m.received_at(), absl::Now());
  const std::string who = Caller(m.from(), m.from_name(), fr);
  Rendered r;
  if (fax) {
    r.subject = fr ? absl::StrCat("Nouvelle télécopie de ", who) : absl::StrCat("New fax from ", who);
  } else {
    r.subject = absl::StrCat(m.urgent() ? (fr ? "URGENT : " : "URGENT: ") : "",
                             fr ? "Nouveau message vocal de " : "New voice message from ", who);
  }
  if (sms) {
    // One short line: e-mail-to-SMS gateways keep about 160 characters.
    r.text = fax ? absl::StrCat(fr ? "Fax de " : "Fax from ", who, ", ", m.pages(), fr ? " p., " : " p., ",
                                When(at, tz, fr))
                 : absl::StrCat(m.urgent() ? "URGENT " : "", fr ? "Message de " : "Voicemail from ", who,
                                ", ", Duration(m.duration_ms()), ", ", When(at, tz, fr));
    return r;
  }
  std::string body = fr ? "Bonjour,\n\n" : "Hello,\n\n";
  if (fax) {
    absl::StrAppend(&body, fr ? "Vous avez reçu une télécopie de " : "You received a fax from ", who,
                    fr ? " le " : " on ", When(at, tz, fr), " (", m.pages(),
                    fr ? " page(s))." : " page(s)).");
  } else {
    absl::StrAppend(&body, fr ? "Vous avez reçu un message vocal" : "You received a voice message",
                    m.urgent() ? (fr ? " URGENT" : " marked URGENT") : "", fr ? " de " : " from ", who,
                    fr ? " le " : " on ", When(at, tz, fr), fr ? " (durée " : " (length ",
                    Duration(m.duration_ms()), ").");
  }
  if (attached) {
    absl::StrAppend(
        &body,
        fax ? (fr ? "\nLe document est joint en PDF." : "\nThe document is attached as a PDF.")
            : (fr ? "\nLe message est joint en fichier WAV." : "\nThe message is attached as a WAV file."));
  }
  absl::StrAppend(&body, "\n");
  if (!links.empty()) {
    absl::StrAppend(&body, "\n");
    for (const auto& l : links) absl::StrAppend(&body, LinkLabel(l.label_key, fr), " :\n  ", l.url, "\n");
  }
  r.text = absl::StrCat(body, Footer(fr));
  return r;
}

Rendered RenderMissedCall(const epb::CallLogged& c, const std::string& language, absl::TimeZone tz) {
  const bool fr = IsFrench(language);
  const absl::Time at = FromProto(c.started_at(), absl::Now());
  const std::string who = Caller(c.other_party(), c.other_party_name(), fr);
  Rendered r;
  r.subject = fr ? absl::StrCat("Appel manqué de ", who) : absl::StrCat("Missed call from ", who);
  r.text =
      absl::StrCat(fr ? "Bonjour,\n\nVous avez manqué un appel de " : "Hello,\n\nYou missed a call from ",
                   who, fr ? " le " : " on ", When(at, tz, fr), ".\n", Footer(fr));
  return r;
}

std::string AttachmentName(const epb::MessageDeposited& m, absl::TimeZone tz) {
  const absl::Time at = FromProto(m.received_at(), absl::UnixEpoch());
  std::string from;
  for (char ch : m.from()) {
    if ((ch >= '0' && ch <= '9') || ch == '+') from.push_back(ch);
  }
  return absl::StrCat(m.type() == "FAX" ? "fax-" : "voicemail-", absl::FormatTime("%Y%m%d-%H%M%S", at, tz),
                      from.empty() ? "" : "-", from, m.type() == "FAX" ? ".pdf" : ".wav");
}

}  // namespace sb::notifications
