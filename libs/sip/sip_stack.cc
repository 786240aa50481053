#include "sip/sip_stack.h"

#include <arpa/inet.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <strings.h>
#include <exception>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/logging.h"
#include "core/status.h"
#include "sip/message.h"

// Sofia's per-module logs; not declared in its public headers.
extern "C" {
extern su_log_t nta_log[];
extern su_log_t tport_log[];
extern su_log_t sresolv_log[];
}

namespace sb::sip {

namespace internal {
// The payload of an su_msg carrying posted work. `fn` is owned: run and
// freed on delivery, freed unrun when the message is dropped.
struct PostedWork {
  SipStack* stack;
  std::function<void()>* fn;
};
}  // namespace internal

namespace {

// spdlog level sofia's lines are written at, for the threshold in use.
spdlog::level::level_enum g_sofia_emit_level = spdlog::level::info;

// Sofia calls its logger with printf fragments that are not always whole
// lines; fragments are gathered per thread and written line by line.
void SofiaLogger(void* /*stream*/, char const* fmt, va_list ap) {
  thread_local std::string pending;
  char buf[2048];
  va_list copy;
  va_copy(copy, ap);
  int n = std::vsnprintf(buf, sizeof buf, fmt, copy);
  va_end(copy);
  if (n < 0) return;
  pending.append(buf, std::min<size_t>(n, sizeof buf - 1));
  size_t nl;
  while ((nl = pending.find('\n')) != std::string::npos) {
    std::string line = pending.substr(0, nl);
    pending.erase(0, nl + 1);
    if (!line.empty()) core::Logger("sofia")->log(g_sofia_emit_level, "{}", line);
  }
  if (pending.size() > 8192) pending.clear();  // a fragment that never ends
}

void RedirectSofiaLogs(const std::string& level) {
  const unsigned threshold = SofiaLogThreshold(level);
  g_sofia_emit_level = threshold >= 9   ? spdlog::level::trace
                       : threshold >= 5 ? spdlog::level::debug
                                        : spdlog::level::info;
  for (su_log_t* log : {su_log_default, su_log_global, nta_log, tport_log, sresolv_log}) {
    su_log_redirect(log, &SofiaLogger, nullptr);
    su_log_set_level(log, threshold);
  }
}

// "host:port" → ("host", "port"), IPv6 hosts in brackets.
absl::StatusOr<std::pair<std::string, std::string>> SplitHostPort(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return absl::InvalidArgumentError(absl::StrCat("sip listen address \"", listen, "\" must be host:port"));
  }
  std::string host = listen.substr(0, colon);
  std::string port = listen.substr(colon + 1);
  int port_number = 0;
  if (!absl::SimpleAtoi(port, &port_number) || port_number < 0 || port_number > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("sip listen port \"", port, "\" is not a port number"));
  }
  if (host.find(':') != std::string::npos && host.front() != '[') host = absl::StrCat("[", host, "]");
  return std::make_pair(host, port);
}

// Sofia does not hand out its sockets: the UDP one is the datagram socket
// of this process bound to our port.
int FindUdpSocket(const std::string& port) {
  int found = -1;
  for (int fd = 3; fd < 1024; ++fd) {
    int type = 0;
    socklen_t len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_DGRAM) continue;
    sockaddr_storage addr{};
    socklen_t alen = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
    int bound = 0;
    if (addr.ss_family == AF_INET) bound = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    if (addr.ss_family == AF_INET6) bound = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    if (bound != 0 && std::to_string(bound) == port) found = fd;
  }
  return found;
}

}  // namespace

unsigned SofiaLogThreshold(const std::string& spdlog_level) {
  if (spdlog_level == "trace") return 9;
  if (spdlog_level == "debug") return 5;
  if (spdlog_level == "info") return 1;
  return 0;
}

SipStack::SipStack(const SipStackConfig& config, RequestHandler* handler)
    : config_(config), handler_(handler) {}

absl::StatusOr<std::unique_ptr<SipStack>> SipStack::Start(const SipStackConfig& config,
                                                          RequestHandler* handler) {
  if (handler == nullptr) return absl::InvalidArgumentError("a SipStack needs a request handler");
  if (!config.udp && !config.tcp) return absl::InvalidArgumentError("enable UDP, TCP or both");
  auto stack = std::unique_ptr<SipStack>(new SipStack(config, handler));
  absl::Status status;
  absl::Notification started;
  stack->thread_ = std::thread([&status, &started, s = stack.get()] { s->Loop(&status, &started); });
  started.WaitForNotification();
  if (!status.ok()) {
    stack->thread_.join();
    return status;
  }
  return stack;
}

SipStack::~SipStack() { Stop(); }

