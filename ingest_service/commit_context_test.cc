#include "ingest_service/commit_context.h"

#include <memory>
#include <string>

#include "google/protobuf/arena.h"
#include "gtest/gtest.h"
#include "storage/commit_batch.h"
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

// The head Finalize makes for the commit after `head` that `write` makes
// (not written to `store`).
template <typename Write>
storage::StoreHead HeadAfter(storage::Store& store,
                             const storage::StoreHead& head, Write write) {
  CommitContext ctx(store, head, 1000000);
  write(ctx);
  storage::CommitBatch batch(store, ctx.commit());
  EXPECT_TRUE(ctx.Finalize(&batch).ok());
  return ctx.head();
}

storage::EntityRecord EntityOfType(const std::string& id, v1::EntityType type,
                                   uint64_t commit) {
  storage::EntityRecord record;
  storage::EntityRevision* revision = record.add_revisions();
  revision->set_commit(commit);
  revision->mutable_entity()->set_id(id);
  revision->mutable_entity()->set_type(type);
  return record;
}

// The query service caches documents' records until the head's
// documents_changed_commit moves (query_service/document_cache.h).
TEST(CommitContextTest, TheHeadSaysWhenADocumentLastChanged) {
  testing::TempDir dir;
  auto opened = storage::Store::OpenPrimary(dir.path() + "/db", {});
  ASSERT_TRUE(opened.ok()) << opened.status();
  storage::Store& store = **opened;
  // Commit 1 writes a document and an organization.
  storage::StoreHead head;
  {
    CommitContext ctx(store, head, 1000000);
    ctx.entities().Put("doc:a",
                       EntityOfType("doc:a", v1::ENTITY_TYPE_DOCUMENT, 1));
    ctx.entities().Put("org:a",
                       EntityOfType("org:a", v1::ENTITY_TYPE_ORGANIZATION, 1));
    storage::CommitBatch batch(store, ctx.commit());
    ASSERT_TRUE(ctx.Finalize(&batch).ok());
    ASSERT_TRUE(store.Write(batch, /*sync=*/false).ok());
    head = ctx.head();
  }
  // Creating them did not count (nothing can be kept of what did not exist).
  EXPECT_EQ(head.last_commit(), 1u);
  EXPECT_EQ(head.documents_changed_commit(), 0u);
  EXPECT_EQ(head.documents_kept_commit(), 1u);

  // Commits that change no document's record keep it.
  storage::StoreHead after = HeadAfter(store, head, [](CommitContext& ctx) {
    storage::EntityRecord record =
        EntityOfType("org:a", v1::ENTITY_TYPE_ORGANIZATION, 1);
    *record.add_revisions() =
        EntityOfType("org:a", v1::ENTITY_TYPE_ORGANIZATION, 2).revisions(0);
    ctx.entities().Put("org:a", record);
    ctx.entities().Put("doc:new",
                       EntityOfType("doc:new", v1::ENTITY_TYPE_DOCUMENT, 2));
  });
  EXPECT_EQ(after.last_commit(), 2u);
  EXPECT_EQ(after.documents_changed_commit(), 0u);
  EXPECT_EQ(after.documents_kept_commit(), 2u);

  // Changing a document moves it, also when it stops being one; so does
  // deleting any entity (it may be created again as another type).
  after = HeadAfter(store, head, [](CommitContext& ctx) {
    storage::EntityRecord record =
        EntityOfType("doc:a", v1::ENTITY_TYPE_DOCUMENT, 1);
    *record.add_revisions() =
        EntityOfType("doc:a", v1::ENTITY_TYPE_PERSON, 2).revisions(0);
    ctx.entities().Put("doc:a", record);
  });
  EXPECT_EQ(after.documents_changed_commit(), 2u);
  after = HeadAfter(store, head,
                    [](CommitContext& ctx) { ctx.entities().Delete("doc:a"); });
  EXPECT_EQ(after.documents_changed_commit(), 2u);
  after = HeadAfter(store, head,
                    [](CommitContext& ctx) { ctx.entities().Delete("org:a"); });
  EXPECT_EQ(after.documents_changed_commit(), 2u);

  // The commit after one whose writer did not keep it counts as a change.
  storage::StoreHead unkept;
  unkept.set_last_commit(7);
  unkept.set_documents_changed_commit(3);
  unkept.set_documents_kept_commit(6);
  after = HeadAfter(store, unkept, [](CommitContext& ctx) {
    ctx.entities().Put("org:b",
                       EntityOfType("org:b", v1::ENTITY_TYPE_ORGANIZATION, 8));
  });
  EXPECT_EQ(after.documents_changed_commit(), 8u);
  EXPECT_EQ(after.documents_kept_commit(), 8u);
}

// An entity record of one revision at `commit`, named `name`.
storage::EntityRecord EntityNamed(const std::string& id,
                                  const std::string& name, uint64_t commit) {
  storage::EntityRecord record;
  storage::EntityRevision* revision = record.add_revisions();
  revision->set_commit(commit);
  revision->mutable_entity()->set_id(id);
  revision->mutable_entity()->set_type(v1::ENTITY_TYPE_ORGANIZATION);
  revision->mutable_entity()->set_name(name);
  return record;
}

class RecordTableTest : public ::testing::Test {
 protected:
  // A store whose commit 1 holds the entity "org:stored", named "Stored".
  void SetUp() override {
    auto store = storage::Store::OpenPrimary(dir_.path() + "/db", {});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    CommitContext first(*store_, head_, 1000000);
    first.entities().Put("org:stored", EntityNamed("org:stored", "Stored", 1));
    storage::CommitBatch batch(*store_, first.commit());
    ASSERT_TRUE(first.Finalize(&batch).ok());
    ASSERT_TRUE(store_->Write(batch, /*sync=*/false).ok());
    head_ = first.head();
  }

