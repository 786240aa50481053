#include "services/routing/engine/blacklist.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/routing/engine/absl_view.h"
#include "services/routing/engine/number_keys.h"

namespace sb::routing {
namespace {

namespace rpb = ::switchboard::routing::v1;

constexpr std::string_view kNotListed = "allow only listed: no allow rule matches";

std::string_view MatchWords(rpb::BlacklistRule::Match match) {
  switch (match) {
    case rpb::BlacklistRule::STARTS_WITH:
      return "starts with";
    case rpb::BlacklistRule::ENDS_WITH:
      return "ends with";
    case rpb::BlacklistRule::CONTAINS:
      return "contains";
    default:
      return "equals";
  }
}

void SortedUnique(std::vector<size_t>& lengths) {
  std::sort(lengths.begin(), lengths.end());
  lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
}

}  // namespace

void CompiledBlacklist::RuleSet::Finish() {
  for (const auto& [digits, rule] : starts) start_lengths.push_back(digits.size());
  for (const auto& [digits, rule] : ends) end_lengths.push_back(digits.size());
  for (const auto& [digits, rule] : contains) contain_lengths.push_back(digits.size());
  SortedUnique(start_lengths);
  SortedUnique(end_lengths);
  SortedUnique(contain_lengths);
}

const std::string* CompiledBlacklist::RuleSet::Match(std::string_view digits) const {
  if (auto it = equals.find(Av(digits)); it != equals.end()) return &it->second;
  for (size_t length : start_lengths) {
    if (length > digits.size()) break;
    if (auto it = starts.find(Av(digits.substr(0, length))); it != starts.end()) return &it->second;
  }
  for (size_t length : end_lengths) {
    if (length > digits.size()) break;
    if (auto it = ends.find(Av(digits.substr(digits.size() - length))); it != ends.end()) {
      return &it->second;
    }
  }
  for (size_t length : contain_lengths) {
    if (length > digits.size()) break;
    for (size_t pos = 0; pos + length <= digits.size(); ++pos) {
      if (auto it = contains.find(Av(digits.substr(pos, length))); it != contains.end()) {
        return &it->second;
      }
    }
  }
  return nullptr;
}

CompiledBlacklist::CompiledBlacklist(const rpb::Blacklist& blacklist)
    : allow_only_listed_(blacklist.allow_only_listed()) {
  for (const rpb::BlacklistRule& rule : blacklist.rules()) {
    // CT 8.2: "Les chiffres doivent être sans espace ni tiret"; whatever else
    // got stored is read as its digits.
    std::string digits = DigitsOf(rule.digits());
    if (digits.empty()) continue;
    const bool allow = rule.effect() == rpb::BlacklistRule::ALLOW;
    RuleSet& set = allow ? allow_ : block_;
    std::string description =
        absl::StrCat(allow ? "allow: " : "block: ", Av(MatchWords(rule.match())), " ", digits);
    switch (rule.match()) {
      case rpb::BlacklistRule::STARTS_WITH:
        set.starts.try_emplace(std::move(digits), std::move(description));
        break;
      case rpb::BlacklistRule::ENDS_WITH:
        set.ends.try_emplace(std::move(digits), std::move(description));
        break;
      case rpb::BlacklistRule::CONTAINS:
        set.contains.try_emplace(std::move(digits), std::move(description));
        break;
      default:  // EQUALS, and the unspecified default the portal shows first
        set.equals.try_emplace(std::move(digits), std::move(description));
        break;
    }
    empty_ = false;
  }
  allow_.Finish();
  block_.Finish();
  if (allow_only_listed_) empty_ = false;
}

CompiledBlacklist::Verdict CompiledBlacklist::Check(const CallerInfo& caller) const {
  if (empty_ || caller.anonymous || caller.colleague) return {};
  for (const std::string& form : caller.digit_forms) {
    if (const std::string* rule = allow_.Match(form)) return {false, *rule};
  }
  for (const std::string& form : caller.digit_forms) {
    if (const std::string* rule = block_.Match(form)) return {true, *rule};
  }
  if (allow_only_listed_) return {true, kNotListed};
  return {};
}

}  // namespace sb::routing
