#pragma once
// Logging: spdlog, one logger per component, call id and tenant on every line
// about a call. Never log secrets (passwords, PINs, tokens, HA1).
#include <memory>
#include <string>

#include <spdlog/spdlog.h>
#include <spdlog/fmt/fmt.h>

#include "absl/strings/string_view.h"

namespace sb::core {

// Configures the default pattern and level ("trace".."off"); `service` names
// the process in every line.
void InitLogging(const std::string& service, const std::string& level);

// A logger for one component ("registrar", "pg"), created on first use.
std::shared_ptr<spdlog::logger> Logger(const std::string& component);

// Context printed as "call=<id> tenant=<id>" in front of a call's log lines:
//   log->info("{} routed to voicemail", CallCtx{call_id, tenant_id});
struct CallCtx {
  std::string call_id;
  std::string tenant;
};

}  // namespace sb::core

// Debian's Abseil has its own string_view type (absl::debian3::string_view),
// which fmt doesn't know: status messages are absl::string_view.
#ifndef ABSL_USES_STD_STRING_VIEW
template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<fmt::string_view> {
  template <typename Ctx>
  auto format(absl::string_view s, Ctx& ctx) const {
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(s.data(), s.size()), ctx);
  }
};
#endif

template <>
struct fmt::formatter<sb::core::CallCtx> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(const sb::core::CallCtx& c, Ctx& ctx) const {
    return fmt::format_to(ctx.out(), "call={} tenant={}", c.call_id.empty() ? "-" : c.call_id,
                          c.tenant.empty() ? "-" : c.tenant);
  }
};
