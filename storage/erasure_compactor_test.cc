#include "storage/erasure_compactor.h"

#include <memory>

#include "absl/synchronization/notification.h"
#include "common/remembered_words.h"
#include "gtest/gtest.h"
#include "storage/key_codec.h"
#include "storage/test_records.h"
#include "tests/support/temp_dir.h"

namespace factstore::storage {
namespace {

using ::factstore::testing::TempDir;

TEST(ErasureCompactorTest, ForgetsTheRememberedWordsAndCompacts) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallTestStoreOptions());
  ASSERT_TRUE(store.ok()) << store.status();
  // Words of a quote about to be erased, remembered as ingest remembers them.
  RememberedWords<uint64_t> remembered(/*capacity=*/16);
  for (absl::string_view word : {"nguyễn", "văn", "an"}) {
    remembered.Get(word, [](absl::string_view w) { return WordHash(w); });
  }
  ASSERT_EQ(remembered.size(), 3u);

  absl::Notification compacted;
  absl::Status result = absl::UnknownError("not compacted");
  ErasureCompactor compactor(store->get(), [&](const absl::Status& status) {
    result = status;
    compacted.Notify();
  });
  compactor.Request();
  ASSERT_TRUE(compacted.WaitForNotificationWithTimeout(absl::Seconds(60)));
  EXPECT_TRUE(result.ok()) << result;
  EXPECT_EQ(remembered.size(), 0u);
}

}  // namespace
}  // namespace factstore::storage
