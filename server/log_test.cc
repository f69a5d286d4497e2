#include "server/log.h"

#include <cstdint>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace factstore::server {
namespace {

TEST(LogThrottleTest, LetsALineThroughOncePerIntervalAndCountsTheRest) {
  LogThrottle throttle(absl::Seconds(10));
  const absl::Time start = absl::FromUnixSeconds(1000);
  int64_t held_back = -1;
  // The first line is due at once.
  ASSERT_TRUE(throttle.Due(start, &held_back));
  EXPECT_EQ(held_back, 0);
  // A hundred more within the interval are held back ...
  for (int i = 1; i <= 100; ++i) {
    EXPECT_FALSE(throttle.Due(start + absl::Milliseconds(10 * i), &held_back));
  }
  EXPECT_FALSE(throttle.Due(start + absl::Seconds(10) - absl::Nanoseconds(1),
                            &held_back));
  // ... and counted by the next line, one interval after the first.
  ASSERT_TRUE(throttle.Due(start + absl::Seconds(10), &held_back));
  EXPECT_EQ(held_back, 101);
  EXPECT_FALSE(throttle.Due(start + absl::Seconds(11), &held_back));
  ASSERT_TRUE(throttle.Due(start + absl::Seconds(25), &held_back));
  EXPECT_EQ(held_back, 1);
}

TEST(LogThrottleTest, AResetMakesTheNextLineDue) {
  LogThrottle throttle(absl::Seconds(10));
  const absl::Time start = absl::FromUnixSeconds(1000);
  int64_t held_back = -1;
  ASSERT_TRUE(throttle.Due(start, &held_back));
  EXPECT_FALSE(throttle.Due(start + absl::Seconds(1), &held_back));
  throttle.Reset();
  ASSERT_TRUE(throttle.Due(start + absl::Seconds(2), &held_back));
  EXPECT_EQ(held_back, 0);  // what was held back before the reset is forgotten
}

}  // namespace
}  // namespace factstore::server
