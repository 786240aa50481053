#include "core/logging.h"

#include <thread>
#include <vector>

#include <catch2/catch.hpp>

namespace sb::core {
namespace {

TEST_CASE("threads asking for a new component's logger at once all get the same one") {
  for (int round = 0; round < 20; ++round) {
    const std::string name = "race-" + std::to_string(round);
    std::vector<std::shared_ptr<spdlog::logger>> got(8);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < got.size(); ++i) threads.emplace_back([&, i] { got[i] = Logger(name); });
    for (auto& t : threads) t.join();
    for (const auto& l : got) {
      REQUIRE(l != nullptr);
      CHECK(l == got[0]);
    }
  }
}

}  // namespace
}  // namespace sb::core
