#include "services/profiles/pg_store.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/status.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::profiles {
namespace {

// Arrays travel as one text joined by the ASCII unit separator, which
// validation refuses in every user-supplied string.
constexpr char kSep[] = "\x1f";

bool IsUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!absl::ascii_isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

// An absent or malformed id is simply not found: ids can't be probed.
absl::Status NotFound(absl::string_view what) { return absl::NotFoundError(absl::StrCat(what, " not found")); }

std::string Str(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }

google::protobuf::Timestamp Ts(const pqxx::field& f) {
  google::protobuf::Timestamp ts;
  if (f.is_null()) return ts;
  int64_t micros = f.as<int64_t>();
  ts.set_seconds(micros / 1000000);
  ts.set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
  return ts;
}

std::vector<std::string> SplitList(const pqxx::field& f) {
  std::string s = Str(f);
  if (s.empty()) return {};
  return absl::StrSplit(s, kSep);
}

template <typename Repeated>
std::string JoinList(const Repeated& items) {
  return absl::StrJoin(items, kSep);
}

// "1|08:30|17:00" per day, for the user's working hours.
std::string JoinHours(const google::protobuf::RepeatedPtrField<pb::WorkingHours>& hours) {
  std::vector<std::string> parts;
  for (const auto& h : hours) parts.push_back(absl::StrCat(h.day(), "|", h.start(), "|", h.end()));
  return absl::StrJoin(parts, kSep);
}

void ParseHours(const pqxx::field& f, pb::User* user) {
  for (const auto& item : SplitList(f)) {
    std::vector<std::string> p = absl::StrSplit(item, '|');
    if (p.size() != 3) continue;
    auto* h = user->add_working_hours();
    int day = 0;
    if (absl::SimpleAtoi(p[0], &day)) h->set_day(day);
    h->set_start(p[1]);
    h->set_end(p[2]);
  }
}

std::string JoinKeys(const google::protobuf::RepeatedPtrField<pb::LineKey>& keys) {
  std::vector<std::string> parts;
  for (const auto& k : keys) parts.push_back(absl::StrCat(k.key(), "|", k.line_id()));
  return absl::StrJoin(parts, kSep);
}

void ParseKeys(const pqxx::field& f, pb::Device* device) {
  for (const auto& item : SplitList(f)) {
    std::vector<std::string> p = absl::StrSplit(item, '|');
    if (p.size() != 2) continue;
    auto* k = device->add_line_keys();
    int key = 0;
    if (absl::SimpleAtoi(p[0], &key)) k->set_key(key);
    k->set_line_id(p[1]);
  }
}

std::optional<std::string> NullIfEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

// ---- row mappers; the column lists go with them.

constexpr char kTenantCols[] =
    "id::text, name, country, timezone, sip_domain, max_concurrent_calls, "
    "array_to_string(offered_licences, E'\\x1f'), "
    "(extract(epoch from created_at)*1000000)::bigint, (extract(epoch from updated_at)*1000000)::bigint";

pb::Tenant TenantFrom(const pqxx::row& r) {
  pb::Tenant t;
  t.set_id(Str(r[0]));
  t.set_name(Str(r[1]));
  t.set_country(Str(r[2]));
  t.set_timezone(Str(r[3]));
  t.set_sip_domain(Str(r[4]));
  t.set_max_concurrent_calls(r[5].as<int>());
  for (auto& l : SplitList(r[6])) t.add_offered_licences(l);
  *t.mutable_created_at() = Ts(r[7]);
  *t.mutable_updated_at() = Ts(r[8]);
  return t;
}

constexpr char kUserCols[] =
    "u.id::text, coalesce(u.tenant_id::text, ''), u.role, u.first_name, u.last_name, coalesce(u.email, ''), "
    "u.security_email, u.security_email_confirmed, u.language, "
    "CASE WHEN u.timezone = '' THEN coalesce(t.timezone, '') ELSE u.timezone END, "
    "u.department, u.title, u.user_code, u.outgoing_cli, "
    "array_to_string(u.decline_reasons, E'\\x1f'), u.working_hours #>> '{}', "
    "array_to_string(u.licences, E'\\x1f'), u.photo IS NOT NULL, "
    "(extract(epoch from u.created_at)*1000000)::bigint, (extract(epoch from u.updated_at)*1000000)::bigint, "
    "(extract(epoch from u.last_sign_in_at)*1000000)::bigint";
constexpr char kUserFrom[] = " FROM users u LEFT JOIN tenants t ON t.id = u.tenant_id ";

pb::Role RoleFrom(const std::string& s) {
  pb::Role role = pb::ROLE_UNSPECIFIED;
  pb::Role_Parse(s, &role);
  return role;
}

pb::User UserFrom(const pqxx::row& r) {
  pb::User u;
  u.set_id(Str(r[0]));
  u.set_tenant_id(Str(r[1]));
  u.set_role(RoleFrom(Str(r[2])));
  u.set_first_name(Str(r[3]));
  u.set_last_name(Str(r[4]));
  u.set_email(Str(r[5]));
  u.set_security_email(Str(r[6]));
  u.set_security_email_confirmed(r[7].as<bool>());
  u.set_language(Str(r[8]));
  u.set_timezone(Str(r[9]));
  u.set_department(Str(r[10]));
  u.set_title(Str(r[11]));
  u.set_user_code(Str(r[12]));
  u.set_outgoing_cli(Str(r[13]));
  for (auto& d : SplitList(r[14])) u.add_decline_reasons(d);
  ParseHours(r[15], &u);
  for (auto& l : SplitList(r[16])) u.add_licences(l);
  u.set_has_photo(r[17].as<bool>());
  *u.mutable_created_at() = Ts(r[18]);
  *u.mutable_updated_at() = Ts(r[19]);
  if (!r[20].is_null()) *u.mutable_last_sign_in_at() = Ts(r[20]);
  return u;
}

constexpr char kLineCols[] =
    "id::text, tenant_id::text, coalesce(user_id::text, ''), coalesce(number, ''), "
    "coalesce(number_e164, ''), coalesce(extension, ''), kind, label, "
    "(extract(epoch from created_at)*1000000)::bigint, is_primary";

pb::Line LineFrom(const pqxx::row& r) {
  pb::Line l;
  l.set_id(Str(r[0]));
  l.set_tenant_id(Str(r[1]));
  l.set_user_id(Str(r[2]));
  l.set_number(Str(r[3]));
  l.set_number_e164(Str(r[4]));
  l.set_extension(Str(r[5]));
  pb::LineKind kind = pb::OFFICE;
  pb::LineKind_Parse(Str(r[6]), &kind);
  l.set_kind(kind);
  l.set_label(Str(r[7]));
  *l.mutable_created_at() = Ts(r[8]);
  return l;
}

constexpr char kDeviceCols[] =
    "d.id::text, d.tenant_id::text, coalesce(d.user_id::text, ''), d.kind, d.name, coalesce(d.mac, ''), "
    "d.model, d.sip_username, t.sip_domain, d.line_keys #>> '{}', "
    "(extract(epoch from d.created_at)*1000000)::bigint, d.ha1_md5, d.ha1_sha256";
constexpr char kDeviceFrom[] = " FROM devices d JOIN tenants t ON t.id = d.tenant_id ";

pb::Device DeviceFrom(const pqxx::row& r) {
  pb::Device d;
  d.set_id(Str(r[0]));
  d.set_tenant_id(Str(r[1]));
  d.set_user_id(Str(r[2]));
  pb::DeviceKind kind = pb::SOFTPHONE;
  pb::DeviceKind_Parse(Str(r[3]), &kind);
  d.set_kind(kind);
  d.set_name(Str(r[4]));
  d.set_mac(Str(r[5]));
  d.set_model(Str(r[6]));
  d.set_sip_username(Str(r[7]));
  d.set_sip_domain(Str(r[8]));
  ParseKeys(r[9], &d);
  *d.mutable_created_at() = Ts(r[10]);
  return d;
}

constexpr char kGroupCols[] =
    "id::text, user_id::text, name, coalesce(parent_id::text, ''), dial_code, "
    "(extract(epoch from created_at)*1000000)::bigint";

pb::ContactGroup GroupFrom(const pqxx::row& r) {
  pb::ContactGroup g;
  g.set_id(Str(r[0]));
  g.set_user_id(Str(r[1]));
  g.set_name(Str(r[2]));
  g.set_parent_id(Str(r[3]));
  g.set_dial_code(Str(r[4]));
  *g.mutable_created_at() = Ts(r[5]);
  return g;
}

absl::StatusOr<pb::Contact> ContactFrom(const pqxx::row& r) {
  pb::Contact c;
  auto st = google::protobuf::util::JsonStringToMessage(Str(r[1]), &c);
  if (!st.ok()) return absl::InternalError(absl::StrCat("stored contact is unreadable: ", st.ToString()));
  c.set_id(Str(r[0]));
  c.set_user_id(Str(r[2]));
  *c.mutable_created_at() = Ts(r[3]);
  *c.mutable_updated_at() = Ts(r[4]);
  c.clear_group_ids();
  for (auto& g : SplitList(r[5])) c.add_group_ids(g);
  return c;
}
constexpr char kContactCols[] =
    "c.id::text, c.body::text, c.user_id::text, (extract(epoch from c.created_at)*1000000)::bigint, "
    "(extract(epoch from c.updated_at)*1000000)::bigint, "
    "(SELECT string_agg(m.group_id::text, E'\\x1f') FROM contact_group_members m WHERE m.contact_id = c.id)";

void WriteEvents(pqxx::work& w, const Events& events) {
  for (const auto& e : events) {
    w.exec_params(
        "INSERT INTO outbox (topic, event_id, type, tenant_id, payload) "
        "VALUES ($1, md5(random()::text || clock_timestamp()::text), $2, $3, $4)",
        e.topic, e.type, e.tenant_id, pqxx::binarystring(e.payload));
  }
}

std::string Like(const std::string& query) {
  std::string out = "%";
  for (char c : query) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

absl::Status RequireOne(const pqxx::result& r, absl::string_view what) {
  if (r.affected_rows() == 0) return NotFound(what);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<pb::Line>> LinesOfUser(pqxx::work& w, const std::string& user_id) {
  std::vector<pb::Line> out;
  for (const auto& row :
       w.exec_params(absl::StrCat("SELECT ", kLineCols,
                                  " FROM lines WHERE user_id = $1 ORDER BY is_primary DESC, created_at, id"),
                     user_id)) {
    out.push_back(LineFrom(row));
  }
  return out;
}

// Copies the primary line (the first) into the user's own fields.
void AttachLines(pb::User* user, std::vector<pb::Line> lines) {
  if (!lines.empty()) {
    user->set_number(lines[0].number());
    user->set_number_e164(lines[0].number_e164());
    user->set_extension(lines[0].extension());
  }
  for (auto& l : lines) *user->add_lines() = std::move(l);
}

// A user and its lines in one statement: the lines travel as one text,
// records separated by \x1e and fields by \x1f (control characters that
// validation refuses in every stored string).
constexpr char kUserWithLinesSql[] =
    "SELECT u.id::text, coalesce(u.tenant_id::text, ''), u.role, u.first_name, u.last_name, coalesce(u.email, ''), "
    "u.security_email, u.security_email_confirmed, u.language, "
    "CASE WHEN u.timezone = '' THEN coalesce(t.timezone, '') ELSE u.timezone END, "
    "u.department, u.title, u.user_code, u.outgoing_cli, "
    "array_to_string(u.decline_reasons, E'\\x1f'), u.working_hours #>> '{}', "
    "array_to_string(u.licences, E'\\x1f'), u.photo IS NOT NULL, "
    "(extract(epoch from u.created_at)*1000000)::bigint, (extract(epoch from u.updated_at)*1000000)::bigint, "
    "(extract(epoch from u.last_sign_in_at)*1000000)::bigint, "
    "(SELECT string_agg(concat_ws(E'\\x1f', l.id::text, l.tenant_id::text, coalesce(l.user_id::text, ''), "
    "coalesce(l.number, ''), coalesce(l.number_e164, ''), coalesce(l.extension, ''), l.kind, l.label, "
    "((extract(epoch from l.created_at)*1000000)::bigint)::text), E'\\x1e' "
    "ORDER BY l.is_primary DESC, l.created_at, l.id) FROM lines l WHERE l.user_id = u.id) "
    "FROM users u LEFT JOIN tenants t ON t.id = u.tenant_id WHERE u.id = $1";
constexpr char kGetUserStatement[] = "profiles_get_user";

pb::User UserWithLinesFrom(const pqxx::row& r) {
  pb::User user = UserFrom(r);
  std::vector<pb::Line> lines;
  std::string packed = Str(r[21]);
  if (!packed.empty()) {
    for (absl::string_view record : absl::StrSplit(packed, '\x1e')) {
      std::vector<std::string> f = absl::StrSplit(record, '\x1f');
      if (f.size() != 9) continue;
      pb::Line l;
      l.set_id(f[0]);
      l.set_tenant_id(f[1]);
      l.set_user_id(f[2]);
      l.set_number(f[3]);
      l.set_number_e164(f[4]);
      l.set_extension(f[5]);
      pb::LineKind kind = pb::OFFICE;
      pb::LineKind_Parse(f[6], &kind);
      l.set_kind(kind);
      l.set_label(f[7]);
      int64_t micros = 0;
      if (absl::SimpleAtoi(f[8], &micros)) {
        l.mutable_created_at()->set_seconds(micros / 1000000);
        l.mutable_created_at()->set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
      }
      lines.push_back(std::move(l));
    }
  }
  AttachLines(&user, std::move(lines));
  return user;
}

absl::StatusOr<pb::User> LoadUser(pqxx::work& w, const std::string& id) {
  auto r = w.exec_params(kUserWithLinesSql, id);
  if (r.empty()) return NotFound("user");
  return UserWithLinesFrom(r[0]);
}

void WriteContactNumbers(pqxx::work& w, const pb::Contact& c) {
  w.exec_params("DELETE FROM contact_numbers WHERE contact_id = $1", c.id());
  for (const auto& n : c.numbers()) {
    std::string digits = n.number_e164().empty() ? n.number() : n.number_e164();
    if (digits.empty()) continue;
    w.exec_params(
        "INSERT INTO contact_numbers (contact_id, user_id, digits) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING",
        c.id(), c.user_id(), digits);
  }
  w.exec_params("DELETE FROM contact_group_members WHERE contact_id = $1", c.id());
  for (const auto& g : c.group_ids()) {
    if (!IsUuid(g)) continue;
    // Only the owner's own groups; a foreign id is silently not a membership.
    w.exec_params(
        "INSERT INTO contact_group_members (group_id, contact_id) "
        "SELECT id, $2 FROM contact_groups WHERE id = $1 AND user_id = $3 ON CONFLICT DO NOTHING",
        g, c.id(), c.user_id());
  }
}

std::string ContactBody(const pb::Contact& c) {
  pb::Contact body = c;
  body.clear_id();
  body.clear_user_id();
  body.clear_created_at();
  body.clear_updated_at();
  body.clear_group_ids();
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(body, &json);
  return json;
}

absl::StatusOr<pb::Contact> LoadContact(pqxx::work& w, const std::string& id) {
  auto r = w.exec_params(absl::StrCat("SELECT ", kContactCols, " FROM contacts c WHERE c.id = $1"), id);
  if (r.empty()) return NotFound("contact");
  return ContactFrom(r[0]);
}

}  // namespace

// ------------------------------------------------------------------ tenants

absl::StatusOr<pb::Tenant> PgStore::InsertTenant(const pb::Tenant& t, const Events& events) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<pb::Tenant> {
    auto r = w.exec_params(
        absl::StrCat("INSERT INTO tenants (name, country, timezone, sip_domain, max_concurrent_calls, "
                     "offered_licences) VALUES ($1, $2, $3, $4, $5, string_to_array($6, E'\\x1f')) "
                     "RETURNING ",
                     kTenantCols),
        t.name(), t.country(), t.timezone(), t.sip_domain(), t.max_concurrent_calls(),
        JoinList(t.offered_licences()));
    pb::Tenant out = TenantFrom(r[0]);
    Events with_id = events;
    for (auto& e : with_id) e.tenant_id = out.id();
    WriteEvents(w, with_id);
    return out;
  });
}