void SipStack::Loop(absl::Status* start_status, absl::Notification* started) {
  loop_thread_id_ = std::this_thread::get_id();
  pthread_setname_np(pthread_self(), "sip-loop");
  su_init();
  RedirectSofiaLogs(config_.log_level);
  su_home_init(home_);
  root_ = su_root_create(this);
  absl::Status status = root_ != nullptr ? Bind() : absl::InternalError("su_root_create failed");
  if (status.ok()) {
    absl::MutexLock lock(&mu_);
    accepting_ = true;
  }
  *start_status = status;
  started->Notify();  // start_status and started are gone after this
  if (status.ok()) su_root_run(root_);

  // Pending server transactions are freed with the agent: their requests
  // get no answer, which is what a stopped server does anyway.
  if (agent_ != nullptr) nta_agent_destroy(agent_);
  if (root_ != nullptr) su_root_destroy(root_);  // drops undelivered posts
  agent_ = nullptr;
  root_ = nullptr;
  su_home_deinit(home_);
  su_deinit();
}

absl::Status SipStack::Bind() {
  SB_ASSIGN_OR_RETURN(auto host_port, SplitHostPort(config_.listen));
  const std::string base = absl::StrCat("sip:", host_port.first, ":", host_port.second);
  std::vector<std::string> urls;
  if (config_.udp) urls.push_back(base + ";transport=udp");
  if (config_.tcp) urls.push_back(base + ";transport=tcp");

  agent_ = nta_agent_create(
      // Requests outside transactions come to OnMessage statelessly.
      root_, URL_STRING_MAKE(urls[0].c_str()), &SipStack::OnMessage, this,
      // A registrar and proxy, not a user agent: no 482 merging of requests,
      // no UA-only behaviour.
      NTATAG_UA(0), NTATAG_MERGE_482(0),
      // RFC 3581: answer to the source port when the client asks (rport).
      NTATAG_SERVER_RPORT(1), NTATAG_MAXSIZE(config_.max_message_bytes),
      TAG_IF(config_.udp_mtu > 0, NTATAG_UDP_MTU(config_.udp_mtu)),
      NTATAG_SIP_T1X64(static_cast<unsigned>(absl::ToInt64Milliseconds(config_.t1x64))),
      TPTAG_UDP_RMEM(config_.udp_buffer_bytes), TPTAG_UDP_WMEM(config_.udp_buffer_bytes),
      // RFC 5626 keep-alives: answer a CRLFCRLF ping with a CRLF pong.
      TPTAG_PONG2PING(1),
      // A TCP peer that starts a message and never finishes it is dropped.
      TPTAG_TIMEOUT(32000), TAG_END());
  if (agent_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot listen for SIP on ", urls[0]));
  }
  for (size_t i = 1; i < urls.size(); ++i) {
    if (nta_agent_add_tport(agent_, URL_STRING_MAKE(urls[i].c_str()), TPTAG_PONG2PING(1),
                            TPTAG_TIMEOUT(32000), TAG_END()) < 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen for SIP on ", urls[i]));
    }
  }
  if (sip_contact_t const* m = nta_agent_contact(agent_); m != nullptr) {
    char buf[256];
    url_e(buf, sizeof buf, m->m_url);
    buf[sizeof buf - 1] = '\0';
    bound_uri_ = buf;
    const url_t* url = m->m_url;
    bound_host_port_ = absl::StrCat(url->url_host != nullptr ? url->url_host : "", ":",
                                    url->url_port != nullptr ? url->url_port : "5060");
    if (config_.udp) udp_fd_ = FindUdpSocket(url->url_port != nullptr ? url->url_port : "5060");
  }
  return absl::OkStatus();
}

int64_t SipStack::udp_backlog_bytes() const {
  if (udp_fd_ < 0) return 0;
  uint32_t meminfo[SK_MEMINFO_VARS] = {};
  socklen_t len = sizeof meminfo;
  if (getsockopt(udp_fd_, SOL_SOCKET, SO_MEMINFO, meminfo, &len) != 0) return 0;
  return meminfo[SK_MEMINFO_RMEM_ALLOC];
}

int SipStack::OnMessage(SipStack* self, nta_agent_t* agent, msg_t* msg, sip_t* sip) {
  if (sip == nullptr || sip->sip_request == nullptr) {
    // A response no client transaction of ours is waiting for.
    if (sip != nullptr && sip->sip_status != nullptr) {
      self->OnStrayResponse(msg, sip);
    } else {
      nta_msg_discard(agent, msg);
    }
    return 0;
  }
  try {
    self->handler_->OnRequest(IncomingRequest(self, msg));
  } catch (const std::exception& e) {
    // Whatever was left unanswered was discarded or answered 500 while
    // unwinding.
    core::Logger("sip")->error("request handler failed: {}", e.what());
  } catch (...) {
    core::Logger("sip")->error("request handler failed with an unknown exception");
  }
  return 0;
}

