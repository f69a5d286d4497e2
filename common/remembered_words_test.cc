#include "common/remembered_words.h"

#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace factstore {
namespace {

TEST(RememberedWordsTest, ComputesEachWordOnceAndRemembersIt) {
  RememberedWords<std::string> folded(/*capacity=*/8);
  int computed = 0;
  auto fold = [&](absl::string_view word) {
    ++computed;
    return std::string(word) + "!";
  };
  EXPECT_EQ(folded.Get("Nẵng", fold), "Nẵng!");
  EXPECT_EQ(folded.Get("Nẵng", fold), "Nẵng!");
  EXPECT_EQ(folded.Get("서울", fold), "서울!");
  EXPECT_EQ(computed, 2);
  EXPECT_EQ(folded.size(), 2u);
}

TEST(RememberedWordsTest, AFullCacheIsEmptiedBeforeItTakesTheNextWord) {
  RememberedWords<int> lengths(/*capacity=*/2);
  auto length = [](absl::string_view word) {
    return static_cast<int>(word.size());
  };
  lengths.Get("a", length);
  lengths.Get("bb", length);
  EXPECT_EQ(lengths.size(), 2u);
  EXPECT_EQ(lengths.Get("ccc", length), 3);
  EXPECT_EQ(lengths.size(), 1u);
}

TEST(RememberedWordsTest, ForgettingEmptiesTheCachesOfEveryThread) {
  RememberedWords<int> here(/*capacity=*/16);
  here.Get("hà nội", [](absl::string_view) { return 1; });
  absl::Notification filled, forgotten;
  size_t there_before = 0, there_after = 0;
  std::thread other([&] {
    thread_local RememberedWords<int> there(/*capacity=*/16);
    there.Get("đà nẵng", [](absl::string_view) { return 2; });
    there.Get("hải phòng", [](absl::string_view) { return 3; });
    there_before = there.size();
    filled.Notify();
    // Stays alive, and idle, while another thread forgets.
    forgotten.WaitForNotification();
    there_after = there.size();
  });
  filled.WaitForNotification();
  ForgetRememberedWords();
  EXPECT_EQ(here.size(), 0u);
  forgotten.Notify();
  other.join();
  EXPECT_EQ(there_before, 2u);
  EXPECT_EQ(there_after, 0u);
  // The ended thread's cache is gone from those forgotten (under ASan, a
  // use after free otherwise).
  ForgetRememberedWords();
}

}  // namespace
}  // namespace factstore