absl::StatusOr<pb::Tenant> PgStore::GetTenant(const std::string& id) {
  if (!IsUuid(id)) return NotFound("tenant");
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<pb::Tenant> {
    auto r = w.exec_params(absl::StrCat("SELECT ", kTenantCols, " FROM tenants WHERE id = $1"), id);
    if (r.empty()) return NotFound("tenant");
    return TenantFrom(r[0]);
  });
}

absl::StatusOr<std::vector<pb::Tenant>> PgStore::ListTenants(const Page& page) {
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<pb::Tenant>> {
    std::vector<pb::Tenant> out;
    auto r = w.exec_params(absl::StrCat("SELECT ", kTenantCols,
                                        " FROM tenants WHERE id::text > $1 ORDER BY id::text LIMIT $2"),
                           page.after_id, page.limit);
    for (const auto& row : r) out.push_back(TenantFrom(row));
    return out;
  });
}

absl::StatusOr<pb::Tenant> PgStore::UpdateTenant(const pb::Tenant& t, const Events& events) {
  if (!IsUuid(t.id())) return NotFound("tenant");
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<pb::Tenant> {
    auto r = w.exec_params(
        absl::StrCat("UPDATE tenants SET name = $2, country = $3, timezone = $4, sip_domain = $5, "
                     "max_concurrent_calls = $6, offered_licences = string_to_array($7, E'\\x1f'), "
                     "updated_at = now() WHERE id = $1 RETURNING ",
                     kTenantCols),
        t.id(), t.name(), t.country(), t.timezone(), t.sip_domain(), t.max_concurrent_calls(),
        JoinList(t.offered_licences()));
    if (r.empty()) return NotFound("tenant");
    WriteEvents(w, events);
    return TenantFrom(r[0]);
  });
}

