#pragma once
// Keeps the credential cache honest: consumes events.profile and drops what
// changed. profile.device_created/_updated/_deleted name the SIP username
// (a new password, new line keys, a deleted phone); a deleted user or line
// and tenant changes (a renamed SIP domain) are rare and clear the whole
// cache.
//
// Every edge copy must see every event, so each consumes through a group of
// its own (`group`), destroyed again on a clean stop so that copies coming
// and going leave no groups behind (a crashed copy's group stays: its name is
// stable per host and SIP port, so the copy's restart takes it over).
#include <memory>
#include <string>
#include <thread>

#include "events/consumer.h"
#include "redis/client.h"
#include "services/edge/credentials.h"

namespace sb::edge {

class ProfileEvents {
 public:
  // `redis` should be a client of its own: the consumer blocks one
  // connection in XREADGROUP.
  ProfileEvents(redis::Client& redis, CredentialCache* cache, const std::string& group);
  ~ProfileEvents();  // Stop()

  // Creates the group (so events from now on are seen) and starts the thread.
  absl::Status Start();
  // Stops consuming and removes the group. Idempotent.
  void Stop();

  // The handler, public for tests.
  absl::Status Handle(const events::Event& event);

 private:
  redis::Client& redis_;
  CredentialCache* const cache_;
  const std::string group_;
  events::Consumer consumer_;
  std::thread thread_;
};

}  // namespace sb::edge
