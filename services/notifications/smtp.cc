#include "services/notifications/smtp.h"

#include <curl/curl.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace sb::notifications {
namespace {

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadBody(char* buf, size_t size, size_t nitems, void* userp) {
  auto* up = static_cast<Upload*>(userp);
  size_t n = std::min(size * nitems, up->data->size() - up->offset);
  std::memcpy(buf, up->data->data() + up->offset, n);
  up->offset += n;
  return n;
}

// libcurl's global init is not thread-safe; do it once before any handle.
void GlobalInit() {
  static const bool done = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)done;
}

}  // namespace

std::string AddressOf(const std::string& mailbox) {
  size_t lt = mailbox.rfind('<');
  size_t gt = mailbox.rfind('>');
  if (lt != std::string::npos && gt != std::string::npos && gt > lt)
    return mailbox.substr(lt + 1, gt - lt - 1);
  return mailbox;
}

std::string RedactedUrl(const std::string& url) {
  size_t scheme = url.find("://");
  size_t at = url.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return absl::StrCat(url.substr(0, colon + 1), "***", url.substr(at));
}

SmtpClient::SmtpClient(SmtpConfig config) : config_(std::move(config)) {
  GlobalInit();
  curl_ = curl_easy_init();
}

SmtpClient::~SmtpClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

absl::Status SmtpClient::Send(const std::vector<std::string>& recipients, const std::string& message) {
  CURL* c = static_cast<CURL*>(curl_);
  if (c == nullptr) return absl::UnavailableError("libcurl could not be initialised");
  if (recipients.empty()) return absl::InvalidArgumentError("no recipient");
  // Options are set again for every message; the connection (kept by the
  // handle) is reused when the server still has it open.
  curl_easy_reset(c);
  char err[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(c, CURLOPT_URL, config_.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(config_.connect_timeout)));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(config_.timeout)));
  if (config_.url.rfind("smtp://", 0) == 0) {
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     config_.starttls == StartTls::kRequired ? static_cast<long>(CURLUSESSL_ALL)
                     : config_.starttls == StartTls::kTry    ? static_cast<long>(CURLUSESSL_TRY)
                                                             : static_cast<long>(CURLUSESSL_NONE));
  }
  if (!config_.verify_tls) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  const std::string from = absl::StrCat("<", AddressOf(config_.from), ">");
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_slist* rcpt = nullptr;
  for (const auto& r : recipients)
    rcpt = curl_slist_append(rcpt, absl::StrCat("<", AddressOf(r), ">").c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  Upload up{&message};
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadBody);
  curl_easy_setopt(c, CURLOPT_READDATA, &up);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));

  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(rcpt);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (rc == CURLE_OK) return absl::OkStatus();
  std::string why =
      absl::StrCat("smtp ", RedactedUrl(config_.url), ": ", err[0] ? err : curl_easy_strerror(rc),
                   code ? absl::StrCat(" (reply ", code, ")") : "");
  if (code >= 500 && code < 600) return absl::FailedPreconditionError(why);
  return absl::UnavailableError(why);
}

}  // namespace sb::notifications