absl::Status PgStore::DeleteTenant(const std::string& id, const Events& events) {
  if (!IsUuid(id)) return NotFound("tenant");
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    SB_RETURN_IF_ERROR(RequireOne(w.exec_params("DELETE FROM tenants WHERE id = $1", id), "tenant"));
    WriteEvents(w, events);
    return absl::OkStatus();
  });
}

// ------------------------------------------------------------------ users

absl::StatusOr<pb::User> PgStore::InsertUser(const pb::User& u, const std::string& password_hash,
                                             const std::optional<pb::Line>& primary_line,
                                             const Events& events) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<pb::User> {
    auto r = w.exec_params(
        "INSERT INTO users (tenant_id, role, first_name, last_name, email, security_email, "
        "security_email_confirmed, language, timezone, department, title, user_code, outgoing_cli, "
        "decline_reasons, working_hours, licences, password_hash) VALUES ($1::uuid, $2, $3, $4, $5, $6, "
        "$7, $8, $9, $10, $11, $12, $13, string_to_array($14, E'\\x1f'), to_jsonb($15::text), "
        "string_to_array($16, E'\\x1f'), $17) RETURNING id::text",
        NullIfEmpty(u.tenant_id()), pb::Role_Name(u.role()), u.first_name(), u.last_name(),
        NullIfEmpty(u.email()), u.security_email(), u.security_email_confirmed(), u.language(),
        u.timezone(), u.department(), u.title(), u.user_code(), u.outgoing_cli(),
        JoinList(u.decline_reasons()), JoinHours(u.working_hours()), JoinList(u.licences()),
        password_hash);
    std::string id = Str(r[0][0]);
    if (primary_line) {
      w.exec_params(
          "INSERT INTO lines (tenant_id, user_id, number_e164, number, extension, kind, label, is_primary) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, true)",
          u.tenant_id(), id, NullIfEmpty(primary_line->number_e164()), NullIfEmpty(primary_line->number()),
          NullIfEmpty(primary_line->extension()), pb::LineKind_Name(primary_line->kind()),
          primary_line->label());
    }
    Events with_id = events;
    for (auto& e : with_id) {
      // Events were built before the id existed; fill it into their payloads.
      ::switchboard::events::v1::ProfileChanged pc;
      if (e.topic == "profile" && pc.ParseFromString(e.payload)) {
        pc.set_user_id(id);
        e.payload = pc.SerializeAsString();
      }
    }
    WriteEvents(w, with_id);
    return LoadUser(w, id);
  });
}

