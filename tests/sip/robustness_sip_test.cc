// Hostile and malformed input, the methods the edge does not serve, and the
// defences of digest authentication (stale nonces, replays, throttling).
#include <catch2/catch.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/edge/location.h"
#include "sip/digest.h"
#include "tests/sip/sip_env.h"

namespace sb::siptest {
namespace {

std::string Request(const std::vector<std::string>& lines) {
  return absl::StrJoin(lines, "\r\n") + "\r\n\r\n";
}

std::string StatusLine(const std::string& response) { return response.substr(0, response.find("\r\n")); }

// Header value from a response ("" when absent); the first one when repeated.
std::string HeaderValue(const std::string& response, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(response, "\r\n")) {
    if (absl::StartsWithIgnoreCase(line, name + ":")) {
      return std::string(absl::StripAsciiWhitespace(line.substr(name.size() + 1)));
    }
  }
  return "";
}

std::vector<std::string> Headers(const std::string& method, const std::string& uri,
                                 const std::string& call_id, int cseq = 1) {
  return {absl::StrCat(method, " ", uri, " SIP/2.0"),
          "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-" + call_id + ";rport",
          "From: <sip:4001@demo.switchboard.local>;tag=f1",
          "To: <sip:4001@demo.switchboard.local>",
          "Call-ID: " + call_id,
          absl::StrCat("CSeq: ", cseq, " ", method),
          "Max-Forwards: 70"};
}

std::string With(std::vector<std::string> lines, const std::vector<std::string>& extra) {
  lines.insert(lines.end(), extra.begin(), extra.end());
  lines.push_back("Content-Length: 0");
  return Request(lines);
}

std::string Without(std::vector<std::string> lines, const std::string& prefix) {
  lines.erase(std::remove_if(lines.begin(), lines.end(),
                             [&](const std::string& l) { return absl::StartsWith(l, prefix); }),
              lines.end());
  lines.push_back("Content-Length: 0");
  return Request(lines);
}

SippOptions Account(const SipAccount& a) {
  SippOptions o;
  o.accounts = {a};
  return o;
}

void ExpectOk(const SippRun& run) {
  INFO("sipp errors:\n" << run.errors << "\nmessages:\n" << run.messages);
  REQUIRE(run.exit_code == 0);
}

TEST_CASE("malformed requests get 400 with a reason, or are dropped; the edge keeps serving") {
  SipEnv& env = SipEnv::Get();
  Edge edge;
  const std::string domain = "sip:demo.switchboard.local";
  const auto reg = Headers("REGISTER", domain, "m1");

  CHECK(StatusLine(UdpExchange(edge.port(), Without(reg, "Call-ID:"))).rfind("SIP/2.0 400", 0) == 0);
  CHECK(StatusLine(UdpExchange(edge.port(), Without(reg, "CSeq:"))).rfind("SIP/2.0 400", 0) == 0);
  CHECK(StatusLine(UdpExchange(edge.port(), Without(reg, "From:"))).rfind("SIP/2.0 400", 0) == 0);
  // CSeq naming another method than the request line.
  auto mismatch = Headers("REGISTER", domain, "m2");
  mismatch[5] = "CSeq: 1 INVITE";
  CHECK(StatusLine(UdpExchange(edge.port(), With(mismatch, {}))).rfind("SIP/2.0 400", 0) == 0);
  // A To without user part is no address-of-record.
  auto no_user = Headers("REGISTER", domain, "m3");
  no_user[3] = "To: <sip:demo.switchboard.local>";
  const std::string bad_to = UdpExchange(edge.port(), With(no_user, {}));
  CHECK(StatusLine(bad_to).rfind("SIP/2.0 400 Invalid To", 0) == 0);
  // Contact * with another contact; a bad q; a non-SIP contact.
  int n = 0;
  for (const std::string& contact :
       {std::string("Contact: *\r\nContact: <sip:a@127.0.0.1>"),
        std::string("Contact: <sip:a@127.0.0.1>;q=7"), std::string("Contact: <mailto:a@example.com>")}) {
    INFO(contact);
    // Distinct Call-ID and branch: one transaction each.
    CHECK(StatusLine(UdpExchange(edge.port(),
                                 With(Headers("REGISTER", domain, absl::StrCat("m4-", ++n)), {contact})))
              .rfind("SIP/2.0 400 Contact", 0) == 0);
  }
  // Huge header: over the 64 KiB limit (UDP can't carry it whole, TCP is cut).
  std::string huge = With(Headers("REGISTER", domain, "m5"), {"X-Padding: " + std::string(60000, 'a')});
  UdpSend(edge.port(), huge);
  // Garbage of every kind: binary, a lone CRLF, a truncated request, a response nobody asked for.
  std::string binary(2000, '\0');
  for (size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>((i * 7919) & 0xff);
  UdpSend(edge.port(), binary);
  UdpSend(edge.port(), "\r\n");
  UdpSend(edge.port(), "REGISTER sip:demo.switchboard.local SIP/2.0\r\nVia: SIP/2.0/UDP");
  UdpSend(edge.port(), "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKx\r\n\r\n");
  UdpSend(edge.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  UdpSend(edge.port(), "REGISTER sip:x SIP/3.0\r\n\r\n");

  // Still alive and registering.
  REQUIRE(edge.Running());
  ExpectOk(RunSipp("register.xml", edge, Account(env.bruno())));
  edge::Location location(env.redis(), {});
  CHECK(location.Lookup(env.bruno().aor())->size() >= 1);
}

TEST_CASE("OPTIONS, Max-Forwards, unknown and unsupported methods") {
  Edge edge;
  const std::string uri = "sip:demo.switchboard.local";
  const std::string options = UdpExchange(edge.port(), With(Headers("OPTIONS", uri, "o1"), {}));
  CHECK(StatusLine(options) == "SIP/2.0 200 OK");
  CHECK(absl::StrContains(HeaderValue(options, "Allow"), "REGISTER"));
  CHECK(absl::StrContains(HeaderValue(options, "Allow"), "OPTIONS"));
  CHECK(HeaderValue(options, "Accept") == "application/sdp");
  // OPTIONS with Max-Forwards 0 is still answered (RFC 3261 §16.3).
  auto options_mf0 = Headers("OPTIONS", uri, "o2");
  options_mf0[6] = "Max-Forwards: 0";
  CHECK(StatusLine(UdpExchange(edge.port(), With(options_mf0, {}))) == "SIP/2.0 200 OK");

  auto invite_mf0 = Headers("INVITE", "sip:4002@demo.switchboard.local", "i1");
  invite_mf0[6] = "Max-Forwards: 0";
  CHECK(StatusLine(UdpExchange(edge.port(), With(invite_mf0, {}))).rfind("SIP/2.0 483", 0) == 0);
  auto register_mf0 = Headers("REGISTER", uri, "r0");
  register_mf0[6] = "Max-Forwards: 0";
  CHECK(StatusLine(UdpExchange(edge.port(), With(register_mf0, {}))).rfind("SIP/2.0 483", 0) == 0);

  const std::string unknown = UdpExchange(edge.port(), With(Headers("FROBNICATE", uri, "u1"), {}));
  CHECK(StatusLine(unknown).rfind("SIP/2.0 501", 0) == 0);
  CHECK(absl::StrContains(HeaderValue(unknown, "Allow"), "REGISTER"));
  const std::string message = UdpExchange(edge.port(), With(Headers("MESSAGE", uri, "u2"), {}));
  CHECK(StatusLine(message).rfind("SIP/2.0 405", 0) == 0);
  CHECK(absl::StrContains(HeaderValue(message, "Allow"), "REGISTER"));
  // INVITE goes to the proxy: without a Contact it can't make a dialog
  // (400); with one, the caller must authenticate first (407).
  CHECK(StatusLine(
            UdpExchange(edge.port(), With(Headers("INVITE", "sip:4002@demo.switchboard.local", "i2"), {})))
            .rfind("SIP/2.0 400", 0) == 0);
  const std::string invite = UdpExchange(
      edge.port(),
      With(Headers("INVITE", "sip:4002@demo.switchboard.local", "i3"), {"Contact: <sip:4001@127.0.0.1:9>"}));
  CHECK(StatusLine(invite).rfind("SIP/2.0 407", 0) == 0);
  CHECK(absl::StrContains(HeaderValue(invite, "Proxy-Authenticate"), "Digest realm=\"demo.switchboard.local\""));
  // A BYE outside any dialog of ours.
  CHECK(StatusLine(UdpExchange(edge.port(), With(Headers("BYE", "sip:4002@127.0.0.1:9", "b1"), {})))
            .rfind("SIP/2.0 481", 0) == 0);
  // An option tag we don't know in Require.
  const std::string require =
      UdpExchange(edge.port(), With(Headers("REGISTER", uri, "q1"), {"Require: teleport"}));
  CHECK(StatusLine(require).rfind("SIP/2.0 420", 0) == 0);
  CHECK(HeaderValue(require, "Unsupported") == "teleport");
  // A first REGISTER is challenged; a malformed Authorization is a 400.
  const std::string challenge =
      UdpExchange(edge.port(), With(Headers("REGISTER", uri, "c1"), {"Contact: <sip:4001@127.0.0.1:9>"}));
  CHECK(StatusLine(challenge).rfind("SIP/2.0 401", 0) == 0);
  CHECK(absl::StartsWith(HeaderValue(challenge, "WWW-Authenticate"),
                         "Digest realm=\"demo.switchboard.local\""));
  const std::string broken = UdpExchange(
      edge.port(),
      With(Headers("REGISTER", uri, "c2"),
           {"Contact: <sip:4001@127.0.0.1:9>",
            "Authorization: Digest username=\"4001\", realm=\"demo.switchboard.local\", nonce=\"x\""}));
  CHECK(StatusLine(broken).rfind("SIP/2.0 400", 0) == 0);
}

TEST_CASE("an expired nonce with the right password: 401 stale=true, then registered") {
  SipEnv& env = SipEnv::Get();
  Edge edge({"--nonce_ttl=1"});
  Device phone = env.NewDevice(env.alice_user_id());
  ExpectOk(RunSipp("register_stale.xml", edge, Account(phone.account)));
  edge::Location location(env.redis(), {});
  CHECK(location.Lookup(phone.account.aor())->size() == 1);
}

TEST_CASE("an older CSeq for the same Call-ID is refused") {
  SipEnv& env = SipEnv::Get();
  Edge edge;
  Device phone = env.NewDevice(env.alice_user_id());
  ExpectOk(RunSipp("cseq_order.xml", edge, Account(phone.account)));
  edge::Location location(env.redis(), {});
  auto bindings = location.Lookup(phone.account.aor());
  REQUIRE(bindings->size() == 1);
  CHECK((*bindings)[0].cseq == 4);
}

TEST_CASE("repeated failures from one address are throttled; other addresses are not") {
  SipEnv& env = SipEnv::Get();
  Edge edge({"--auth_max_failures=3", "--auth_block=60"});
  SipAccount wrong = env.bruno();
  wrong.password = "guess";
  SippOptions guesses;
  guesses.accounts = {wrong, wrong, wrong};
  guesses.local_ip = "127.0.0.7";
  ExpectOk(RunSipp("register_403.xml", edge, guesses));
  // Blocked: even the right password gets 403 at once, without a challenge.
  SippOptions blocked;
  blocked.accounts = {env.bruno()};
  blocked.local_ip = "127.0.0.7";
  ExpectOk(RunSipp("register_throttled.xml", edge, blocked));
  // Another address is served.
  SippOptions other;
  other.accounts = {env.bruno()};
  other.local_ip = "127.0.0.8";
  ExpectOk(RunSipp("register.xml", edge, other));
  const std::string log = edge.Log();
  CHECK(absl::StrContains(log, "too many failed authentications from 127.0.0.7"));
  CHECK(absl::StrContains(log, " W edge [auth]"));
}

// A hand-made digest client: what SIPp can't do (SHA-256, replaying an
// exact Authorization).
class DigestClient {
 public:
  DigestClient(const Edge& edge, SipAccount account) : edge_(edge), a_(std::move(account)) {}

  // REGISTER without credentials; returns the response and keeps the nonce
  // of the challenge for `algorithm`.
  std::string Challenge(int cseq, const std::string& algorithm) {
    const std::string response = UdpExchange(edge_.port(), With(Lines(cseq), {}));
    for (absl::string_view line : absl::StrSplit(response, "\r\n")) {
      if (!absl::StartsWith(line, "WWW-Authenticate:") ||
          !absl::StrContains(line, absl::StrCat("algorithm=", algorithm, ","))) {
        continue;
      }
      const size_t n0 = line.find("nonce=\"") + 7;
      nonce_ = std::string(line.substr(n0, line.find('"', n0) - n0));
    }
    return response;
  }

  // REGISTER answering the kept nonce with nonce-count `nc`.
  std::string Answer(int cseq, uint32_t nc, sip::DigestAlgorithm algorithm) {
    sip::DigestCredentials c;
    c.username = a_.user;
    c.realm = a_.domain;
    c.nonce = nonce_;
    c.uri = Uri();
    c.qop = "auth";
    c.nc = absl::StrFormat("%08x", nc);
    c.cnonce = "0a4f113b";
    const std::string ha1 = sip::DigestHa1(algorithm, a_.user, a_.domain, a_.password);
    const std::string authorization = absl::StrCat(
        "Authorization: Digest username=\"", a_.user, "\", realm=\"", a_.domain, "\", nonce=\"", nonce_,
        "\", uri=\"", c.uri, "\", response=\"", sip::ExpectedDigestResponse(algorithm, ha1, "REGISTER", c),
        "\", algorithm=", sip::DigestAlgorithmName(algorithm), ", qop=auth, nc=", c.nc,
        ", cnonce=\"0a4f113b\"");
    return UdpExchange(edge_.port(), With(Lines(cseq), {authorization}));
  }

 private:
  std::string Uri() const { return "sip:" + a_.domain; }
  std::vector<std::string> Lines(int cseq) const {
    return {"REGISTER " + Uri() + " SIP/2.0",
            absl::StrCat("Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-", a_.user, "-", cseq, ";rport"),
            "From: <sip:" + a_.user + "@" + a_.domain + ">;tag=s1",
            "To: <sip:" + a_.user + "@" + a_.domain + ">",
            "Call-ID: digest-" + a_.user,
            absl::StrCat("CSeq: ", cseq, " REGISTER"),
            "Max-Forwards: 70",
            "Contact: <sip:" + a_.user + "@127.0.0.1:9>",
            "Expires: 600"};
  }

  const Edge& edge_;
  SipAccount a_;
  std::string nonce_;
};

TEST_CASE("SHA-256 digest (RFC 7616) next to MD5") {
  SipEnv& env = SipEnv::Get();
  Edge edge({"--digest_algorithms=SHA-256,MD5"});
  Device phone = env.NewDevice(env.alice_user_id());
  DigestClient client(edge, phone.account);
  const std::string challenge = client.Challenge(1, "SHA-256");
  REQUIRE(StatusLine(challenge).rfind("SIP/2.0 401", 0) == 0);
  // Both challenges, SHA-256 first (RFC 7616 §3.7: in order of preference).
  const size_t sha = challenge.find("algorithm=SHA-256");
  const size_t md5 = challenge.find("algorithm=MD5");
  REQUIRE(sha != std::string::npos);
  REQUIRE(md5 != std::string::npos);
  CHECK(sha < md5);
  const std::string ok = client.Answer(2, 1, sip::DigestAlgorithm::kSha256);
  CHECK(StatusLine(ok) == "SIP/2.0 200 OK");
  CHECK(absl::StrContains(HeaderValue(ok, "Contact"), ";expires=600"));
  // MD5 from the same client works too.
  client.Challenge(3, "MD5");
  CHECK(StatusLine(client.Answer(4, 1, sip::DigestAlgorithm::kMd5)) == "SIP/2.0 200 OK");
}

TEST_CASE("a nonce may be reused with a higher nonce-count, never replayed") {
  SipEnv& env = SipEnv::Get();
  Edge edge;
  Device phone = env.NewDevice(env.alice_user_id());
  DigestClient client(edge, phone.account);
  REQUIRE(StatusLine(client.Challenge(1, "MD5")).rfind("SIP/2.0 401", 0) == 0);
  CHECK(StatusLine(client.Answer(2, 1, sip::DigestAlgorithm::kMd5)) == "SIP/2.0 200 OK");
  // The same nonce and nonce-count again (a captured request resent):
  // refused with a fresh challenge.
  const std::string replayed = client.Answer(3, 1, sip::DigestAlgorithm::kMd5);
  CHECK(StatusLine(replayed).rfind("SIP/2.0 401", 0) == 0);
  CHECK(absl::StrContains(HeaderValue(replayed, "WWW-Authenticate"), "stale=true"));
  // The next count is fine.
  CHECK(StatusLine(client.Answer(4, 2, sip::DigestAlgorithm::kMd5)) == "SIP/2.0 200 OK");
}

}  // namespace
}  // namespace sb::siptest
