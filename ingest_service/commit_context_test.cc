#include "ingest_service/commit_context.h"

#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace factstore::ingest {
namespace {

TEST(CommitContextTest, CommitTimesNeverGoBackwards) {
  testing::TempDir dir;
  auto store = storage::Store::OpenPrimary(dir.path() + "/db", {});
  ASSERT_TRUE(store.ok()) << store.status();
  storage::StoreHead head;
  head.set_last_commit(7);
  head.set_last_commit_time_micros(5000000);

  // The clock went back (a new leader's clock behind the old one's): the
  // commit keeps the previous commit's time.
  CommitContext behind(**store, head, 1000000);
  EXPECT_EQ(behind.commit(), 8u);
  EXPECT_EQ(behind.time_micros(), 5000000);

  CommitContext ahead(**store, head, 6000000);
  EXPECT_EQ(ahead.time_micros(), 6000000);
}

}  // namespace
}  // namespace factstore::ingest
