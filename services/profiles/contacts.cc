// Personal contacts and nestable groups (G1), the company directory and
// speed dials (G3). Routing reads contacts to match callers.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "services/profiles/profile_manager.h"
#include "services/profiles/validation.h"

namespace sb::profiles {
namespace {
using core::InvalidField;

absl::Status CheckAddress(absl::string_view prefix, const pb::PostalAddress& a) {
  SB_RETURN_IF_ERROR(CheckText(absl::StrCat(prefix, ".street"), a.street(), 200));
  SB_RETURN_IF_ERROR(CheckText(absl::StrCat(prefix, ".city"), a.city(), 100));
  SB_RETURN_IF_ERROR(CheckText(absl::StrCat(prefix, ".region"), a.region(), 100));
  SB_RETURN_IF_ERROR(CheckText(absl::StrCat(prefix, ".postal_code"), a.postal_code(), 20));
  SB_RETURN_IF_ERROR(CheckText(absl::StrCat(prefix, ".country"), a.country(), 100));
  return absl::OkStatus();
}

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}
}  // namespace

namespace {
absl::Status NormalizeContact(pb::Contact* c, const std::string& country, const numbering::Numbering& numbering) {
  SB_RETURN_IF_ERROR(CheckText("first_name", c->first_name(), 50));
  SB_RETURN_IF_ERROR(CheckText("last_name", c->last_name(), 50));
  SB_RETURN_IF_ERROR(CheckText("nickname", c->nickname(), 50));
  SB_RETURN_IF_ERROR(CheckText("title", c->title(), 100));
  SB_RETURN_IF_ERROR(CheckText("organization", c->organization(), 100));
  if (c->first_name().empty() && c->last_name().empty() && c->nickname().empty() && c->organization().empty()) {
    return InvalidField("last_name", "a contact needs a name, a nickname or an organization");
  }
  SB_RETURN_IF_ERROR(CheckEmail("email", c->email()));
  SB_RETURN_IF_ERROR(CheckEmail("email2", c->email2()));
  SB_RETURN_IF_ERROR(CheckEmail("sms_address", c->sms_address()));
  if (c->primary_email() != 0 && c->primary_email() != 1 && c->primary_email() != 2) {
    return InvalidField("primary_email", "primary_email must be 1 or 2");
  }
  if (c->numbers_size() > 10) return InvalidField("numbers", "at most 10 numbers per contact");
  int primaries = 0;
  for (int i = 0; i < c->numbers_size(); ++i) {
    auto* n = c->mutable_numbers(i);
    std::string field = absl::StrCat("numbers[", i, "].number");
    if (n->number().empty()) return InvalidField(field, "the number is empty");
    SB_RETURN_IF_ERROR(CheckText(field, n->number(), 32));
    if (auto norm = numbering.Normalize(n->number(), country); norm.ok()) {
      n->set_number(norm->national);
      n->set_number_e164(norm->e164);
    } else {
      // An internal extension or short number is kept as digits.
      std::string digits;
      for (char ch : n->number()) if (absl::ascii_isdigit(static_cast<unsigned char>(ch))) digits += ch;
      if (!AllDigits(digits) || digits.size() > 15) return core::WithField(norm.status(), field);
      n->set_number(digits);
      n->clear_number_e164();
    }
    if (n->kind() == pb::PHONE_KIND_UNSPECIFIED) n->set_kind(pb::OTHER);
    primaries += n->primary();
  }
  if (primaries > 1) return InvalidField("numbers", "only one number can be primary");
  if (primaries == 0 && c->numbers_size() > 0) c->mutable_numbers(0)->set_primary(true);
  SB_RETURN_IF_ERROR(CheckAddress("home_address", c->home_address()));
  SB_RETURN_IF_ERROR(CheckAddress("work_address", c->work_address()));
  if (c->group_ids_size() > 50) return InvalidField("group_ids", "at most 50 groups per contact");
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<pb::Contact> ProfileManager::CreateContact(const Principal& p, const std::string& user_id,
                                                          pb::Contact c) {
  SB_ASSIGN_OR_RETURN(pb::User owner, VisibleUser(p, user_id));
  SB_ASSIGN_OR_RETURN(pb::Tenant tenant, store_->GetTenant(owner.tenant_id()));
  c.clear_id();
  c.set_user_id(owner.id());
  SB_RETURN_IF_ERROR(NormalizeContact(&c, tenant.country(), *numbering_));
  for (const auto& g : c.group_ids()) {
    auto group = store_->GetGroup(g);
    if (!group.ok() || group->user_id() != owner.id()) {
      return core::WithField(absl::NotFoundError(absl::StrCat("contact group ", g, " not found")), "group_ids");
    }
  }
  return store_->InsertContact(owner.tenant_id(), c,
                               {Changed("profile.contacts_changed", owner.tenant_id(), owner.id())});
}

absl::StatusOr<pb::Contact> ProfileManager::GetContact(const Principal& p, const std::string& user_id,
                                                       const std::string& id) {
  SB_ASSIGN_OR_RETURN(pb::User owner, VisibleUser(p, user_id));
  SB_ASSIGN_OR_RETURN(pb::Contact c, store_->GetContact(id));
  if (c.user_id() != owner.id()) return absl::NotFoundError("contact not found");
  return c;
}

absl::StatusOr<pb::ListContactsResponse> ProfileManager::ListContacts(const Principal& p,
                                                                     const pb::ListContactsRequest& req) {
  SB_ASSIGN_OR_RETURN(pb::User owner, VisibleUser(p, req.user_id()));
  SB_RETURN_IF_ERROR(CheckText("query", req.query(), 100));
  Page page = PageOf(req.page_size(), req.page_token());
  SB_ASSIGN_OR_RETURN(auto items, store_->ListContacts(owner.id(), req.query(), req.group_id(), page));
  pb::ListContactsResponse out;
  out.set_next_page_token(NextToken(&items, page));
  for (auto& c : items) *out.add_items() = std::move(c);
  return out;
}

absl::StatusOr<pb::Contact> ProfileManager::UpdateContact(const Principal& p, const pb::UpdateContactRequest& req) {
  SB_ASSIGN_OR_RETURN(pb::User owner, VisibleUser(p, req.user_id()));
  SB_ASSIGN_OR_RETURN(pb::Contact c, store_->GetContact(req.contact().id()));
  if (c.user_id() != owner.id()) return absl::NotFoundError("contact not found");
  if (req.update_mask().paths_size() == 0) return InvalidField("update_mask", "nothing to update");
  // Apply only the named top-level fields: copy each from the request.
  const auto* desc = pb::Contact::descriptor();
  const auto* refl = pb::Contact::GetReflection();
  for (const auto& path : req.update_mask().paths()) {
    const auto* f = desc->FindFieldByName(path);
    if (f == nullptr || path == "id" || path == "user_id" || path == "created_at" || path == "updated_at") {
      return InvalidField(path, absl::StrCat("field '", path, "' can't be changed"));
    }
    refl->ClearField(&c, f);
    if (f->is_repeated()) {
      for (int i = 0; i < refl->FieldSize(req.contact(), f); ++i) {
        if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
          refl->AddMessage(&c, f)->CopyFrom(refl->GetRepeatedMessage(req.contact(), f, i));
        } else {
          refl->AddString(&c, f, refl->GetRepeatedString(req.contact(), f, i));
        }
      }
    } else if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (refl->HasField(req.contact(), f)) refl->MutableMessage(&c, f)->CopyFrom(refl->GetMessage(req.contact(), f));
    } else if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_INT32) {
      refl->SetInt32(&c, f, refl->GetInt32(req.contact(), f));
    } else {
      refl->SetString(&c, f, refl->GetString(req.contact(), f));
    }
  }
  SB_ASSIGN_OR_RETURN(pb::Tenant tenant, store_->GetTenant(owner.tenant_id()));
  SB_RETURN_IF_ERROR(NormalizeContact(&c, tenant.country(), *numbering_));
  for (const auto& g : c.group_ids()) {
    auto group = store_->GetGroup(g);
    if (!group.ok() || group->user_id() != c.user_id()) {
      return core::WithField(absl::NotFoundError(absl::StrCat("contact group ", g, " not found")), "group_ids");
    }
  }
  return store_->UpdateContact(c, {Changed("profile.contacts_changed", tenant.id(), c.user_id())});
}