  static const std::string& NameOf(const storage::EntityRecord* record) {
    return record->revisions(0).entity().name();
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  storage::StoreHead head_;
};

TEST_F(RecordTableTest, ReadsTheStoreOnceOntoTheGroupsArena) {
  CommitContext ctx(*store_, head_, 2000000);
  RecordTable<storage::EntityRecord>& entities = ctx.entities();
  EXPECT_FALSE(entities.Holds("org:stored"));
  absl::StatusOr<const storage::EntityRecord*> stored =
      entities.Get("org:stored");
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_NE(*stored, nullptr);
  EXPECT_EQ(NameOf(*stored), "Stored");
  EXPECT_NE((*stored)->GetArena(), nullptr);
  EXPECT_TRUE(entities.Holds("org:stored"));
  // The second read is the same record, not the store read again.
  EXPECT_EQ(*entities.Get("org:stored"), *stored);

  absl::StatusOr<const storage::EntityRecord*> absent =
      entities.Get("org:absent");
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_EQ(*absent, nullptr);
  EXPECT_TRUE(entities.Holds("org:absent"));
  EXPECT_FALSE(ctx.HasWrites());
}

TEST_F(RecordTableTest, PrefetchReadsWhatItHasNotReadAtOnce) {
  CommitContext ctx(*store_, head_, 2000000);
  RecordTable<storage::EntityRecord>& entities = ctx.entities();
  // A version this group put stays current whatever a prefetch reads.
  storage::EntityRecord* put = entities.New();
  *put = EntityNamed("org:put", "Put", ctx.commit());
  entities.Put("org:put", put);

  entities.Prefetch({"org:stored", "org:absent", "org:stored", "org:put"});
  EXPECT_TRUE(entities.Holds("org:stored"));
  EXPECT_TRUE(entities.Holds("org:absent"));
  absl::StatusOr<const storage::EntityRecord*> stored =
      entities.Get("org:stored");
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_NE(*stored, nullptr);
  EXPECT_EQ(NameOf(*stored), "Stored");
  EXPECT_EQ((*stored)->GetArena(), put->GetArena());
  EXPECT_EQ(*entities.Original("org:stored"), *stored);
  EXPECT_EQ(*entities.Get("org:absent"), nullptr);
  EXPECT_EQ(*entities.Get("org:put"), put);
  EXPECT_EQ(*entities.Original("org:put"), nullptr);

  // What was read is not read again: the same record after a second
  // prefetch.
  entities.Prefetch({"org:stored"});
  EXPECT_EQ(*entities.Get("org:stored"), *stored);
}

TEST_F(RecordTableTest, VersionsStayValidAndUndoPutsThePreviousOneBack) {
  CommitContext ctx(*store_, head_, 2000000);
  RecordTable<storage::EntityRecord>& entities = ctx.entities();
  const storage::EntityRecord* stored = *entities.Get("org:stored");

  storage::EntityRecord* renamed = entities.New();
  *renamed = EntityNamed("org:stored", "Renamed", ctx.commit());
  ctx.SetSavePoint();
  entities.Put("org:stored", renamed);
  EXPECT_EQ(*entities.Get("org:stored"), renamed);

  // A second change in a nested save point, then undone: the first change
  // is current again, and neither version was changed by the other.
  ctx.SetSavePoint();
  entities.Put("org:stored", EntityNamed("org:stored", "Again", ctx.commit()));
  const storage::EntityRecord* again = *entities.Get("org:stored");
  EXPECT_EQ(NameOf(again), "Again");
  EXPECT_EQ(again->GetArena(), renamed->GetArena());
  ctx.RollbackToSavePoint();
  EXPECT_EQ(*entities.Get("org:stored"), renamed);
  EXPECT_EQ(NameOf(renamed), "Renamed");
  EXPECT_EQ(NameOf(again), "Again");
  EXPECT_EQ(NameOf(stored), "Stored");
  // The store's version is what the group started from, whatever it puts.
  EXPECT_EQ(*entities.Original("org:stored"), stored);

  entities.Delete("org:stored");
  EXPECT_EQ(*entities.Get("org:stored"), nullptr);
  EXPECT_EQ(*entities.Original("org:stored"), stored);

  // Undoing the outer save point forgets both the rename and the delete.
  ctx.RollbackToSavePoint();
  EXPECT_EQ(*entities.Get("org:stored"), stored);
  EXPECT_EQ(entities.pending_count(), 0u);
  EXPECT_FALSE(ctx.HasWrites());
}

TEST_F(RecordTableTest, FinalizeWritesThePendingVersionsAndDeletions) {
  CommitContext ctx(*store_, head_, 2000000);
  ctx.entities().Delete("org:stored");
  storage::EntityRecord* created = ctx.entities().New();
  *created = EntityNamed("org:new", "New", ctx.commit());
  ctx.entities().Put("org:new", created);
  storage::CommitBatch batch(*store_, ctx.commit());
  ASSERT_TRUE(ctx.Finalize(&batch).ok());
  ASSERT_TRUE(store_->Write(batch, /*sync=*/false).ok());

  EXPECT_TRUE(absl::IsNotFound(store_->ReadEntity("org:stored").status()));
  absl::StatusOr<storage::EntityRecord> written = store_->ReadEntity("org:new");
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->revisions(0).entity().name(), "New");
  EXPECT_EQ(ctx.head().last_commit(), 2u);
}

}  // namespace
}  // namespace factstore::ingest