PgStore::PgStore(pg::Pool* pool) : pool_(pool) {
  // Prepare only registers the statement (connections prepare it lazily),
  // so it can't fail for a reason worth stopping for.
  pool_->Prepare(kGetUserStatement, kUserWithLinesSql).IgnoreError();
}

absl::StatusOr<pb::User> PgStore::GetUser(const std::string& id) {
  if (!IsUuid(id)) return NotFound("user");
  // The hottest read of the portal (GET /v1/users/me): one prepared
  // statement, no explicit transaction.
  return pool_->QueryValue([&](pqxx::nontransaction& tx) -> absl::StatusOr<pb::User> {
    auto r = tx.exec_prepared(kGetUserStatement, id);
    if (r.empty()) return NotFound("user");
    return UserWithLinesFrom(r[0]);
  });
}

absl::StatusOr<std::vector<pb::User>> PgStore::ListUsers(const std::string& tenant_id, const Page& page) {
  if (!tenant_id.empty() && !IsUuid(tenant_id)) return NotFound("tenant");
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<pb::User>> {
    std::vector<pb::User> out;
    auto r = w.exec_params(
        absl::StrCat("SELECT ", kUserCols, kUserFrom,
                     " WHERE ($1 = '' OR u.tenant_id::text = $1) AND u.id::text > $2 "
                     "ORDER BY u.id::text LIMIT $3"),
        tenant_id, page.after_id, page.limit);
    for (const auto& row : r) {
      pb::User user = UserFrom(row);
      SB_ASSIGN_OR_RETURN(auto lines, LinesOfUser(w, user.id()));
      AttachLines(&user, std::move(lines));
      out.push_back(std::move(user));
    }
    return out;
  });
}

absl::StatusOr<pb::User> PgStore::UpdateUser(const pb::User& u, const Events& events) {
  if (!IsUuid(u.id())) return NotFound("user");
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<pb::User> {
    auto r = w.exec_params(
        "UPDATE users SET role = $2, first_name = $3, last_name = $4, email = $5, security_email = $6, "
        "security_email_confirmed = $7, language = $8, timezone = $9, department = $10, title = $11, "
        "user_code = $12, outgoing_cli = $13, decline_reasons = string_to_array($14, E'\\x1f'), "
        "working_hours = to_jsonb($15::text), licences = string_to_array($16, E'\\x1f'), "
        "updated_at = now() WHERE id = $1",
        u.id(), pb::Role_Name(u.role()), u.first_name(), u.last_name(), NullIfEmpty(u.email()),
        u.security_email(), u.security_email_confirmed(), u.language(), u.timezone(), u.department(),
        u.title(), u.user_code(), u.outgoing_cli(), JoinList(u.decline_reasons()),
        JoinHours(u.working_hours()), JoinList(u.licences()));
    SB_RETURN_IF_ERROR(RequireOne(r, "user"));
    WriteEvents(w, events);
    return LoadUser(w, u.id());
  });
}

absl::Status PgStore::DeleteUser(const std::string& id, const Events& events) {
  if (!IsUuid(id)) return NotFound("user");
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    // The user's lines go with it; admin-managed lines are created without a user.
    w.exec_params("DELETE FROM lines WHERE user_id = $1", id);
    SB_RETURN_IF_ERROR(RequireOne(w.exec_params("DELETE FROM users WHERE id = $1", id), "user"));
    WriteEvents(w, events);
    return absl::OkStatus();
  });
}

absl::StatusOr<LoginRecord> PgStore::FindLogin(const std::string& email, const std::string& number_e164) {
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<LoginRecord> {
    LoginRecord out;
    pqxx::result r;
    if (!email.empty()) {
      r = w.exec_params(absl::StrCat("SELECT ", kUserCols, ", u.password_hash", kUserFrom,
                                     " WHERE lower(u.email) = lower($1)"),
                        email);
    } else {
      r = w.exec_params(absl::StrCat("SELECT ", kUserCols, ", u.password_hash", kUserFrom,
                                     " JOIN lines l ON l.user_id = u.id WHERE l.number_e164 = $1"),
                        number_e164);
    }
    if (r.empty()) return NotFound("user");
    out.user = UserFrom(r[0]);
    out.password_hash = Str(r[0][21]);
    SB_ASSIGN_OR_RETURN(auto lines, LinesOfUser(w, out.user.id()));
    AttachLines(&out.user, std::move(lines));
    return out;
  });
}