void SipStack::OnStrayResponse(msg_t* msg, sip_t* sip) {
  const int status = sip->sip_status->st_status;
  const sip_via_t* top = sip->sip_via;
  bool ours = false;
  if (config_.relay_stray_2xx && status >= 200 && status < 300 && sip->sip_cseq != nullptr &&
      sip->sip_cseq->cs_method == sip_method_invite && top != nullptr && top->v_next != nullptr &&
      top->v_host != nullptr) {
    const char* top_port = top->v_port != nullptr && top->v_port[0] != '\0' ? top->v_port : "5060";
    for (const sip_via_t* v = nta_agent_via(agent_); v != nullptr && !ours; v = v->v_next) {
      const char* port = v->v_port != nullptr && v->v_port[0] != '\0' ? v->v_port : "5060";
      ours = v->v_host != nullptr && strcasecmp(v->v_host, top->v_host) == 0 && strcmp(port, top_port) == 0;
    }
  }
  if (!ours) {
    nta_msg_discard(agent_, msg);
    return;
  }
  // nta_msg_tsend removes our Via and sends to the next one (its received
  // and rport when present); it consumes the message.
  if (nta_msg_tsend(agent_, msg, nullptr, TAG_END()) < 0) {
    core::Logger("sip")->debug("{} stray {} could not be relayed", core::CallCtx{CallId(*sip), ""}, status);
    return;
  }
  stray_2xx_relayed_.fetch_add(1, std::memory_order_relaxed);
  core::Logger("sip")->debug("{} stray {} relayed statelessly", core::CallCtx{CallId(*sip), ""}, status);
}

bool SipStack::Post(std::function<void()> fn) {
  absl::ReaderMutexLock lock(&mu_);
  if (!accepting_) return false;
  su_msg_r msg = SU_MSG_R_INIT;
  if (su_msg_create(msg, su_root_task(root_), su_task_null, &SipStack::OnPosted,
                    sizeof(internal::PostedWork)) != 0) {
    core::Logger("sip")->error("su_msg_create failed: posted work dropped");
    return false;
  }
  su_msg_deinitializer(msg, &SipStack::OnPostedDropped);
  internal::PostedWork* work = su_msg_data(msg);
  work->stack = this;
  work->fn = new std::function<void()>(std::move(fn));
  posts_pending_.fetch_add(1, std::memory_order_relaxed);
  // On failure su_msg_send destroys the message, and the deinitializer
  // frees the work.
  return su_msg_send(msg) == 0;
}

void SipStack::OnPosted(SipStack* /*root_magic*/, su_msg_r /*msg*/, internal::PostedWork* work) {
  std::unique_ptr<std::function<void()>> fn(std::exchange(work->fn, nullptr));
  work->stack->posts_pending_.fetch_sub(1, std::memory_order_relaxed);
  if (!fn) return;
  try {
    (*fn)();
  } catch (const std::exception& e) {
    core::Logger("sip")->error("posted work failed: {}", e.what());
  } catch (...) {
    core::Logger("sip")->error("posted work failed with an unknown exception");
  }
}

void SipStack::OnPostedDropped(internal::PostedWork* work) {
  if (work->fn == nullptr) return;  // delivered
  work->stack->posts_pending_.fetch_sub(1, std::memory_order_relaxed);
  delete std::exchange(work->fn, nullptr);
}

absl::Status SipStack::RunInLoop(std::function<void()> fn) {
  if (InLoopThread()) return absl::FailedPreconditionError("RunInLoop from the loop thread would deadlock");
  absl::Notification done;
  if (!Post([&] {
        fn();
        done.Notify();
      })) {
    return absl::UnavailableError("the SIP stack is stopped");
  }
  done.WaitForNotification();
  return absl::OkStatus();
}

void SipStack::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
    if (accepting_) {
      accepting_ = false;
      // Queued after every accepted post, so those run first.
      su_msg_r msg = SU_MSG_R_INIT;
      if (su_msg_create(msg, su_root_task(root_), su_task_null, &SipStack::OnPosted,
                        sizeof(internal::PostedWork)) == 0) {
        su_msg_deinitializer(msg, &SipStack::OnPostedDropped);
        internal::PostedWork* work = su_msg_data(msg);
        work->stack = this;
        work->fn = new std::function<void()>([this] { su_root_break(root_); });
        posts_pending_.fetch_add(1, std::memory_order_relaxed);
        su_msg_send(msg);
      }
    }
  }
  if (InLoopThread()) {
    core::Logger("sip")->critical("SipStack::Stop called on its own loop thread");
    std::terminate();
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace sb::sip
