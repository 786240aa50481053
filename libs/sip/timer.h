#pragma once
// A one-shot timer on a SipStack's loop (su_timer). Loop thread only: create,
// start, cancel and destroy it there; the callback runs there too.
//
//   Timer ring_timeout(stack);
//   ring_timeout.Start(absl::Seconds(20), [this] { NextStep(); });
#include <functional>

#include "absl/time/time.h"
#include "sip/sofia.h"

namespace sb::sip {

class SipStack;

class Timer {
 public:
  explicit Timer(SipStack& stack);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Arms the timer; re-arming replaces the previous deadline and callback.
  void Start(absl::Duration after, std::function<void()> fn);
  void Cancel();
  bool armed() const { return armed_; }

 private:
  static void OnExpired(SipStack* stack, su_timer_t* timer, Timer* self);

  su_timer_t* timer_ = nullptr;
  std::function<void()> fn_;
  bool armed_ = false;
};

}  // namespace sb::sip
