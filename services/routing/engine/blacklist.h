#pragma once
// The tenant's blacklist (B9, Cooptel guide section 8): allow or block rules on
// the caller's digits with equals / starts with / ends with / contains.
//
// - Never applied to anonymous callers (CT 8.1: "Les règles ne
//   s'appliqueront pas aux appels entrants sans numéro, anonymes ou
//   confidentiels"); anonymous rejection (B4) is the callee's own setting.
// - ALLOW rules win over BLOCK rules: "block 514*, allow 5149073400" lets
//   that one number through, which is what an admin writing both means.
// - allow_only_listed: only callers matching an ALLOW rule get through.
// - Rules compare digits only, against every form a person writes the
//   caller's number in (CallerInfo::digit_forms): "5149073400" for a
//   Montreal caller of a Canadian tenant, "003221234589" and "3221234589"
//   for a Brussels caller of a French one.
// - Only callers from outside the tenant: colleagues' internal calls are
//   not "access to the company's numbers" and would otherwise all be
//   refused in allow_only_listed mode.
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "services/routing/engine/caller_match.h"
#include "switchboard/routing/v1/routing.pb.h"

namespace sb::routing {

class CompiledBlacklist {
 public:
  explicit CompiledBlacklist(const ::switchboard::routing::v1::Blacklist& blacklist);

  struct Verdict {
    bool blocked = false;
    // Which rule decided ("block: starts with 514"), or why nothing allowed
    // the caller in allow-only mode; empty when no rule applied.
    std::string_view rule;
  };
  Verdict Check(const CallerInfo& caller) const;

  bool empty() const { return empty_; }

 private:
  // The rules of one effect, by match kind: digits → the rule's description.
  struct RuleSet {
    absl::flat_hash_map<std::string, std::string> equals;
    absl::flat_hash_map<std::string, std::string> starts;
    absl::flat_hash_map<std::string, std::string> ends;
    absl::flat_hash_map<std::string, std::string> contains;
    // Distinct digit counts of the starts/ends/contains rules, so a check is
    // one lookup per (length, position) instead of one per rule.
    std::vector<size_t> start_lengths;
    std::vector<size_t> end_lengths;
    std::vector<size_t> contain_lengths;
    const std::string* Match(std::string_view digits) const;
    void Finish();
  };

  RuleSet allow_;
  RuleSet block_;
  bool allow_only_listed_ = false;
  bool empty_ = true;
};

}  // namespace sb::routing
