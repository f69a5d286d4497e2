// Unit tests of DocumentCache: which reads an entry serves (by epoch), the
// epochs of the views it follows, and what it keeps when it has no room.
#include "query_service/document_cache.h"

#include <cstdint>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "storage/record_views.h"
#include "storage/records.pb.h"

namespace factstore::query {
namespace {

storage::StoreHead Head(uint64_t last, uint64_t changed, uint64_t kept) {
  storage::StoreHead head;
  head.set_last_commit(last);
  head.set_documents_changed_commit(changed);
  head.set_documents_kept_commit(kept);
  return head;
}

TEST(DocumentCacheTest, AnEntryServesReadsOfItsEpochOrOlder) {
  DocumentCache cache(1 << 20);
  EXPECT_EQ(cache.Find("doc:a", 5), nullptr);
  cache.Insert("doc:a", DocumentCache::MakeEntry(5, "record"));

  auto found = cache.Find("doc:a", 5);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->epoch, 5u);
  EXPECT_EQ(found->record, "record");
  EXPECT_NE(cache.Find("doc:a", 4), nullptr);
  // A document changed since: the entry is not served.
  EXPECT_EQ(cache.Find("doc:a", 6), nullptr);
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.misses(), 2u);

  // A read of the later epoch replaces it.
  cache.Insert("doc:a", DocumentCache::MakeEntry(6, "changed"));
  found = cache.Find("doc:a", 6);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->record, "changed");
}

TEST(DocumentCacheTest, AnEntryHoldsItsDocumentAsOfItsLatestRevision) {
  storage::EntityRecord record;
  for (auto [commit, url] :
       {std::pair<uint64_t, const char*>{7, "https://b"}, {3, "https://a"}}) {
    storage::EntityRevision* revision = record.add_revisions();
    revision->set_commit(commit);
    revision->mutable_entity()->mutable_document()->set_url(url);
  }
  // Revisions are kept oldest first; this record lists them out of order.
  // From its highest commit on every revision is in effect, and the one
  // listed last counts, as DocumentAsOf reads a record.
  DocumentCache cache(1 << 20);
  cache.Insert("doc:a",
               DocumentCache::MakeEntry(5, record.SerializeAsString()));
  auto found = cache.Find("doc:a", 5);
  ASSERT_NE(found, nullptr);
  ASSERT_TRUE(found->latest.has_value());
  EXPECT_EQ(found->latest_from, 7u);
  EXPECT_EQ(found->latest->url(), "https://a");
  EXPECT_EQ(found->latest->url(),
            storage::DocumentAsOf(found->record, 7)->url());

  // A record that does not decode is never answered from `latest`.
  cache.Insert("doc:b", DocumentCache::MakeEntry(5, "not a record"));
  found = cache.Find("doc:b", 5);
  ASSERT_NE(found, nullptr);
  EXPECT_FALSE(found->latest.has_value());
}

TEST(DocumentCacheTest, NothingIsKeptOrFoundUncachedOrWithoutRoom) {
  DocumentCache cache(1 << 20);
  cache.Insert("doc:a",
               DocumentCache::MakeEntry(DocumentCache::kUncached, "record"));
  EXPECT_EQ(cache.usage_bytes(), 0u);
  cache.Insert("doc:a", DocumentCache::MakeEntry(3, "record"));
  EXPECT_GT(cache.usage_bytes(), 0u);
  EXPECT_EQ(cache.Find("doc:a", DocumentCache::kUncached), nullptr);
  EXPECT_EQ(cache.misses(), 0u);

  DocumentCache none(0);
  none.Insert("doc:a", DocumentCache::MakeEntry(3, "record"));
  EXPECT_EQ(none.Find("doc:a", 3), nullptr);
  EXPECT_EQ(none.usage_bytes(), 0u);
}

TEST(DocumentCacheTest, KeepsWithinItsCapacity) {
  DocumentCache cache(1 << 20);
  const std::string record(10 << 10, 'x');
  for (int i = 0; i < 400; ++i) {
    cache.Insert("doc:" + std::to_string(i),
                 DocumentCache::MakeEntry(1, record));
  }
  EXPECT_LE(cache.usage_bytes(), size_t{1} << 20);
  // The last kept is found, the first long evicted.
  EXPECT_NE(cache.Find("doc:399", 1), nullptr);
  EXPECT_EQ(cache.Find("doc:0", 1), nullptr);
}

TEST(DocumentCacheTest, TheEpochMovesWithTheDocumentsTheWriterKept) {
  DocumentCache cache(1 << 20);
  // A store nothing was committed to, and one whose last writer did not keep
  // the field (an earlier build; or kept it once, then an earlier build
  // committed): uncached.
  cache.Follow(1, Head(0, 0, 0));
  EXPECT_EQ(cache.epoch(), DocumentCache::kUncached);
  cache.Follow(1, Head(7, 0, 0));
  EXPECT_EQ(cache.epoch(), DocumentCache::kUncached);
  // Kept: one past the last change, so that "no change yet" is not 0.
  cache.Follow(1, Head(8, 0, 8));
  EXPECT_EQ(cache.epoch(), 1u);
  cache.Follow(1, Head(9, 4, 9));
  EXPECT_EQ(cache.epoch(), 5u);
  cache.Follow(1, Head(10, 4, 9));
  EXPECT_EQ(cache.epoch(), DocumentCache::kUncached);
  cache.Follow(1, Head(11, 11, 11));
  EXPECT_EQ(cache.epoch(), 12u);
}

TEST(DocumentCacheTest, AnotherHistoryStartsAboveEveryEpochBefore) {
  DocumentCache cache(1 << 20);
  cache.Follow(1, Head(9, 4, 9));
  const uint64_t first = cache.epoch();
  cache.Insert("doc:a", DocumentCache::MakeEntry(first, "of store 1"));
  // Another store with the same head: what store 1 kept is not served.
  cache.Follow(2, Head(9, 4, 9));
  EXPECT_GT(cache.epoch(), first);
  EXPECT_EQ(cache.Find("doc:a", cache.epoch()), nullptr);
  // The same store with fewer commits (a replica reset to an older state).
  const uint64_t second = cache.epoch();
  cache.Follow(2, Head(6, 2, 6));
  EXPECT_GT(cache.epoch(), second);
  // Within a history the epoch follows the head again.
  const uint64_t third = cache.epoch();
  cache.Follow(2, Head(7, 7, 7));
  EXPECT_EQ(cache.epoch(), third + 5);
}

}  // namespace
}  // namespace factstore::query
