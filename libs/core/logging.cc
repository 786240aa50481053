#include "core/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include "absl/synchronization/mutex.h"

namespace sb::core {

void InitLogging(const std::string& service, const std::string& level) {
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%L%$ " + service + " [%n] %v");
  spdlog::set_level(spdlog::level::from_str(level.empty() ? "info" : level));
  spdlog::flush_on(spdlog::level::warn);
}

std::shared_ptr<spdlog::logger> Logger(const std::string& component) {
  if (auto existing = spdlog::get(component)) return existing;
  // Two threads asking for a new component at once both miss above; the
  // registry throws for the second registration. Create under one lock.
  static absl::Mutex mu(absl::kConstInit);
  absl::MutexLock lock(&mu);
  if (auto existing = spdlog::get(component)) return existing;
  auto logger = spdlog::stderr_color_mt(component);
  logger->set_level(spdlog::get_level());
  return logger;
}

}  // namespace sb::core
