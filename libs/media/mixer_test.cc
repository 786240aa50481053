#include "media/mixer.h"

#include <catch2/catch.hpp>
#include <vector>

namespace sb::media {
namespace {

using Frame = std::vector<int16_t>;

TEST_CASE("Each participant hears everyone but themselves") {
  Mixer mixer(4);
  Frame a = {100, 200, 300, 400}, b = {10, 20, 30, 40}, c = {1, 2, 3, 4};
  Frame oa(4), ob(4), oc(4);
  const std::vector<std::span<const int16_t>> in = {a, b, c};
  const std::vector<std::span<int16_t>> out = {oa, ob, oc};
  REQUIRE(mixer.MixMinusOne(in, out));
  CHECK(oa == Frame{11, 22, 33, 44});
  CHECK(ob == Frame{101, 202, 303, 404});
  CHECK(oc == Frame{110, 220, 330, 440});

  Frame all(4);
  mixer.MixAll(in, all);
  CHECK(all == Frame{111, 222, 333, 444});
}

TEST_CASE("Mixing saturates instead of wrapping") {
  Mixer mixer(3);
  Frame a = {30000, -30000, 20000}, b = {30000, -30000, -20000}, c = {30000, -30000, 5};
  Frame oa(3), ob(3), oc(3);
  REQUIRE(mixer.MixMinusOne(std::vector<std::span<const int16_t>>{a, b, c},
                            std::vector<std::span<int16_t>>{oa, ob, oc}));
  CHECK(oa == Frame{32767, -32768, -19995});
  Frame all(3);
  mixer.MixAll(std::vector<std::span<const int16_t>>{a, b, c}, all);
  CHECK(all == Frame{32767, -32768, 5});
}

TEST_CASE("Silent (muted) inputs and listen-only outputs") {
  Mixer mixer(2);
  Frame a = {5, 6}, listener_out(2), a_out(2);
  const std::vector<std::span<const int16_t>> in = {a, {}};  // the listener sends nothing
  REQUIRE(mixer.MixMinusOne(in, std::vector<std::span<int16_t>>{a_out, listener_out}));
  CHECK(a_out == Frame{0, 0});
  CHECK(listener_out == Frame{5, 6});
  // A participant nobody listens to for (empty output) costs nothing.
  REQUIRE(mixer.MixMinusOne(in, std::vector<std::span<int16_t>>{{}, listener_out}));
  CHECK_FALSE(mixer.MixMinusOne(in, std::vector<std::span<int16_t>>{listener_out}));
}

TEST_CASE("A two-party call through the mixer is just the other party") {
  Mixer mixer(160);
  Frame a(160), b(160), oa(160), ob(160);
  for (int i = 0; i < 160; ++i) {
    a[static_cast<size_t>(i)] = static_cast<int16_t>(i * 100 - 8000);
    b[static_cast<size_t>(i)] = static_cast<int16_t>(-i * 50);
  }
  REQUIRE(mixer.MixMinusOne(std::vector<std::span<const int16_t>>{a, b},
                            std::vector<std::span<int16_t>>{oa, ob}));
  CHECK(oa == b);
  CHECK(ob == a);
}

}  // namespace
}  // namespace sb::media
