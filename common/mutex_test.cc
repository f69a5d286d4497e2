#include "common/mutex.h"

#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace factstore {
namespace {

TEST(MutexTest, ExcludesAndOrdersWrites) {
  Mutex mu;
  int counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        MutexLock lock(&mu);
        ++counter;
      }
    });
  }
  for (auto& t : threads) t.join();
  MutexLock lock(&mu);
  EXPECT_EQ(counter, 40000);
}

TEST(MutexTest, AwaitWakesWhenAnotherThreadMakesTheConditionTrue) {
  Mutex mu;
  bool ready = false;
  std::thread setter([&] {
    absl::SleepFor(absl::Milliseconds(20));
    MutexLock lock(&mu);
    ready = true;
  });
  {
    MutexLock lock(&mu);
    mu.Await([&] { return ready; });
    EXPECT_TRUE(ready);
  }
  setter.join();
}

TEST(MutexTest, AThreadThatStartsWaitingWakesTheOthers) {
  // The waiter's condition becomes true under a lock that is then released
  // by Await, not by Unlock: the waiter must still wake (as with
  // absl::Mutex), or both threads would wait for each other.
  Mutex mu;
  bool asked = false;
  bool answered = false;
  std::thread waiter([&] {
    MutexLock lock(&mu);
    mu.Await([&] { return asked; });
    answered = true;
  });
  {
    MutexLock lock(&mu);
    // Let the waiter wait first (else the test would pass without it).
    mu.AwaitWithTimeout([] { return false; }, absl::Milliseconds(50));
    asked = true;
    EXPECT_TRUE(
        mu.AwaitWithTimeout([&] { return answered; }, absl::Seconds(10)));
  }
  waiter.join();
}

TEST(MutexTest, AwaitWithTimeoutGivesUp) {
  Mutex mu;
  MutexLock lock(&mu);
  absl::Time start = absl::Now();
  EXPECT_FALSE(
      mu.AwaitWithTimeout([] { return false; }, absl::Milliseconds(30)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(25));
  EXPECT_TRUE(mu.AwaitWithTimeout([] { return true; }, absl::Seconds(5)));
}

}  // namespace
}  // namespace factstore
