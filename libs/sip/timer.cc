#include "sip/timer.h"

#include <algorithm>
#include <exception>

#include "core/logging.h"
#include "sip/sip_stack.h"

namespace sb::sip {

Timer::Timer(SipStack& stack) : timer_(su_timer_create(su_root_task(stack.root()), 0)) {}

Timer::~Timer() {
  if (timer_ != nullptr) su_timer_destroy(timer_);
}

void Timer::Start(absl::Duration after, std::function<void()> fn) {
  if (timer_ == nullptr) return;
  su_timer_reset(timer_);
  fn_ = std::move(fn);
  const int64_t ms = std::clamp<int64_t>(absl::ToInt64Milliseconds(after), 0, int64_t{1} << 30);
  armed_ = su_timer_set_interval(timer_, &Timer::OnExpired, this, static_cast<su_duration_t>(ms)) == 0;
}

void Timer::Cancel() {
  if (timer_ != nullptr) su_timer_reset(timer_);
  armed_ = false;
  fn_ = nullptr;
}

void Timer::OnExpired(SipStack* /*root_magic*/, su_timer_t* /*timer*/, Timer* self) {
  self->armed_ = false;
  // Moved out first: the callback may destroy the Timer.
  std::function<void()> fn = std::move(self->fn_);
  self->fn_ = nullptr;
  if (!fn) return;
  try {
    fn();
  } catch (const std::exception& e) {
    core::Logger("sip")->error("timer callback failed: {}", e.what());
  } catch (...) {
    core::Logger("sip")->error("timer callback failed with an unknown exception");
  }
}

}  // namespace sb::sip