absl::Status PgStore::RecordSignIn(const std::string& user_id, absl::Time at) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    w.exec_params("UPDATE users SET last_sign_in_at = to_timestamp($2::double precision) WHERE id = $1",
                  user_id, absl::ToDoubleSeconds(at - absl::UnixEpoch()));
    return absl::OkStatus();
  });
}

absl::StatusOr<UserSecrets> PgStore::GetSecrets(const std::string& user_id) {
  if (!IsUuid(user_id)) return NotFound("user");
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<UserSecrets> {
    UserSecrets out;
    auto r = w.exec_params(
        "SELECT password_hash, voicemail_pin_hash, call_pin_hash FROM users WHERE id = $1", user_id);
    if (r.empty()) return NotFound("user");
    out.password_hash = Str(r[0][0]);
    out.voicemail_pin_hash = Str(r[0][1]);
    out.call_pin_hash = Str(r[0][2]);
    return out;
  });
}

absl::Status PgStore::SetSecret(const std::string& user_id, SecretKind kind, const std::string& hash,
                                const Events& events) {
  if (!IsUuid(user_id)) return NotFound("user");
  const char* column = kind == SecretKind::kPassword       ? "password_hash"
                       : kind == SecretKind::kVoicemailPin ? "voicemail_pin_hash"
                                                           : "call_pin_hash";
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    SB_RETURN_IF_ERROR(RequireOne(
        w.exec_params(absl::StrCat("UPDATE users SET ", column, " = $2, updated_at = now() WHERE id = $1"),
                      user_id, hash),
        "user"));
    WriteEvents(w, events);
    return absl::OkStatus();
  });
}

absl::Status PgStore::SetPhoto(const std::string& user_id, const std::string& content_type,
                               const std::string& data) {
  if (!IsUuid(user_id)) return NotFound("user");
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    pqxx::result r;
    if (data.empty()) {
      r = w.exec_params("UPDATE users SET photo = NULL, photo_content_type = '' WHERE id = $1", user_id);
    } else {
      r = w.exec_params("UPDATE users SET photo = $2, photo_content_type = $3 WHERE id = $1", user_id,
                        pqxx::binarystring(data), content_type);
    }
    return RequireOne(r, "user");
  });
}

absl::StatusOr<pb::Photo> PgStore::GetPhoto(const std::string& user_id) {
  if (!IsUuid(user_id)) return NotFound("photo");
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<pb::Photo> {
    pb::Photo out;
    auto r = w.exec_params("SELECT photo_content_type, photo FROM users WHERE id = $1 AND photo IS NOT NULL",
                           user_id);
    if (r.empty()) return NotFound("photo");
    out.set_content_type(Str(r[0][0]));
    pqxx::binarystring bytes(r[0][1]);
    out.set_data(bytes.str());
    return out;
  });
}

// ------------------------------------------------------------------ tokens

absl::Status PgStore::InsertToken(const std::string& token_hash, const std::string& purpose,
                                  const std::string& user_id, const std::string& value,
                                  absl::Time expires_at, const Events& events) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    w.exec_params(
        "INSERT INTO tokens (token_hash, purpose, user_id, value, expires_at) "
        "VALUES ($1, $2, $3, $4, to_timestamp($5::double precision))",
        token_hash, purpose, user_id, value, absl::ToDoubleSeconds(expires_at - absl::UnixEpoch()));
    // Older unused tokens of the same purpose stop working: only the last link sent is valid.
    w.exec_params(
        "UPDATE tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND token_hash <> $3 "
        "AND used_at IS NULL",
        user_id, purpose, token_hash);
    WriteEvents(w, events);
    return absl::OkStatus();
  });
}

absl::StatusOr<Store::ConsumedToken> PgStore::ConsumeToken(const std::string& token_hash,
                                                           const std::string& purpose, absl::Time now) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<ConsumedToken> {
    ConsumedToken out;
    auto r = w.exec_params(
        "UPDATE tokens SET used_at = now() WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL "
        "AND expires_at > to_timestamp($3::double precision) RETURNING user_id::text, value",
        token_hash, purpose, absl::ToDoubleSeconds(now - absl::UnixEpoch()));
    if (r.empty()) return absl::NotFoundError("this link is invalid, already used or expired");
    out.user_id = Str(r[0][0]);
    out.value = Str(r[0][1]);
    return out;
  });
}

absl::StatusOr<Store::ConsumedToken> PgStore::FindToken(const std::string& token_hash,
                                                        const std::string& purpose, absl::Time now) {
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<ConsumedToken> {
    ConsumedToken out;
    auto r = w.exec_params(
        "SELECT user_id::text, value FROM tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL "
        "AND expires_at > to_timestamp($3::double precision)",
        token_hash, purpose, absl::ToDoubleSeconds(now - absl::UnixEpoch()));
    if (r.empty()) return absl::NotFoundError("this link is invalid, already used or expired");
    out.user_id = Str(r[0][0]);
    out.value = Str(r[0][1]);
    return out;
  });
}

// ------------------------------------------------------------------ lines

absl::StatusOr<pb::Line> PgStore::InsertLine(const pb::Line& l, const Events& events) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<pb::Line> {
    auto r = w.exec_params(
        absl::StrCat("INSERT INTO lines (tenant_id, user_id, number_e164, number, extension, kind, label, "
                     "is_primary) VALUES ($1, $2::uuid, $3, $4, $5, $6, $7, "
                     "$2::uuid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM lines WHERE user_id = $2::uuid)) "
                     "RETURNING ",
                     kLineCols),
        l.tenant_id(), NullIfEmpty(l.user_id()), NullIfEmpty(l.number_e164()), NullIfEmpty(l.number()),
        NullIfEmpty(l.extension()), pb::LineKind_Name(l.kind()), l.label());
    WriteEvents(w, events);
    return LineFrom(r[0]);
  });
}

