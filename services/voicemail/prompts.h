#pragma once
// The voicemail's spoken prompts, French and English, loaded once at start
// from the 8 kHz WAV files the build generates with espeak-ng
// (prompts/generate.sh, prompts.tsv). Prompts are immutable and shared by
// every call. Phrases with a number are assembled: "you have" + "3" + "new
// messages"; phone numbers are read digit by digit.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "media/playback.h"

namespace sb::voicemail {

using PromptList = std::vector<std::shared_ptr<const media::Prompt>>;

class PromptLibrary {
 public:
  // Reads <dir>/fr/*.wav and <dir>/en/*.wav. NOT_FOUND if a language is
  // missing or has no prompt (the build did not generate them).
  static absl::StatusOr<std::unique_ptr<PromptLibrary>> Load(const std::string& dir);

  // The prompt, in `lang` ("fr"/"en"; anything else is French); an empty
  // list if unknown (logged once per id), so a missing prompt is silence,
  // not a dropped call.
  PromptList Get(const std::string& lang, const std::string& id) const;
  bool Has(const std::string& lang, const std::string& id) const {
    return prompts_.count((lang == "en" ? "en/" : "fr/") + id) > 0;
  }
  // 0–100 as words; larger numbers digit by digit.
  PromptList Number(const std::string& lang, int n) const;
  PromptList Digits(const std::string& lang, const std::string& digits) const;
  // The record beep (1 kHz, VoicemailBeep in media/tones.h).
  std::shared_ptr<const media::Prompt> beep() const { return beep_; }
  // Music on hold for early media (X-Sb-Early-Media: music): <dir>/music_on_hold.wav
  // if the operator put one there (8 kHz mono), else RenderHoldMusic's loop.
  std::shared_ptr<const media::Prompt> music_on_hold() const { return music_on_hold_; }
  size_t size() const { return prompts_.size(); }

 private:
  std::map<std::string, std::shared_ptr<const media::Prompt>> prompts_;  // "fr/enter_pin"
  std::shared_ptr<const media::Prompt> beep_;
  std::shared_ptr<const media::Prompt> music_on_hold_;
};

// Concatenation helper: Cat(a, b, c).
inline PromptList Cat(std::initializer_list<PromptList> parts) {
  PromptList out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace sb::voicemail
