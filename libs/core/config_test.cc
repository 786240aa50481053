#include "core/config.h"

#include <catch2/catch.hpp>

TEST_CASE("flags fall back to SB_ environment names") {
  CHECK(sb::core::EnvNameForFlag("pg_url") == "SB_PG_URL");
  CHECK(sb::core::EnvNameForFlag("http_listen") == "SB_HTTP_LISTEN");
  CHECK(sb::core::EnvNameForFlag("profiles_addr") == "PROFILES_ADDR");
}