absl::StatusOr<pb::Line> PgStore::GetLine(const std::string& id) {
  if (!IsUuid(id)) return NotFound("line");
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<pb::Line> {
    auto r = w.exec_params(absl::StrCat("SELECT ", kLineCols, " FROM lines WHERE id = $1"), id);
    if (r.empty()) return NotFound("line");
    return LineFrom(r[0]);
  });
}

absl::StatusOr<std::vector<pb::Line>> PgStore::ListLines(const std::string& tenant_id,
                                                         const std::string& user_id, const Page& page) {
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<pb::Line>> {
    std::vector<pb::Line> out;
    auto r = w.exec_params(
        absl::StrCat("SELECT ", kLineCols,
                     " FROM lines WHERE ($1 = '' OR tenant_id::text = $1) AND ($2 = '' OR user_id::text = $2) "
                     "AND id::text > $3 ORDER BY id::text LIMIT $4"),
        tenant_id, user_id, page.after_id, page.limit);
    for (const auto& row : r) out.push_back(LineFrom(row));
    return out;
  });
}

absl::StatusOr<pb::Line> PgStore::UpdateLine(const pb::Line& l, const Events& events) {
  if (!IsUuid(l.id())) return NotFound("line");
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<pb::Line> {
    auto r = w.exec_params(
        absl::StrCat("UPDATE lines SET user_id = $2::uuid, number_e164 = $3, number = $4, extension = $5, "
                     "kind = $6, label = $7 WHERE id = $1 RETURNING ",
                     kLineCols),
        l.id(), NullIfEmpty(l.user_id()), NullIfEmpty(l.number_e164()), NullIfEmpty(l.number()),
        NullIfEmpty(l.extension()), pb::LineKind_Name(l.kind()), l.label());
    if (r.empty()) return NotFound("line");
    WriteEvents(w, events);
    return LineFrom(r[0]);
  });
}

absl::Status PgStore::DeleteLine(const std::string& id, const Events& events) {
  if (!IsUuid(id)) return NotFound("line");
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    SB_RETURN_IF_ERROR(RequireOne(w.exec_params("DELETE FROM lines WHERE id = $1", id), "line"));
    WriteEvents(w, events);
    return absl::OkStatus();
  });
}

absl::StatusOr<pb::Line> PgStore::FindLineByExtension(const std::string& tenant_id,
                                                      const std::string& extension) {
  if (!IsUuid(tenant_id)) return NotFound("line");
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<pb::Line> {
    auto r = w.exec_params(
        absl::StrCat("SELECT ", kLineCols, " FROM lines WHERE tenant_id = $1 AND extension = $2"), tenant_id,
        extension);
    if (r.empty()) return NotFound("line");
    return LineFrom(r[0]);
  });
}

absl::StatusOr<pb::Line> PgStore::FindLineByNumber(const std::string& number_e164) {
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<pb::Line> {
    auto r = w.exec_params(absl::StrCat("SELECT ", kLineCols, " FROM lines WHERE number_e164 = $1"),
                           number_e164);
    if (r.empty()) return NotFound("line");
    return LineFrom(r[0]);
  });
}

// ------------------------------------------------------------------ devices

absl::StatusOr<pb::Device> PgStore::InsertDevice(const pb::Device& d, const std::string& ha1_md5,
                                                 const std::string& ha1_sha256, const Events& events) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<pb::Device> {
    auto r = w.exec_params(
        "INSERT INTO devices (tenant_id, user_id, kind, name, mac, model, sip_username, ha1_md5, ha1_sha256, "
        "line_keys) VALUES ($1, $2::uuid, $3, $4, $5, $6, $7, $8, $9, to_jsonb($10::text)) RETURNING id::text",
        d.tenant_id(), NullIfEmpty(d.user_id()), pb::DeviceKind_Name(d.kind()), d.name(), NullIfEmpty(d.mac()),
        d.model(), d.sip_username(), ha1_md5, ha1_sha256, JoinKeys(d.line_keys()));
    std::string id = Str(r[0][0]);
    auto back = w.exec_params(absl::StrCat("SELECT ", kDeviceCols, kDeviceFrom, " WHERE d.id = $1"), id);
    WriteEvents(w, events);
    return DeviceFrom(back[0]);
  });
}

absl::StatusOr<pb::Device> PgStore::GetDevice(const std::string& id) {
  if (!IsUuid(id)) return NotFound("device");
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<pb::Device> {
    auto r = w.exec_params(absl::StrCat("SELECT ", kDeviceCols, kDeviceFrom, " WHERE d.id = $1"), id);
    if (r.empty()) return NotFound("device");
    return DeviceFrom(r[0]);
  });
}

absl::StatusOr<std::vector<pb::Device>> PgStore::ListDevices(const std::string& tenant_id,
                                                             const std::string& user_id, const Page& page) {
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<pb::Device>> {
    std::vector<pb::Device> out;
    auto r = w.exec_params(
        absl::StrCat("SELECT ", kDeviceCols, kDeviceFrom,
                     " WHERE ($1 = '' OR d.tenant_id::text = $1) AND ($2 = '' OR d.user_id::text = $2) "
                     "AND d.id::text > $3 ORDER BY d.id::text LIMIT $4"),
        tenant_id, user_id, page.after_id, page.limit);
    for (const auto& row : r) out.push_back(DeviceFrom(row));
    return out;
  });
}

absl::StatusOr<pb::Device> PgStore::UpdateDevice(const pb::Device& d, const Events& events) {
  if (!IsUuid(d.id())) return NotFound("device");
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<pb::Device> {
    auto r = w.exec_params(
        "UPDATE devices SET name = $2, mac = $3, model = $4, line_keys = to_jsonb($5::text), "
        "user_id = $6::uuid WHERE id = $1",
        d.id(), d.name(), NullIfEmpty(d.mac()), d.model(), JoinKeys(d.line_keys()), NullIfEmpty(d.user_id()));
    SB_RETURN_IF_ERROR(RequireOne(r, "device"));
    auto back = w.exec_params(absl::StrCat("SELECT ", kDeviceCols, kDeviceFrom, " WHERE d.id = $1"), d.id());
    WriteEvents(w, events);
    return DeviceFrom(back[0]);
  });
}

