#include "services/routing/engine/caller_match.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/routing/engine/absl_view.h"
#include "services/routing/engine/engine.h"

namespace sb::routing {
namespace {

namespace rpb = ::switchboard::routing::v1;

bool HasDigit(std::string_view s) { return std::any_of(s.begin(), s.end(), absl::ascii_isdigit); }

void AddForm(CallerInfo& caller, std::string form) {
  if (form.empty()) return;
  if (std::find(caller.digit_forms.begin(), caller.digit_forms.end(), form) != caller.digit_forms.end()) {
    return;
  }
  caller.digit_forms.push_back(std::move(form));
}

}  // namespace

CallerInfo DescribeCaller(const rpb::CallSetup& setup, const Snapshot& snapshot,
                          std::string_view callee_tenant_id, const DialingRules& rules) {
  CallerInfo caller;
  const rpb::Party& party = setup.caller();
  caller.subscriber = !party.user_id().empty() || snapshot.caller.has_value();
  if (caller.subscriber) {
    // A trunk's setup carries the trunk's tenant in setup.tenant_id, so only a
    // subscriber's own tenant makes it a colleague.
    if (!party.tenant_id().empty()) {
      caller.tenant_id = party.tenant_id();
    } else if (snapshot.caller) {
      caller.tenant_id = snapshot.caller->line.tenant_id;
    } else {
      caller.tenant_id = setup.tenant_id();
    }
    caller.colleague = !caller.tenant_id.empty() && caller.tenant_id == callee_tenant_id;
    caller.extension =
        !party.extension().empty() || !snapshot.caller ? party.extension() : snapshot.caller->line.extension;
  }

  // The network-asserted E.164 is the better source; what the caller
  // presented is the fallback ("anonymous" and other words carry no digits).
  std::string_view presented = party.number_e164();
  if (!HasDigit(presented)) presented = party.number();
  if (!HasDigit(presented) && caller.colleague) presented = caller.extension;
  // Withholding is for the outside world: inside the company a colleague is
  // always identified (PX internal caller display), so a colleague who
  // withholds their number is never an "anonymous caller" here.
  const bool withheld = party.anonymous() && !caller.colleague;
  if (withheld || !HasDigit(presented)) {
    caller.anonymous = true;
    return caller;
  }
  caller.literal = CleanDialString(party.number().empty() ? presented : party.number());
  caller.key = NumberKey(presented, rules);

  std::string national = NationalDigits(caller.key, rules);
  if (!national.empty()) {
    AddForm(caller, std::move(national));
  } else if (caller.key.size() > 1 && caller.key[0] == '+') {
    const std::string international = caller.key.substr(1);
    if (!rules.international_prefix.empty()) {
      AddForm(caller, absl::StrCat(rules.international_prefix, international));
    }
    AddForm(caller, international);
  }
  AddForm(caller, DigitsOf(caller.literal));
  return caller;
}

SettingsNumberReader::SettingsNumberReader(DialingRules rules, const numbering::Numbering* numbering)
    : rules_(std::move(rules)), numbering_(numbering) {}

std::string SettingsNumberReader::Key(std::string_view number) {
  if (!HasDigit(number)) return "";
  const std::string input(number);
  if (auto it = memo_.find(input); it != memo_.end()) return it->second;
  std::string key;
  // Short strings are extensions and service codes: libphonenumber would
  // refuse them after a costly parse.
  if (numbering_ != nullptr && DigitsOf(input).size() > 6 && !rules_.country.empty()) {
    absl::StatusOr<numbering::Normalized> normalized = numbering_->Normalize(input, rules_.country);
    if (normalized.ok()) key = normalized->e164;
  }
  if (key.empty()) key = NumberKey(input, rules_);
  memo_.emplace(input, key);
  return key;
}

void CallerIndex::Insert(absl::flat_hash_map<std::string, Ids>& map, std::string key, uint32_t id) {
  Ids& ids = map[std::move(key)];
  if (ids.empty() || ids.back() != id) ids.push_back(id);
}

void CallerIndex::AddContact(std::string key) {
  if (!key.empty()) contacts_.insert(std::move(key));
}

CompiledCallerMatch CallerIndex::Add(const rpb::CallerMatch& match, SettingsNumberReader& reader,
                                     const ContactNumbers& contact_numbers,
                                     const ContactNumbers& group_members) {
  CompiledCallerMatch compiled;
  compiled.any_contact_ = match.any_contact();
  compiled.any_colleague_ = match.any_colleague();
  compiled.anonymous_ = match.anonymous();
  // Entries that named something (a contact since deleted, an empty group)
  // still make the match non-empty: a list of only stale entries matches no
  // one, it must not turn into "anyone".
  compiled.empty_ = match.numbers().empty() && match.contact_ids().empty() && match.group_ids().empty() &&
                    match.extensions().empty() && !compiled.any_contact_ && !compiled.any_colleague_ &&
                    !compiled.anonymous_;
  if (compiled.empty_) return compiled;
  const uint32_t id = next_id_++;
  compiled.id_ = id;

  auto add_contact = [&](const std::string& contact_id) {
    auto it = contact_numbers.find(contact_id);
    if (it == contact_numbers.end()) return;
    for (const std::string& number : it->second) {
      if (std::string key = reader.Key(number); !key.empty()) Insert(numbers_, std::move(key), id);
    }
  };
  for (const std::string& entry : match.numbers()) {
    const std::string cleaned = CleanDialString(entry);
    if (cleaned.empty()) continue;
    if (cleaned.back() == '*' && cleaned.size() > 1) {
      std::string prefix = reader.Prefix(cleaned);
      // "*" alone would be "anyone": that is an empty trigger, not a number.
      if (prefix.empty() || !HasDigit(prefix)) continue;
      if (std::find(prefix_lengths_.begin(), prefix_lengths_.end(), prefix.size()) == prefix_lengths_.end()) {
        prefix_lengths_.insert(
            std::upper_bound(prefix_lengths_.begin(), prefix_lengths_.end(), prefix.size()), prefix.size());
      }
      Insert(prefixes_, std::move(prefix), id);
      continue;
    }
    if (std::string key = reader.Key(cleaned); !key.empty()) {
      // The literal form too: a caller whose number the engine can only read
      // literally (a short code, a number of an unknown country presented
      // without '+') still matches the entry written the same way.
      if (key != cleaned) Insert(numbers_, cleaned, id);
      Insert(numbers_, std::move(key), id);
    }
  }
  for (const std::string& contact_id : match.contact_ids()) add_contact(contact_id);
  for (const std::string& group_id : match.group_ids()) {
    auto it = group_members.find(group_id);
    if (it == group_members.end()) continue;
    for (const std::string& contact_id : it->second) add_contact(contact_id);
  }
  for (const std::string& extension : match.extensions()) {
    if (std::string cleaned = CleanDialString(extension); !cleaned.empty()) {
      Insert(extensions_, std::move(cleaned), id);
    }
  }
  return compiled;
}

void CallerIndex::Collect(std::string_view form, CallerHits& hits) const {
  if (form.empty()) return;
  if (auto it = numbers_.find(Av(form)); it != numbers_.end()) {
    for (uint32_t id : it->second) hits.Set(id);
  }
  for (size_t length : prefix_lengths_) {
    if (length > form.size()) break;
    if (auto it = prefixes_.find(Av(form.substr(0, length))); it != prefixes_.end()) {
      for (uint32_t id : it->second) hits.Set(id);
    }
  }
}

CallerHits CallerIndex::Lookup(const CallerInfo& caller) const {
  CallerHits hits;
  if (caller.anonymous) return hits;  // numbers never match a withheld caller
  Collect(caller.key, hits);
  if (caller.literal != caller.key) Collect(caller.literal, hits);
  if (caller.colleague && !caller.extension.empty()) {
    // A colleague by extension, whether listed as an extension or as a
    // number ("4002" typed into a list).
    if (auto it = extensions_.find(caller.extension); it != extensions_.end()) {
      for (uint32_t id : it->second) hits.Set(id);
    }
    if (caller.extension != caller.literal && caller.extension != caller.key) {
      Collect(caller.extension, hits);
    }
  }
  hits.contact = contacts_.contains(caller.key);
  return hits;
}

bool CompiledCallerMatch::Matches(const CallerInfo& caller, const CallerHits& hits) const {
  if (caller.anonymous) return anonymous_;
  if (caller.colleague && any_colleague_) return true;
  if (id_ != kNoId && hits.Has(id_)) return true;
  return any_contact_ && hits.contact;
}

}  // namespace sb::routing
