// Lines: a number and/or an extension, owned by a user or managed by the
// tenant's admin (A6, A8). Numbers are unique on the platform, extensions
// within a tenant.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "services/profiles/profile_manager.h"
#include "services/profiles/validation.h"

namespace sb::profiles {
namespace {
using core::InvalidField;
using core::PrincipalRole;

std::string Digits(absl::string_view s) {
  std::string out;
  for (char c : s) if (absl::ascii_isdigit(static_cast<unsigned char>(c))) out += c;
  return out;
}
}  // namespace

absl::Status ProfileManager::NormalizeLine(const pb::Tenant& tenant, pb::Line* line, absl::string_view prefix) {
  auto field = [&](absl::string_view f) { return absl::StrCat(prefix, f); };
  if (line->number().empty() && line->extension().empty()) {
    return InvalidField(field("extension"), "a line needs a number or an extension");
  }
  if (!line->number().empty()) {
    auto n = numbering_->Normalize(line->number(), tenant.country());
    if (!n.ok()) return core::WithField(n.status(), field("number"));
    line->set_number(n->national);
    line->set_number_e164(n->e164);
  } else {
    line->clear_number_e164();
  }
  if (!line->extension().empty()) {
    line->set_extension(std::string(absl::StripAsciiWhitespace(line->extension())));
    SB_RETURN_IF_ERROR(CheckExtension(field("extension"), line->extension(), tenant.country(), *numbering_));
  }
  if (line->kind() == pb::LINE_KIND_UNSPECIFIED) line->set_kind(pb::OFFICE);
  SB_RETURN_IF_ERROR(CheckText(field("label"), line->label(), 50));
  return absl::OkStatus();
}

absl::StatusOr<pb::Line> ProfileManager::CreateLine(const Principal& p, const std::string& tenant_id, pb::Line line) {
  if (!p.CanManageTenant(tenant_id)) {
    return p.CanSeeTenant(tenant_id) ? absl::PermissionDeniedError("only an admin creates extensions")
                                     : absl::NotFoundError("tenant not found");
  }
  SB_ASSIGN_OR_RETURN(pb::Tenant tenant, store_->GetTenant(tenant_id));
  line.clear_id();
  line.set_tenant_id(tenant_id);
  if (!line.user_id().empty()) {
    SB_ASSIGN_OR_RETURN(pb::User owner, store_->GetUser(line.user_id()));
    if (owner.tenant_id() != tenant_id) return core::WithField(absl::NotFoundError("user not found"), "user_id");
  }
  SB_RETURN_IF_ERROR(NormalizeLine(tenant, &line, ""));
  auto out = store_->InsertLine(line, {Changed("profile.line_created", tenant_id, line.user_id(), &line)});
  if (!out.ok()) return ProfileConflict(out.status());
  return out;
}

absl::StatusOr<pb::Line> ProfileManager::GetLine(const Principal& p, const std::string& id) {
  SB_ASSIGN_OR_RETURN(pb::Line l, store_->GetLine(id));
  bool mine = !l.user_id().empty() && l.user_id() == p.user_id;
  if (!mine && !p.CanManageTenant(l.tenant_id())) return absl::NotFoundError("line not found");
  return l;
}

absl::StatusOr<pb::ListLinesResponse> ProfileManager::ListLines(const Principal& p, const pb::ListLinesRequest& req) {
  std::string tenant_id = req.tenant_id().empty() ? p.tenant_id : req.tenant_id();
  std::string user_id = req.user_id() == "me" ? p.user_id : req.user_id();
  if (!p.CanManageTenant(tenant_id)) {
    // A user lists its own lines only.
    if (!p.CanSeeTenant(tenant_id)) return absl::NotFoundError("tenant not found");
    if (user_id != p.user_id) return absl::NotFoundError("user not found");
  }
  Page page = PageOf(req.page_size(), req.page_token());
  SB_ASSIGN_OR_RETURN(auto items, store_->ListLines(tenant_id, user_id, page));
  pb::ListLinesResponse out;
  out.set_next_page_token(NextToken(&items, page));
  for (auto& l : items) *out.add_items() = std::move(l);
  return out;
}

absl::StatusOr<pb::Line> ProfileManager::UpdateLine(const Principal& p, const pb::UpdateLineRequest& req) {
  SB_ASSIGN_OR_RETURN(pb::Line l, store_->GetLine(req.line().id()));
  if (!p.CanManageTenant(l.tenant_id())) {
    if (l.user_id() == p.user_id && !p.user_id.empty()) {
      return absl::PermissionDeniedError("only an admin changes extensions");
    }
    return absl::NotFoundError("line not found");
  }
  if (req.update_mask().paths_size() == 0) return InvalidField("update_mask", "nothing to update");
  SB_ASSIGN_OR_RETURN(pb::Tenant tenant, store_->GetTenant(l.tenant_id()));
  const pb::Line& in = req.line();
  for (const auto& path : req.update_mask().paths()) {
    if (path == "number") l.set_number(in.number());
    else if (path == "extension") l.set_extension(in.extension());
    else if (path == "label") l.set_label(in.label());
    else if (path == "kind") l.set_kind(in.kind());
    else if (path == "user_id") {
      // Assign to another user of the tenant, or back to the admin (empty).
      if (!in.user_id().empty()) {
        SB_ASSIGN_OR_RETURN(pb::User owner, store_->GetUser(in.user_id()));
        if (owner.tenant_id() != l.tenant_id()) return core::WithField(absl::NotFoundError("user not found"), "user_id");
      }
      l.set_user_id(in.user_id());
    } else {
      return InvalidField(path, absl::StrCat("field '", path, "' can't be changed"));
    }
  }
  SB_RETURN_IF_ERROR(NormalizeLine(tenant, &l, ""));
  auto out = store_->UpdateLine(l, {Changed("profile.line_updated", l.tenant_id(), l.user_id(), &l)});
  if (!out.ok()) return ProfileConflict(out.status());
  return out;
}

absl::Status ProfileManager::DeleteLine(const Principal& p, const std::string& id) {
  SB_ASSIGN_OR_RETURN(pb::Line l, store_->GetLine(id));
  if (!p.CanManageTenant(l.tenant_id())) return absl::NotFoundError("line not found");
  return store_->DeleteLine(l.id(), {Changed("profile.line_deleted", l.tenant_id(), l.user_id(), &l)});
}

absl::StatusOr<pb::ResolveLineResponse> ProfileManager::ResolveLine(const Principal& p,
                                                                   const pb::ResolveLineRequest& req) {
  if (!p.CanSeeTenant(req.tenant_id())) return absl::NotFoundError("tenant not found");
  std::string dialed(absl::StripAsciiWhitespace(req.dialed()));
  if (dialed.empty()) return InvalidField("dialed", "dialed is required");
  absl::StatusOr<pb::Line> line = absl::NotFoundError("no line answers to this number");
  std::string country = config_.default_country;
  if (!req.tenant_id().empty()) {
    SB_ASSIGN_OR_RETURN(pb::Tenant tenant, store_->GetTenant(req.tenant_id()));
    country = tenant.country();
    std::string digits = Digits(dialed);
    if (digits == dialed && digits.size() <= 6) line = store_->FindLineByExtension(tenant.id(), digits);
  }
  if (!line.ok() && line.status().code() == absl::StatusCode::kNotFound) {
    if (auto n = numbering_->Normalize(dialed, country); n.ok()) line = store_->FindLineByNumber(n->e164);
  }
  if (!line.ok()) return line.status();
  // A user principal resolves within its own tenant only.
  if (!p.CanSeeTenant(line->tenant_id())) return absl::NotFoundError("no line answers to this number");
  pb::ResolveLineResponse out;
  if (!line->user_id().empty()) {
    SB_ASSIGN_OR_RETURN(*out.mutable_user(), store_->GetUser(line->user_id()));
  }
  *out.mutable_line() = std::move(*line);
  return out;
}

}  // namespace sb::profiles