absl::Status PgStore::SetDeviceHa1(const std::string& id, const std::string& ha1_md5,
                                   const std::string& ha1_sha256, const Events& events) {
  if (!IsUuid(id)) return NotFound("device");
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    SB_RETURN_IF_ERROR(RequireOne(
        w.exec_params("UPDATE devices SET ha1_md5 = $2, ha1_sha256 = $3 WHERE id = $1", id, ha1_md5, ha1_sha256),
        "device"));
    WriteEvents(w, events);
    return absl::OkStatus();
  });
}

absl::Status PgStore::DeleteDevice(const std::string& id, const Events& events) {
  if (!IsUuid(id)) return NotFound("device");
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    SB_RETURN_IF_ERROR(RequireOne(w.exec_params("DELETE FROM devices WHERE id = $1", id), "device"));
    WriteEvents(w, events);
    return absl::OkStatus();
  });
}

absl::StatusOr<DeviceSecrets> PgStore::FindDeviceBySipUsername(const std::string& sip_username) {
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<DeviceSecrets> {
    DeviceSecrets out;
    auto r = w.exec_params(absl::StrCat("SELECT ", kDeviceCols, kDeviceFrom, " WHERE d.sip_username = $1"),
                           sip_username);
    if (r.empty()) return NotFound("device");
    out.device = DeviceFrom(r[0]);
    out.ha1_md5 = Str(r[0][11]);
    out.ha1_sha256 = Str(r[0][12]);
    return out;
  });
}

// ------------------------------------------------------------------ contacts

absl::StatusOr<pb::Contact> PgStore::InsertContact(const std::string& tenant_id, const pb::Contact& c,
                                                   const Events& events) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<pb::Contact> {
    auto r = w.exec_params(
        "INSERT INTO contacts (tenant_id, user_id, first_name, last_name, body) "
        "VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING id::text",
        tenant_id, c.user_id(), c.first_name(), c.last_name(), ContactBody(c));
    pb::Contact saved = c;
    saved.set_id(Str(r[0][0]));
    WriteContactNumbers(w, saved);
    WriteEvents(w, events);
    return LoadContact(w, saved.id());
  });
}

absl::StatusOr<pb::Contact> PgStore::GetContact(const std::string& id) {
  if (!IsUuid(id)) return NotFound("contact");
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<pb::Contact> { return LoadContact(w, id); });
}

absl::StatusOr<std::vector<pb::Contact>> PgStore::ListContacts(const std::string& user_id,
                                                               const std::string& query,
                                                               const std::string& group_id,
                                                               const Page& page) {
  if (!IsUuid(user_id)) return NotFound("user");
  if (!group_id.empty() && !IsUuid(group_id)) return NotFound("contact group");
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<pb::Contact>> {
    std::vector<pb::Contact> out;
    // A group lists its own members and those of its subgroups, at any depth.
    auto r = w.exec_params(
        absl::StrCat(
            "WITH RECURSIVE g AS (SELECT id FROM contact_groups WHERE id = nullif($3, '')::uuid AND user_id = $1 "
            "UNION SELECT cg.id FROM contact_groups cg JOIN g ON cg.parent_id = g.id) "
            "SELECT ",
            kContactCols,
            " FROM contacts c WHERE c.user_id = $1 AND c.id::text > $4 "
            "AND ($2 = '' OR c.body::text ILIKE $5 OR EXISTS (SELECT 1 FROM contact_numbers n "
            "WHERE n.contact_id = c.id AND n.digits LIKE $5)) "
            "AND ($3 = '' OR EXISTS (SELECT 1 FROM contact_group_members m JOIN g ON g.id = m.group_id "
            "WHERE m.contact_id = c.id)) ORDER BY c.id::text LIMIT $6"),
        user_id, query, group_id, page.after_id, Like(query), page.limit);
    for (const auto& row : r) {
      SB_ASSIGN_OR_RETURN(auto c, ContactFrom(row));
      out.push_back(std::move(c));
    }
    return out;
  });
}

absl::StatusOr<pb::Contact> PgStore::UpdateContact(const pb::Contact& c, const Events& events) {
  if (!IsUuid(c.id())) return NotFound("contact");
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<pb::Contact> {
    auto r = w.exec_params(
        "UPDATE contacts SET first_name = $2, last_name = $3, body = $4::jsonb, updated_at = now() "
        "WHERE id = $1",
        c.id(), c.first_name(), c.last_name(), ContactBody(c));
    SB_RETURN_IF_ERROR(RequireOne(r, "contact"));
    WriteContactNumbers(w, c);
    WriteEvents(w, events);
    return LoadContact(w, c.id());
  });
}

absl::Status PgStore::DeleteContact(const std::string& id, const Events& events) {
  if (!IsUuid(id)) return NotFound("contact");
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    SB_RETURN_IF_ERROR(RequireOne(w.exec_params("DELETE FROM contacts WHERE id = $1", id), "contact"));
    WriteEvents(w, events);
    return absl::OkStatus();
  });
}

absl::StatusOr<pb::ContactGroup> PgStore::InsertGroup(const std::string& tenant_id,
                                                      const pb::ContactGroup& g, const Events& events) {
  if (!g.parent_id().empty() && !IsUuid(g.parent_id())) return NotFound("parent group");
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<pb::ContactGroup> {
    if (!g.parent_id().empty() &&
        w.exec_params("SELECT 1 FROM contact_groups WHERE id = $1 AND user_id = $2", g.parent_id(), g.user_id())
            .empty()) {
      return core::WithField(NotFound("parent group"), "parent_id");
    }
    auto r = w.exec_params(
        absl::StrCat("INSERT INTO contact_groups (tenant_id, user_id, name, parent_id, dial_code) "
                     "VALUES ($1, $2, $3, $4::uuid, $5) RETURNING ",
                     kGroupCols),
        tenant_id, g.user_id(), g.name(), NullIfEmpty(g.parent_id()), g.dial_code());
    WriteEvents(w, events);
    return GroupFrom(r[0]);
  });
}

absl::StatusOr<pb::ContactGroup> PgStore::GetGroup(const std::string& id) {
  if (!IsUuid(id)) return NotFound("contact group");
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<pb::ContactGroup> {
    auto r = w.exec_params(absl::StrCat("SELECT ", kGroupCols, " FROM contact_groups WHERE id = $1"), id);
    if (r.empty()) return NotFound("contact group");
    return GroupFrom(r[0]);
  });
}

