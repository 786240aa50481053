#pragma once
// What the voicemail user agent does with a call: deposit (a caller leaving
// a message, C2/C6) or retrieval (the owner listening by phone, C7/B13), and
// the call-outs notifications asks for (PlaceCall).
//
// Threading: each call runs its script on a thread of its own. A script is a
// sequence of "play this, wait for a key or the end of the prompt, record
// until # or hang-up", which reads naturally as blocking code; the thread
// mostly sleeps in Call::WaitEvent while the media engine does the 20 ms
// work, so hundreds of such threads cost memory (their stacks), not CPU.
// CallRouter counts them so shutdown can wait for them.
#include <atomic>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "services/voicemail/prompts.h"
#include "services/voicemail/voicemail_manager.h"
#include "sipua/user_agent.h"

namespace sb::voicemail {

struct FlowConfig {
  // Request-URI users that mean "retrieval" (B13 *318, CT remote access 8500).
  std::vector<std::string> retrieval_users = {"*318", "retrieval", "8500"};
  int max_pin_attempts = 3;
  absl::Duration silence_timeout = absl::Seconds(8);
  absl::Duration digit_timeout = absl::Seconds(8);
  // Messages shorter than this with no voice in them are not kept.
  absl::Duration min_message = absl::Milliseconds(500);
  // Early-media music is stopped (480) after this if nobody CANCELs it.
  absl::Duration early_media_cap = absl::Minutes(10);
};

class CallRouter : public sipua::IncomingCallHandler {
 public:
  CallRouter(FlowConfig config, VoicemailManager* manager, ProfilesClient* profiles,
             const PromptLibrary* prompts)
      : config_(std::move(config)), manager_(manager), profiles_(profiles), prompts_(prompts) {}

  // SIP thread: starts the call's script on its own thread.
  void OnIncomingCall(std::shared_ptr<sipua::Call> call) override;

  // Originates a call (PlaceCall) through `ua`; returns once answered or
  // failed; an answered call's script continues on its own thread.
  vpb::PlaceCallResponse PlaceCall(sipua::UserAgent* ua, const vpb::PlaceCallRequest& req,
                                   const std::string& outbound_domain);

  // Waits until every script has finished (calls were hung up by the UA's Stop).
  void WaitIdle();
  int active() const { return active_.load(); }

  // The scripts (public for tests).
  void Deposit(sipua::Call& call);
  void Retrieval(sipua::Call& call);
  // An announcement routing decided (X-Sb-Announcement): answer, play, hang up.
  void Announce(sipua::Call& call);
  // X-Sb-Early-Media: what plays before (instead of) an answer; never a 200.
  void EarlyMedia(sipua::Call& call);
  // "music": music instead of ringback (find-me/follow-me): 183 with SDP,
  // music on hold in a loop; the edge's CANCEL ends it (487), or
  // early_media_cap (480). Nothing recorded or published.
  void EarlyMusic(sipua::Call& call);
  // "announcement": a reject told first (B8 "reject with message",
  // anonymous rejection): 183 with SDP, the X-Sb-Announcement prompt once,
  // then the X-Sb-Reject status (e.g. "433 Anonymity Disallowed"). Without
  // an SDP offer to answer, the status at once.
  void RejectWithMessage(sipua::Call& call);

 private:
  void Spawn(std::shared_ptr<sipua::Call> call, std::function<void(sipua::Call&)> script);
  // The prompt for X-Sb-Announcement (announce_<name>, announce_generic when
  // there is none), in X-Sb-Language or the language of X-Sb-User.
  struct NamedPrompt {
    std::string name, lang, id;
  };
  NamedPrompt AnnouncementPrompt(const sipua::CallInfo& info);
  // Login + menus for a known mailbox (PIN unless skipped).
  void RetrievalFor(sipua::Call& call, MailboxRow mailbox, bool ask_pin);
  void PlayMessages(sipua::Call& call, const MailboxRow& mailbox, const std::string& lang, bool only_new);
  void RecordTemporaryGreeting(sipua::Call& call, const MailboxRow& mailbox, const std::string& lang);
  // Options (key 0, Cooptel 1.3/1.4): the personal and busy greetings, and
  // the temporary one (4, then 1 record / 2 remove).
  void OptionsMenu(sipua::Call& call, const MailboxRow& mailbox, const std::string& lang);
  void GreetingMenu(sipua::Call& call, const MailboxRow& mailbox, const std::string& lang,
                    vpb::GreetingSlot slot);
  // Records after the tone until # (or silence, or 2 minutes). nullopt when
  // the caller hung up or said nothing.
  std::optional<std::vector<int16_t>> RecordAfterTone(sipua::Call& call, PromptList prompt);
  // Record, then review: 1 listen, 2 keep, 3 again, * cancel. Stored like an
  // uploaded greeting. Returns whether one was stored.
  bool RecordGreeting(sipua::Call& call, const MailboxRow& mailbox, const std::string& lang,
                      vpb::GreetingSlot slot);

  FlowConfig config_;
  VoicemailManager* manager_;
  ProfilesClient* profiles_;
  const PromptLibrary* prompts_;
  std::atomic<int> active_{0};
  absl::Mutex mu_;
};

}  // namespace sb::voicemail
