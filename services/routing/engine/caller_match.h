#pragma once
// Who is calling, and does a CallerMatch (a list, a rule's trigger, a
// priority list, ring criteria) cover them? (B4, B8, B1.)
//
// The caller's number is read once per call (CallerInfo) and looked up once
// in the callee's CallerIndex, which knows every list and rule the number
// appears in (number_keys.h says how numbers become keys). Each CallerMatch
// then answers with a bit test and its flags.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "numbering/numbering.h"
#include "services/routing/engine/number_keys.h"
#include "switchboard/routing/v1/routing.pb.h"

namespace sb::routing {

struct Snapshot;
struct CalleeView;

// The caller of one call, as seen from the callee's country.
struct CallerInfo {
  // Withheld or absent number (RFC 3323 Privacy, or no digits at all).
  // Number lists never match an anonymous caller, even when the network
  // told us the number (P-Asserted-Identity): that would reveal it.
  bool anonymous = false;
  std::string key;      // NumberKey: "+33612345678", or literal digits
  std::string literal;  // as presented, without separators
  // The caller's digits in the forms a person writes them, for the
  // blacklist's starts-with/ends-with/contains rules (B9): the national form
  // for a domestic caller ("5149073400"), the international forms for a
  // foreign one ("3221234589", "003221234589"), and the literal.
  absl::InlinedVector<std::string, 3> digit_forms;
  bool subscriber = false;  // a line of ours (a device call)
  bool colleague = false;   // a subscriber of the callee's tenant
  std::string tenant_id;
  std::string extension;
};

// Reads the caller of `setup` for a callee of `callee_tenant_id`.
CallerInfo DescribeCaller(const ::switchboard::routing::v1::CallSetup& setup, const Snapshot& snapshot,
                          std::string_view callee_tenant_id, const DialingRules& rules);

// Reads the numbers of the settings (lists, forward targets, contacts) into
// keys once: libphonenumber first, where it is given and succeeds (it knows
// every country), the engine's dialing rules otherwise (well-formed but
// unallocated numbers, prefixes, countries missing from libphonenumber's
// idea of validity). Memoizes, since contacts repeat across lists.
class SettingsNumberReader {
 public:
  SettingsNumberReader(DialingRules rules, const numbering::Numbering* numbering);

  const DialingRules& rules() const { return rules_; }
  // The key of a complete number; "" when it has no digits.
  std::string Key(std::string_view number);
  // The key of a prefix ("0612*" without the star).
  std::string Prefix(std::string_view prefix) { return PrefixKey(prefix, rules_); }

 private:
  DialingRules rules_;
  const numbering::Numbering* numbering_;
  absl::flat_hash_map<std::string, std::string> memo_;
};

using ContactNumbers = absl::flat_hash_map<std::string, std::vector<std::string>>;

// Which compiled matches cover the caller's number, found once per call by
// CallerIndex::Lookup: a bit per CompiledCallerMatch id.
class CallerHits {
 public:
  bool Has(uint32_t id) const {
    const size_t word = id / 64;
    return word < bits_.size() && (bits_[word] >> (id % 64) & 1) != 0;
  }
  void Set(uint32_t id) {
    const size_t word = id / 64;
    if (word >= bits_.size()) bits_.resize(word + 1, 0);
    bits_[word] |= uint64_t{1} << (id % 64);
  }
  bool contact = false;  // the caller is one of the callee's contacts

 private:
  absl::InlinedVector<uint64_t, 2> bits_;
};

// One CallerMatch, compiled: its numbers, prefixes, contacts and extensions
// live in the CallerIndex it was added to; it keeps its id and the flags.
class CompiledCallerMatch {
 public:
  CompiledCallerMatch() = default;

  // Nothing to match: a rule without trigger applies to anyone, a list
  // without entries to no one; the caller of Matches decides.
  bool empty() const { return empty_; }
  bool Matches(const CallerInfo& caller, const CallerHits& hits) const;

 private:
  friend class CallerIndex;
  static constexpr uint32_t kNoId = ~uint32_t{0};
  uint32_t id_ = kNoId;
  bool any_contact_ = false;
  bool any_colleague_ = false;
  bool anonymous_ = false;
  bool empty_ = true;
};

// The numbers of every CallerMatch of a callee, inverted: number key → the
// matches that list it. Deciding a call costs one lookup per form of the
// caller's number (and per distinct prefix length), however many rules and
// lists there are. Built by Compile (Add, AddContact), then only read.
class CallerIndex {
 public:
  CallerIndex() = default;

  // `contact_numbers` and `group_members` are the callee's (CalleeView).
  CompiledCallerMatch Add(const ::switchboard::routing::v1::CallerMatch& match, SettingsNumberReader& reader,
                          const ContactNumbers& contact_numbers, const ContactNumbers& group_members);
  // A number of the callee's contacts ("anyone in my contacts").
  void AddContact(std::string key);

  CallerHits Lookup(const CallerInfo& caller) const;

 private:
  using Ids = absl::InlinedVector<uint32_t, 2>;
  static void Insert(absl::flat_hash_map<std::string, Ids>& map, std::string key, uint32_t id);
  void Collect(std::string_view form, CallerHits& hits) const;

  uint32_t next_id_ = 0;
  absl::flat_hash_map<std::string, Ids> numbers_;
  absl::flat_hash_map<std::string, Ids> prefixes_;
  absl::flat_hash_map<std::string, Ids> extensions_;
  std::vector<size_t> prefix_lengths_;  // distinct, ascending
  absl::flat_hash_set<std::string> contacts_;
};

}  // namespace sb::routing
