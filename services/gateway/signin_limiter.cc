#include "services/gateway/signin_limiter.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace sb::gateway {
namespace {
std::string LoginKey(const std::string& login) {
  return absl::StrCat("sb:signin:login:", absl::AsciiStrToLower(absl::StripAsciiWhitespace(login)));
}
std::string AddressKey(const std::string& address) { return absl::StrCat("sb:signin:addr:", address); }
}  // namespace

absl::StatusOr<std::optional<absl::Duration>> SignInLimiter::Blocked(const std::string& login,
                                                                     const std::string& address) {
  auto replies = redis_->Pipeline({{"GET", LoginKey(login)},
                                   {"PTTL", LoginKey(login)},
                                   {"GET", AddressKey(address)},
                                   {"PTTL", AddressKey(address)}});
  if (!replies.ok()) return replies.status();
  auto count = [](const redis::Reply& r) { return r.is_nil() ? 0 : std::atoi(r.str.c_str()); };
  absl::Duration wait = absl::ZeroDuration();
  if (count((*replies)[0]) >= limits_.per_login) wait = std::max(wait, absl::Milliseconds((*replies)[1].integer));
  if (count((*replies)[2]) >= limits_.per_address) wait = std::max(wait, absl::Milliseconds((*replies)[3].integer));
  if (wait <= absl::ZeroDuration()) return std::nullopt;
  return wait;
}

absl::Status SignInLimiter::RecordFailure(const std::string& login, const std::string& address) {
  auto a = redis_->IncrWithExpiry(LoginKey(login), limits_.window);
  if (!a.ok()) return a.status();
  return redis_->IncrWithExpiry(AddressKey(address), limits_.window).status();
}

absl::Status SignInLimiter::RecordSuccess(const std::string& login) {
  return redis_->Del(LoginKey(login)).status();
}

}  // namespace sb::gateway