absl::Status ProfileManager::DeleteContact(const Principal& p, const std::string& user_id, const std::string& id) {
  SB_ASSIGN_OR_RETURN(pb::Contact c, GetContact(p, user_id, id));
  return store_->DeleteContact(c.id(), {Changed("profile.contacts_changed", p.tenant_id, c.user_id())});
}

absl::StatusOr<pb::ContactGroup> ProfileManager::CreateGroup(const Principal& p, const std::string& user_id,
                                                             pb::ContactGroup g) {
  SB_ASSIGN_OR_RETURN(pb::User owner, VisibleUser(p, user_id));
  g.clear_id();
  g.set_user_id(owner.id());
  SB_RETURN_IF_ERROR(CheckText("name", g.name(), 50, /*required=*/true));
  if (!g.dial_code().empty() && (!AllDigits(g.dial_code()) || g.dial_code().size() > 6)) {
    return InvalidField("dial_code", "dial_code must be up to 6 digits");
  }
  auto out = store_->InsertGroup(owner.tenant_id(), g, {Changed("profile.contacts_changed", owner.tenant_id(), owner.id())});
  if (out.status().code() == absl::StatusCode::kAlreadyExists) {
    return core::WithField(absl::AlreadyExistsError("a group with this name already exists here"), "name");
  }
  return out;
}

absl::StatusOr<pb::ContactGroup> ProfileManager::GetGroup(const Principal& p, const std::string& user_id,
                                                          const std::string& id) {
  SB_ASSIGN_OR_RETURN(pb::User owner, VisibleUser(p, user_id));
  SB_ASSIGN_OR_RETURN(pb::ContactGroup g, store_->GetGroup(id));
  if (g.user_id() != owner.id()) return absl::NotFoundError("contact group not found");
  return g;
}

