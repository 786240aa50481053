#pragma once
// Phone-number normalization and dialed-string classification, per tenant
// country. Backed by libphonenumber, whose headers stay in numbering.cc so that
// callers do not compile (or link against) protobuf-generated metadata types.
//
// Threading: a Numbering is immutable after construction; every method is const
// and safe to call from any number of threads. Copies share one instance of the
// (expensive to build) short-number metadata, so pass it by value or keep one
// per process and hand out references — both are cheap.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace sb::numbering {

// What a dialed string or a stored number is, in the words outgoing call
// barring uses (FEATURES B10, MetaCentrex 2.5.3).
enum class Category {
  kExtension,  // a number of the tenant's private dial plan
  kLocal,      // fixed line in the caller's own area code
  kNational,   // fixed line (or VoIP/personal/UAN) elsewhere in the country
  kMobile,
  kTollFree,
  kSharedCost,
  kPremium,
  kInternational,  // any number of another country (see Classify)
  kOperator,       // operator assistance ("0" in NANP)
  kDirectory,      // directory enquiries (FR 118xxx, NANP 411)
  kEmergency,
  kShortCode,         // other network short services (NANP 311/511, FR 3949)
  kAccessCode,        // star/hash service codes (*318, #31#)
  kConfigAccessCode,  // star codes that change the line's configuration (*72)
  kInvalid,
};

// "EXTENSION", "LOCAL", ..., "CONFIG_ACCESS_CODE", "INVALID": stable names for
// APIs, storage and logs.
std::string_view CategoryName(Category category);
// The inverse of CategoryName; nullopt for an unknown name.
std::optional<Category> CategoryFromName(std::string_view name);

// A star code that changes the line's configuration, so that "configuration
// access codes" can be barred separately from access codes that only use a
// service (voicemail *318, withhold-once *67).
struct ConfigAccessCode {
  std::string_view code;  // "*72"
  std::string_view what;  // "activate unconditional call forwarding"
};
// The whole table, in one place; Classify matches it.
std::span<const ConfigAccessCode> ConfigAccessCodes();

struct Normalized {
  std::string e164;                        // "+33222969569"
  std::string national;                    // "0222969569": digits only, national format of `region`
  std::string region;                      // "FR": the number's own region (CLDR code)
  Category category = Category::kInvalid;  // never kLocal: no caller to compare with
};

struct DialPlan {
  std::string country;  // tenant country, CLDR region code: "FR", "CA"
  int min_extension_digits = 2;
  int max_extension_digits = 6;
  // The caller's own number in E.164, to tell kLocal from kNational (and to
  // complete NANP 7-digit dialing). Empty: no call is kLocal.
  std::string home_e164;
  // What the phone dials before a country code ("00" in FR, "011" in NANP).
  // Empty: every international prefix libphonenumber knows for `country`.
  std::string international_access_code;
};

struct Classified {
  Category category = Category::kInvalid;
  std::string e164;    // set for phone numbers (kLocal ... kInternational)
  std::string digits;  // the dialed string without separators: "*72", "+4420..."
};

class Numbering {
 public:
  // Builds libphonenumber's short-number metadata (a few milliseconds): make one
  // per process and share it.
  Numbering();
  ~Numbering();
  Numbering(const Numbering&);
  Numbering& operator=(const Numbering&);

  // A number a person typed into the portal (forward-to targets, lists, the
  // account's own numbers), read in the tenant's `country`. Returns
  // INVALID_ARGUMENT naming the field "number" with a message the person can
  // act on; an unknown country names the field "country".
  absl::StatusOr<Normalized> Normalize(std::string_view input, std::string_view country) const;

  // What a phone dialed. Never fails: anything unusable is kInvalid. The checks
  // run in this order, and the first that matches wins:
  //   1. access codes (starting with * or #), configuration ones first;
  //   2. emergency numbers;
  //   3. directory, operator and other short service codes;
  //   4. extensions (digits only, within the plan's length range);
  //   5. phone numbers, parsed by libphonenumber in the plan's country.
  Classified Classify(std::string_view dialed, const DialPlan& plan) const;

  // The international prefix a phone in `country` dials ("00", "011"), as
  // libphonenumber prefers it; "" for an unknown country.
  std::string InternationalAccessCode(std::string_view country) const;

 private:
  class Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace sb::numbering
