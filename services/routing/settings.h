#pragma once
// What makes a subscriber's call settings valid (FEATURES B1–B6, B10, B11),
// and how a partial update applies. Pure: no I/O. Every error is
// INVALID_ARGUMENT naming the field the portal shows it on
// ("forward_no_answer.after_s must be between 6 and 3600").
//
// Numbers are stored normalized in the tenant's country: a number of that
// country in its national form ("0612345678"), any other in E.164; an
// extension of the tenant's dial plan (2 to 6 digits) stays as dialed.
#include <google/protobuf/field_mask.pb.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "numbering/numbering.h"
#include "switchboard/routing/v1/routing.pb.h"

namespace sb::routing {

namespace rpb = ::switchboard::routing::v1;

// Limits from the operators' guides.
inline constexpr int kMinForwardNoAnswerS = 6;  // MC: 6–3600 s to another phone
inline constexpr int kMaxForwardNoAnswerS = 3600;
inline constexpr int kMaxVoicemailAfterS = 60;    // MC: 0–60 s to voicemail
inline constexpr int kMaxOutgoingNameChars = 15;  // CT
inline constexpr int kMaxRingSteps = 6;           // AS: six columns of delays
inline constexpr int kMaxListNumbers = 50;
inline constexpr int kDefaultMaxConcurrentCalls = 5;  // MC: five calls by default (B3)

// What validation needs to know about the subscriber's tenant.
struct SettingsContext {
  std::string country;                  // numbers are read in it ("FR")
  int tenant_max_concurrent_calls = 0;  // the account's limit; 0: none known
  const numbering::Numbering* numbering = nullptr;
};

// The settings of a user who never changed any (API.md's defaults).
rpb::CallSettings DefaultCallSettings(const std::string& user_id, bool has_voicemail);

// Applies the fields of `update` named in `mask` onto `current`. A path names
// a field of CallSettings, at any depth ("forward_no_answer" or
// "forward_no_answer.after_s"); a message named whole is replaced whole, as is
// a list. Output-only fields (user_id, updated_at) are ignored. INVALID_ARGUMENT
// naming "update_mask" for an unknown path or an empty mask.
absl::StatusOr<rpb::CallSettings> MergeCallSettings(const rpb::CallSettings& current,
                                                    const rpb::CallSettings& update,
                                                    const google::protobuf::FieldMask& mask);

// The top-level fields a mask touches ("forward_no_answer" for
// "forward_no_answer.after_s"), without output-only ones.
std::vector<std::string> TopLevelFields(const google::protobuf::FieldMask& mask);

// Checks every field of `settings` and normalizes its numbers in place.
// `changed` holds the top-level fields this update set: when two settings
// conflict (find-me/follow-me with forwarding), the error names the one the
// caller just turned on.
absl::Status ValidateCallSettings(rpb::CallSettings* settings, const SettingsContext& ctx,
                                  const std::vector<std::string>& changed = {});

// ---- helpers shared with rule lists and schedules

// A number a person entered: an extension of the tenant, or a phone number
// (stored as described above). `field` names it in errors. Forward targets
// may not be premium-rate numbers.
absl::StatusOr<std::string> NormalizeNumber(absl::string_view input, absl::string_view field,
                                            const SettingsContext& ctx, bool forward_target);
// NormalizeNumber for a forward target.
absl::StatusOr<std::string> NormalizeTarget(absl::string_view input, absl::string_view field,
                                            const SettingsContext& ctx);
// Callers a list matches: numbers normalized (a trailing '*' keeps a prefix
// as digits), extensions digits only, ids non-empty.
absl::Status NormalizeCallerMatch(rpb::CallerMatch* match, absl::string_view field,
                                  const SettingsContext& ctx);
absl::Status NormalizeRingTargets(google::protobuf::RepeatedPtrField<rpb::RingTarget>* targets,
                                  absl::string_view field, const SettingsContext& ctx);
// At most `max` characters (code points of UTF-8), no control characters.
absl::Status CheckText(absl::string_view value, absl::string_view field, int max, bool required = false);

}  // namespace sb::routing