absl::StatusOr<pb::ListContactGroupsResponse> ProfileManager::ListGroups(const Principal& p,
                                                                        const pb::ListContactGroupsRequest& req) {
  SB_ASSIGN_OR_RETURN(pb::User owner, VisibleUser(p, req.user_id()));
  Page page = PageOf(req.page_size(), req.page_token());
  SB_ASSIGN_OR_RETURN(auto items, store_->ListGroups(owner.id(), page));
  pb::ListContactGroupsResponse out;
  out.set_next_page_token(NextToken(&items, page));
  for (auto& g : items) *out.add_items() = std::move(g);
  return out;
}

absl::StatusOr<pb::ContactGroup> ProfileManager::UpdateGroup(const Principal& p,
                                                             const pb::UpdateContactGroupRequest& req) {
  SB_ASSIGN_OR_RETURN(pb::ContactGroup g, GetGroup(p, req.user_id(), req.group().id()));
  if (req.update_mask().paths_size() == 0) return InvalidField("update_mask", "nothing to update");
  for (const auto& path : req.update_mask().paths()) {
    if (path == "name") g.set_name(req.group().name());
    else if (path == "parent_id") g.set_parent_id(req.group().parent_id());
    else if (path == "dial_code") g.set_dial_code(req.group().dial_code());
    else return InvalidField(path, absl::StrCat("field '", path, "' can't be changed"));
  }
  SB_RETURN_IF_ERROR(CheckText("name", g.name(), 50, /*required=*/true));
  if (!g.dial_code().empty() && (!AllDigits(g.dial_code()) || g.dial_code().size() > 6)) {
    return InvalidField("dial_code", "dial_code must be up to 6 digits");
  }
  auto out = store_->UpdateGroup(g, {Changed("profile.contacts_changed", p.tenant_id, g.user_id())});
  if (out.status().code() == absl::StatusCode::kAlreadyExists) {
    return core::WithField(absl::AlreadyExistsError("a group with this name already exists here"), "name");
  }
  return out;
}

absl::Status ProfileManager::DeleteGroup(const Principal& p, const std::string& user_id, const std::string& id) {
  SB_ASSIGN_OR_RETURN(pb::ContactGroup g, GetGroup(p, user_id, id));
  return store_->DeleteGroup(g.id(), {Changed("profile.contacts_changed", p.tenant_id, g.user_id())});
}

absl::StatusOr<pb::SearchDirectoryResponse> ProfileManager::SearchDirectory(const Principal& p,
                                                                           const pb::SearchDirectoryRequest& req) {
  std::string tenant_id = req.tenant_id().empty() ? p.tenant_id : req.tenant_id();
  if (tenant_id.empty() || !p.CanSeeTenant(tenant_id)) return absl::NotFoundError("tenant not found");
  SB_RETURN_IF_ERROR(CheckText("query", req.query(), 100));
  Page page = PageOf(req.page_size(), req.page_token());
  SB_ASSIGN_OR_RETURN(auto items, store_->SearchDirectory(tenant_id, req.query(), page));
  pb::SearchDirectoryResponse out;
  const int size = page.limit - 1;
  if (static_cast<int>(items.size()) > size) {
    items.resize(size);
    out.set_next_page_token(items.back().user_id());
  }
  for (auto& e : items) *out.add_items() = std::move(e);
  return out;
}

absl::StatusOr<pb::ListSpeedDialsResponse> ProfileManager::ListSpeedDials(const Principal& p,
                                                                         const std::string& user_id) {
  SB_ASSIGN_OR_RETURN(pb::User owner, VisibleUser(p, user_id));
  SB_ASSIGN_OR_RETURN(auto items, store_->ListSpeedDials(owner.id()));
  pb::ListSpeedDialsResponse out;
  for (auto& s : items) *out.add_items() = std::move(s);
  return out;
}

absl::StatusOr<pb::SpeedDial> ProfileManager::SetSpeedDial(const Principal& p, const std::string& user_id,
                                                           pb::SpeedDial s) {
  SB_ASSIGN_OR_RETURN(pb::User owner, VisibleUser(p, user_id));
  if (!AllDigits(s.code()) || s.code().size() > 2) return InvalidField("code", "code must be 1 or 2 digits");
  SB_RETURN_IF_ERROR(CheckText("name", s.name(), 50));
  SB_ASSIGN_OR_RETURN(pb::Tenant tenant, store_->GetTenant(owner.tenant_id()));
  if (s.number().empty()) return InvalidField("number", "number is required");
  auto n = numbering_->Normalize(s.number(), tenant.country());
  if (!n.ok()) return core::WithField(n.status(), "number");
  s.set_number(n->national);
  s.set_number_e164(n->e164);
  return store_->UpsertSpeedDial(owner.id(), s);
}

absl::Status ProfileManager::DeleteSpeedDial(const Principal& p, const std::string& user_id, const std::string& code) {
  SB_ASSIGN_OR_RETURN(pb::User owner, VisibleUser(p, user_id));
  return store_->DeleteSpeedDial(owner.id(), code);
}

}  // namespace sb::profiles