absl::StatusOr<std::vector<pb::ContactGroup>> PgStore::ListGroups(const std::string& user_id,
                                                                  const Page& page) {
  if (!IsUuid(user_id)) return NotFound("user");
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<pb::ContactGroup>> {
    std::vector<pb::ContactGroup> out;
    auto r = w.exec_params(absl::StrCat("SELECT ", kGroupCols,
                                        " FROM contact_groups WHERE user_id = $1 AND id::text > $2 "
                                        "ORDER BY id::text LIMIT $3"),
                           user_id, page.after_id, page.limit);
    for (const auto& row : r) out.push_back(GroupFrom(row));
    return out;
  });
}

absl::StatusOr<pb::ContactGroup> PgStore::UpdateGroup(const pb::ContactGroup& g, const Events& events) {
  if (!IsUuid(g.id())) return NotFound("contact group");
  if (!g.parent_id().empty() && !IsUuid(g.parent_id())) return NotFound("parent group");
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<pb::ContactGroup> {
    if (!g.parent_id().empty()) {
      // A group can't be moved under itself or one of its own subgroups.
      auto cycle = w.exec_params(
          "WITH RECURSIVE d AS (SELECT id FROM contact_groups WHERE id = $1 "
          "UNION SELECT cg.id FROM contact_groups cg JOIN d ON cg.parent_id = d.id) "
          "SELECT 1 FROM d WHERE id = $2",
          g.id(), g.parent_id());
      if (!cycle.empty()) {
        return core::InvalidField("parent_id", "a group can't be placed inside itself or one of its subgroups");
      }
      if (w.exec_params("SELECT 1 FROM contact_groups WHERE id = $1 AND user_id = $2", g.parent_id(),
                        g.user_id())
              .empty()) {
        return core::WithField(NotFound("parent group"), "parent_id");
      }
    }
    auto r = w.exec_params(
        absl::StrCat("UPDATE contact_groups SET name = $2, parent_id = $3::uuid, dial_code = $4 WHERE id = $1 "
                     "RETURNING ",
                     kGroupCols),
        g.id(), g.name(), NullIfEmpty(g.parent_id()), g.dial_code());
    if (r.empty()) return NotFound("contact group");
    WriteEvents(w, events);
    return GroupFrom(r[0]);
  });
}

absl::Status PgStore::DeleteGroup(const std::string& id, const Events& events) {
  if (!IsUuid(id)) return NotFound("contact group");
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    SB_RETURN_IF_ERROR(RequireOne(w.exec_params("DELETE FROM contact_groups WHERE id = $1", id), "contact group"));
    WriteEvents(w, events);
    return absl::OkStatus();
  });
}

// ------------------------------------------------------------------ directory, speed dials

absl::StatusOr<std::vector<pb::DirectoryEntry>> PgStore::SearchDirectory(const std::string& tenant_id,
                                                                         const std::string& query,
                                                                         const Page& page) {
  if (!IsUuid(tenant_id)) return NotFound("tenant");
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<pb::DirectoryEntry>> {
    std::vector<pb::DirectoryEntry> out;
    auto r = w.exec_params(
        "SELECT u.id::text, u.first_name, u.last_name, coalesce(l.extension, ''), coalesce(l.number, ''), "
        "coalesce(l.number_e164, ''), u.department, coalesce(u.email, '') "
        "FROM users u JOIN lines l ON l.user_id = u.id AND l.is_primary "
        "WHERE u.tenant_id = $1 AND u.id::text > $3 AND ($2 = '' OR u.first_name ILIKE $4 OR "
        "u.last_name ILIKE $4 OR (u.first_name || ' ' || u.last_name) ILIKE $4 OR l.extension LIKE $4 OR "
        "l.number LIKE $4 OR l.number_e164 LIKE $4 OR u.department ILIKE $4) "
        "ORDER BY u.id::text LIMIT $5",
        tenant_id, query, page.after_id, Like(query), page.limit);
    for (const auto& row : r) {
      pb::DirectoryEntry e;
      e.set_user_id(Str(row[0]));
      e.set_first_name(Str(row[1]));
      e.set_last_name(Str(row[2]));
      e.set_extension(Str(row[3]));
      e.set_number(Str(row[4]));
      e.set_number_e164(Str(row[5]));
      e.set_department(Str(row[6]));
      e.set_email(Str(row[7]));
      out.push_back(std::move(e));
    }
    return out;
  });
}

absl::StatusOr<std::vector<pb::SpeedDial>> PgStore::ListSpeedDials(const std::string& user_id) {
  if (!IsUuid(user_id)) return NotFound("user");
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<pb::SpeedDial>> {
    std::vector<pb::SpeedDial> out;
    auto r = w.exec_params(
        "SELECT code, number, number_e164, name FROM speed_dials WHERE user_id = $1 ORDER BY length(code), code",
        user_id);
    for (const auto& row : r) {
      pb::SpeedDial s;
      s.set_code(Str(row[0]));
      s.set_number(Str(row[1]));
      s.set_number_e164(Str(row[2]));
      s.set_name(Str(row[3]));
      out.push_back(std::move(s));
    }
    return out;
  });
}

absl::StatusOr<pb::SpeedDial> PgStore::UpsertSpeedDial(const std::string& user_id, const pb::SpeedDial& s) {
  if (!IsUuid(user_id)) return NotFound("user");
  SB_RETURN_IF_ERROR(pool_->Transact([&](pqxx::work& w) -> absl::Status {
    w.exec_params(
        "INSERT INTO speed_dials (user_id, code, number, number_e164, name) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (user_id, code) DO UPDATE SET number = EXCLUDED.number, "
        "number_e164 = EXCLUDED.number_e164, name = EXCLUDED.name",
        user_id, s.code(), s.number(), s.number_e164(), s.name());
    return absl::OkStatus();
  }));
  return s;
}

absl::Status PgStore::DeleteSpeedDial(const std::string& user_id, const std::string& code) {
  if (!IsUuid(user_id)) return NotFound("speed dial");
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    return RequireOne(w.exec_params("DELETE FROM speed_dials WHERE user_id = $1 AND code = $2", user_id, code),
                      "speed dial");
  });
}

}  // namespace sb::profiles
