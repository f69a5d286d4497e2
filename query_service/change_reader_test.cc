// ChangeReader on a real store, without a stream: the position, the filters,
// and the bounds of one read (events per response, commits per turn).
#include "query_service/change_reader.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/commit_batch.h"
#include "storage/store.h"
#include "storage/test_records.h"
#include "tests/support/temp_dir.h"

namespace factstore::query {
namespace {

class ChangeReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options = storage::SmallTestStoreOptions();
    auto store = storage::Store::OpenPrimary(dir_.path() + "/db", options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  // Commits facts `ids` about `subject`, one assertion change each.
  uint64_t Commit(const std::string& subject,
                  const std::vector<std::string>& ids) {
    const uint64_t commit = ++last_commit_;
    storage::CommitBatch batch(*store_);
    storage::CommitRecord log;
    log.set_commit(commit);
    log.set_time_micros(commit * 1000000);
    for (const std::string& id : ids) {
      storage::TestFact test_fact;
      test_fact.id = id;
      test_fact.subject = subject;
      test_fact.commit = commit;
      storage::FactRecord fact = storage::MakeFactRecord(test_fact);
      EXPECT_TRUE(batch.PutFact(nullptr, fact).ok());
      storage::Change* change = log.add_changes();
      change->set_kind(storage::CHANGE_KIND_FACT_ASSERTED);
      change->set_fact_id(id);
      change->set_subject(subject);
      change->set_predicate(fact.content().predicate());
    }
    batch.PutCommitRecord(log);
    storage::StoreHead head;
    head.set_last_commit(commit);
    batch.PutHead(head);
    EXPECT_TRUE(store_->Write(batch, false).ok());
    return commit;
  }

  // Commits an upsert of entity `id` (a new revision of it: type PLACE,
  // then ORGANIZATION) and a registration of predicate `predicate`.
  uint64_t CommitEntityAndPredicate(const std::string& id,
                                    const std::string& predicate) {
    const uint64_t commit = ++last_commit_;
    storage::CommitBatch batch(*store_);
    storage::CommitRecord log;
    log.set_commit(commit);
    log.set_time_micros(commit * 1000000);
    auto stored = store_->ReadEntity(id);
    storage::EntityRecord entity =
        stored.ok() ? *std::move(stored) : storage::EntityRecord();
    storage::EntityRevision* revision = entity.add_revisions();
    revision->set_commit(commit);
    revision->mutable_entity()->set_id(id);
    revision->mutable_entity()->set_name(id);
    revision->mutable_entity()->set_type(entity.revisions_size() == 1
                                             ? v1::ENTITY_TYPE_PLACE
                                             : v1::ENTITY_TYPE_ORGANIZATION);
    batch.PutEntity(entity);
    storage::Change* upserted = log.add_changes();
    upserted->set_kind(storage::CHANGE_KIND_ENTITY_UPSERTED);
    upserted->set_entity_id(id);
    storage::PredicateRecord registry;
    storage::PredicateRevision* definition = registry.add_revisions();
    definition->set_commit(commit);
    definition->mutable_predicate()->set_name(predicate);
    definition->mutable_predicate()->set_value_type(v1::VALUE_TYPE_TEXT);
    batch.PutPredicate(predicate, registry);
    storage::Change* registered = log.add_changes();
    registered->set_kind(storage::CHANGE_KIND_PREDICATE_REGISTERED);
    registered->set_predicate(predicate);
    batch.PutCommitRecord(log);
    storage::StoreHead head;
    head.set_last_commit(commit);
    batch.PutHead(head);
    EXPECT_TRUE(store_->Write(batch, false).ok());
    return commit;
  }

  // Every event `reader` reads up to `visible`, as "KIND id".
  static std::vector<std::string> Events(ChangeReader& reader,
                                         uint64_t visible) {
    EXPECT_TRUE(reader.Seek("", 0).ok());
    v1::WatchFactsResponse response;
    EXPECT_TRUE(reader.Read(visible, 256, &response).ok());
    std::vector<std::string> events;
    for (const v1::ChangeEvent& event : response.events()) {
      std::string what = event.has_fact()        ? event.fact().id()
                         : event.has_entity()    ? event.entity().id()
                         : event.has_predicate() ? event.predicate().name()
                                                 : event.erased_entity_id();
      events.push_back(
          absl::StrCat(v1::ChangeKind_Name(event.kind()), " ", what));
    }
    return events;
  }

  static std::vector<std::string> Ids(const v1::WatchFactsResponse& response) {
    std::vector<std::string> ids;
    for (const v1::ChangeEvent& event : response.events()) {
      ids.push_back(event.fact().id());
    }
    return ids;
  }

  static std::vector<std::string> Numbered(const std::string& prefix, int from,
                                           int to) {
    std::vector<std::string> ids;
    for (int i = from; i < to; ++i) ids.push_back(absl::StrCat(prefix, i));
    return ids;
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  uint64_t last_commit_ = 0;
};

TEST_F(ChangeReaderTest, ReadsTheMatchingChangesAfterItsPositionInOrder) {
  Commit("place:hue", {"f_1"});
  Commit("place:da-nang", {"f_2", "f_3"});
  const uint64_t visible = Commit("place:hue", {"f_4"});

  ChangeReader all(store_.get(), "", "");
  ASSERT_TRUE(all.Seek("", 0).ok());
  v1::WatchFactsResponse response;
  EXPECT_EQ(all.Read(visible, 256, &response).value(), false);
  EXPECT_EQ(Ids(response),
            (std::vector<std::string>{"f_1", "f_2", "f_3", "f_4"}));
  // Nothing more until a later commit is visible.
  response.Clear();
  EXPECT_EQ(all.Read(visible, 256, &response).value(), false);
  EXPECT_EQ(response.events_size(), 0);

  ChangeReader hue(store_.get(), "place:hue", "");
  ASSERT_TRUE(hue.Seek("", 0).ok());
  response.Clear();
  ASSERT_TRUE(hue.Read(visible, 256, &response).ok());
  EXPECT_EQ(Ids(response), (std::vector<std::string>{"f_1", "f_4"}));

  ChangeReader other_predicates(store_.get(), "", "market.");
  ASSERT_TRUE(other_predicates.Seek("", 0).ok());
  response.Clear();
  ASSERT_TRUE(other_predicates.Read(visible, 256, &response).ok());
  EXPECT_EQ(response.events_size(), 0);
  // It still moved past what it read.
  EXPECT_EQ(other_predicates.next_commit(), visible + 1);
}

TEST_F(ChangeReaderTest, WithoutATokenStartsAfterTheCommitItIsGiven) {
  Commit("place:hue", {"f_1"});
  const uint64_t visible = Commit("place:hue", {"f_2"});
  ChangeReader reader(store_.get(), "", "");
  ASSERT_TRUE(reader.Seek("", 1).ok());
  v1::WatchFactsResponse response;
  ASSERT_TRUE(reader.Read(visible, 256, &response).ok());
  EXPECT_EQ(Ids(response), (std::vector<std::string>{"f_2"}));
}

TEST_F(ChangeReaderTest, AFullResponseEndsInsideACommitAndResumesThere) {
  const std::vector<std::string> ids = Numbered("f_", 0, 250);
  const uint64_t visible = Commit("place:hue", ids);

  // The same reader continuing, and new readers from each resume token,
  // read each change once.
  ChangeReader reader(store_.get(), "", "");
  ASSERT_TRUE(reader.Seek("", 0).ok());
  std::vector<std::string> continued, resumed;
  std::string token;
  for (int turn = 0; turn < 3; ++turn) {
    v1::WatchFactsResponse response;
    absl::StatusOr<bool> more = reader.Read(visible, 256, &response);
    ASSERT_TRUE(more.ok());
    EXPECT_EQ(*more, turn < 2) << turn;
    EXPECT_EQ(response.events_size(), turn < 2 ? kMaxEventsPerResponse : 50);
    for (const std::string& id : Ids(response)) continued.push_back(id);

    ChangeReader fresh(store_.get(), "", "");
    ASSERT_TRUE(fresh.Seek(token, 0).ok());
    v1::WatchFactsResponse again;
    ASSERT_TRUE(fresh.Read(visible, 256, &again).ok());
    for (const std::string& id : Ids(again)) resumed.push_back(id);
    EXPECT_EQ(Ids(again), Ids(response)) << turn;
    token = reader.ResumeToken();
  }
  EXPECT_EQ(continued, ids);
  EXPECT_EQ(resumed, ids);
  EXPECT_EQ(reader.next_commit(), visible + 1);
}

TEST_F(ChangeReaderTest, ATurnReadsAtMostMaxCommits) {
  for (int i = 0; i < 5; ++i) Commit("place:hue", {absl::StrCat("f_", i)});
  ChangeReader reader(store_.get(), "", "");
  ASSERT_TRUE(reader.Seek("", 0).ok());
  v1::WatchFactsResponse response;
  EXPECT_EQ(reader.Read(5, 2, &response).value(), true);
  EXPECT_EQ(Ids(response), (std::vector<std::string>{"f_0", "f_1"}));
  EXPECT_EQ(reader.next_commit(), 3u);
  response.Clear();
  EXPECT_EQ(reader.Read(5, 10, &response).value(), false);
  EXPECT_EQ(Ids(response), (std::vector<std::string>{"f_2", "f_3", "f_4"}));
}

TEST_F(ChangeReaderTest, EntityUpsertsAndPredicateRegistrationsComeWhenAsked) {
  CommitEntityAndPredicate("place:hue", "note.a");
  Commit("place:hue", {"f_1"});
  const uint64_t visible = CommitEntityAndPredicate("place:hue", "market.b");

  // Without kinds: the changes to facts only, as before these kinds existed.
  ChangeReader facts(store_.get(), "", "");
  EXPECT_EQ(Events(facts, visible),
            (std::vector<std::string>{"CHANGE_KIND_ASSERTED f_1"}));

  ChangeReader registry(
      store_.get(), "", "",
      {v1::CHANGE_KIND_ENTITY_UPSERTED, v1::CHANGE_KIND_PREDICATE_REGISTERED});
  EXPECT_EQ(
      Events(registry, visible),
      (std::vector<std::string>{"CHANGE_KIND_ENTITY_UPSERTED place:hue",
                                "CHANGE_KIND_PREDICATE_REGISTERED note.a",
                                "CHANGE_KIND_ENTITY_UPSERTED place:hue",
                                "CHANGE_KIND_PREDICATE_REGISTERED market.b"}));

  // Each event shows the entity as of its own commit.
  ASSERT_TRUE(registry.Seek("", 0).ok());
  v1::WatchFactsResponse response;
  ASSERT_TRUE(registry.Read(visible, 256, &response).ok());
  ASSERT_EQ(response.events_size(), 4);
  EXPECT_EQ(response.events(0).entity().type(), v1::ENTITY_TYPE_PLACE);
  EXPECT_EQ(response.events(2).entity().type(), v1::ENTITY_TYPE_ORGANIZATION);
  EXPECT_EQ(response.events(1).predicate().value_type(), v1::VALUE_TYPE_TEXT);

  // A subject keeps the entity's own changes and drops the registry's; a
  // predicate prefix keeps its predicates and lets entity upserts through.
  ChangeReader hue(store_.get(), "place:hue", "",
                   {v1::CHANGE_KIND_ENTITY_UPSERTED, v1::CHANGE_KIND_ASSERTED,
                    v1::CHANGE_KIND_PREDICATE_REGISTERED});
  EXPECT_EQ(
      Events(hue, visible),
      (std::vector<std::string>{"CHANGE_KIND_ENTITY_UPSERTED place:hue",
                                "CHANGE_KIND_ASSERTED f_1",
                                "CHANGE_KIND_ENTITY_UPSERTED place:hue"}));
  ChangeReader other(store_.get(), "place:hanoi", "",
                     {v1::CHANGE_KIND_ENTITY_UPSERTED});
  EXPECT_TRUE(Events(other, visible).empty());
  ChangeReader markets(
      store_.get(), "", "market.",
      {v1::CHANGE_KIND_ENTITY_UPSERTED, v1::CHANGE_KIND_PREDICATE_REGISTERED});
  EXPECT_EQ(
      Events(markets, visible),
      (std::vector<std::string>{"CHANGE_KIND_ENTITY_UPSERTED place:hue",
                                "CHANGE_KIND_ENTITY_UPSERTED place:hue",
                                "CHANGE_KIND_PREDICATE_REGISTERED market.b"}));
}

TEST_F(ChangeReaderTest, AnEntityErasedLaterIsNotReplayed) {
  CommitEntityAndPredicate("place:hue", "note.a");
  const uint64_t visible = CommitEntityAndPredicate("place:hue", "note.a");
  // The entity is gone (as erasure leaves it) while its changes are still in
  // the log: they are skipped, not delivered empty.
  auto entity = store_->ReadEntity("place:hue");
  ASSERT_TRUE(entity.ok());
  storage::CommitBatch erase(*store_);
  erase.DeleteEntity(*entity);
  ASSERT_TRUE(store_->Write(erase, false).ok());
  ChangeReader reader(store_.get(), "", "", {v1::CHANGE_KIND_ENTITY_UPSERTED});
  EXPECT_TRUE(Events(reader, visible).empty());
}

TEST_F(ChangeReaderTest, RefusesATokenThatIsNotOneOfThisStores) {
  Commit("place:hue", {"f_1"});
  ChangeReader reader(store_.get(), "", "");
  absl::Status bad = reader.Seek("not-a-token", 0);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("after"), std::string::npos) << bad;
}

}  // namespace
}  // namespace factstore::query
