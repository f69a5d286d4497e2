// The specification of StoreQueries over a real store: which index ListFacts
// reads for a filter and how many keys it examines, the order of its results,
// how pages end and continue, what an older commit shows, and how
// SearchEntities matches folded names.
#include "query_service/store_queries.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "factstore/v1/query_service.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "normalizer/name_folding.h"
#include "storage/commit_batch.h"
#include "storage/store.h"
#include "storage/test_records.h"
#include "tests/support/temp_dir.h"

namespace factstore::query {
namespace {

using ::factstore::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kTotal[] = "investment.cumulative_total";
constexpr char kPartner[] = "relation.partner_of";

// Whether `status` is INVALID_ARGUMENT naming exactly `field`.
::testing::AssertionResult NamesField(const absl::Status& status,
                                      const std::string& field) {
  std::vector<FieldViolation> violations = FieldViolationsOf(status);
  if (status.code() == absl::StatusCode::kInvalidArgument &&
      absl::StartsWith(status.message(), field + ": ") &&
      violations.size() == 1 && violations[0].field == field) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << status << ", expected INVALID_ARGUMENT naming " << field;
}

// A fact that `subject` has invested `amount` USD in total in `year`, with a
// mention from `document`, asserted at `commit`.
storage::FactRecord Investment(const std::string& id,
                               const std::string& subject,
                               const std::string& amount,
                               const std::string& year, uint64_t commit,
                               const std::string& document = "doc:a") {
  storage::TestFact fact;
  fact.id = id;
  fact.subject = subject;
  fact.amount = amount;
  fact.commit = commit;
  fact.document_id = document;
  storage::FactRecord record = storage::MakeFactRecord(fact);
  record.mutable_content()->mutable_valid_time()->mutable_at()->set_date(year);
  return record;
}

// A fact that `subject` is a partner of the entity `object`, stating no valid
// time, asserted at `commit`.
storage::FactRecord Partnership(const std::string& id,
                                const std::string& subject,
                                const std::string& object, uint64_t commit) {
  storage::TestFact fact;
  fact.id = id;
  fact.subject = subject;
  fact.commit = commit;
  storage::FactRecord record = storage::MakeFactRecord(fact);
  v1::Fact* content = record.mutable_content();
  content->set_predicate(kPartner);
  content->mutable_value()->set_entity_id(object);
  content->clear_valid_time();
  return record;
}

// An entity as the ingest service stores it: its name and aliases folded
// into name forms (ingest_service/entity_ops.cc).
storage::EntityRecord Entity(const std::string& id, v1::EntityType type,
                             const std::string& name,
                             const std::vector<std::string>& aliases,
                             uint64_t commit) {
  storage::EntityRecord record;
  storage::EntityRevision* revision = record.add_revisions();
  revision->set_commit(commit);
  v1::Entity* entity = revision->mutable_entity();
  entity->set_id(id);
  entity->set_type(type);
  entity->set_name(name);
  std::vector<std::string> texts = {name};
  for (const std::string& alias : aliases) {
    entity->add_aliases(alias);
    texts.push_back(alias);
  }
  for (const std::string& text : texts) {
    normalizer::NameFormParts parts = normalizer::FoldNameWithWords(text);
    bool known = false;
    for (const storage::NameForm& form : revision->name_forms()) {
      known = known || form.folded() == parts.folded;
    }
    if (known || parts.folded.empty()) continue;
    storage::NameForm* form = revision->add_name_forms();
    form->set_text(text);
    form->set_folded(parts.folded);
    for (const std::string& suffix : parts.word_suffixes) {
      form->add_word_suffixes(suffix);
    }
  }
  return record;
}

std::vector<std::string> FactIds(const v1::ListFactsResponse& response) {
  std::vector<std::string> ids;
  for (const v1::Fact& fact : response.facts()) ids.push_back(fact.id());
  return ids;
}

std::vector<std::string> EntityIds(const v1::SearchEntitiesResponse& response) {
  std::vector<std::string> ids;
  for (const v1::EntityMatch& m : response.matches()) {
    ids.push_back(m.entity().id());
  }
  return ids;
}

v1::ListFactsRequest Filter(
    const std::function<void(v1::FactFilter*)>& set_filter) {
  v1::ListFactsRequest request;
  set_filter(request.mutable_filter());
  return request;
}

// Commit 1 asserts eight facts and four entities; commit 2 asserts one more
// fact about South Korea and one more entity. Facts ("total" is
// investment.cumulative_total, "partner" relation.partner_of):
//
//   id            subject              predicate   value       valid time
//   f_kr_2024     country:south-korea  total       85.9e9 USD  2024
//   f_jp_2023     country:japan        total       73e9 USD    2023
//   f_sg_2022     country:singapore    total       74e9 USD    2022
//   f_plan        place:da-nang        investment. 100e9 USD   2020 to 2030
//                                      target_total
//   f_open        place:da-nang        policy.     text        2021 on
//                                      tax_incentive
//   f_kr_partner  country:south-korea  partner     vietnam     -
//   f_jp_partner  country:japan        partner     vietnam     -
//   f_kr_jp       country:south-korea  partner     japan       -
//   f_kr_2025     country:south-korea  total       90e9 USD    2025 (commit 2)
//
// f_jp_2023 is mentioned by doc:b, the others by doc:a. Entities:
// place:da-nang "Đà Nẵng" (aliases "Da Nang", "Danang", "다낭"),
// org:da-nang-port "Da Nang Port", org:cham-museum "Bảo tàng Điêu khắc Chăm
// Đà Nẵng", place:hanoi "Hà Nội", and at commit 2 org:da-nang-airport
// "Da Nang International Airport".
class StoreQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(dir_.path() + "/db");
    ASSERT_NE(store_, nullptr);

    storage::FactRecord plan =
        Investment("f_plan", "place:da-nang", "100000000000", "2020", 1);
    plan.mutable_content()->set_predicate("investment.target_total");
    v1::ValidTime* plan_time = plan.mutable_content()->mutable_valid_time();
    plan_time->clear_at();
    plan_time->mutable_start()->set_date("2020");
    plan_time->mutable_end()->set_date("2030");

    storage::FactRecord open =
        Investment("f_open", "place:da-nang", "0", "2021", 1);
    open.mutable_content()->set_predicate("policy.tax_incentive");
    open.mutable_content()->mutable_value()->mutable_text()->set_text(
        "10% corporate income tax");
    open.mutable_content()->mutable_value()->mutable_text()->set_language("en");
    v1::ValidTime* open_time = open.mutable_content()->mutable_valid_time();
    open_time->clear_at();
    open_time->mutable_start()->set_date("2021");

    const std::vector<storage::FactRecord> facts_1 = {
        Investment("f_kr_2024", "country:south-korea", "85900000000", "2024",
                   1),
        Investment("f_jp_2023", "country:japan", "73000000000", "2023", 1,
                   "doc:b"),
        Investment("f_sg_2022", "country:singapore", "74000000000", "2022", 1),
        plan,
        open,
        Partnership("f_kr_partner", "country:south-korea", "country:vietnam",
                    1),
        Partnership("f_jp_partner", "country:japan", "country:vietnam", 1),
        Partnership("f_kr_jp", "country:south-korea", "country:japan", 1)};
    const std::vector<storage::EntityRecord> entities_1 = {
        Entity("place:da-nang", v1::ENTITY_TYPE_PLACE, "Đà Nẵng",
               {"Da Nang", "Danang", "다낭"}, 1),
        Entity("org:da-nang-port", v1::ENTITY_TYPE_ORGANIZATION, "Da Nang Port",
               {}, 1),
        Entity("org:cham-museum", v1::ENTITY_TYPE_ORGANIZATION,
               "Bảo tàng Điêu khắc Chăm Đà Nẵng", {}, 1),
        Entity("place:hanoi", v1::ENTITY_TYPE_PLACE, "Hà Nội", {}, 1)};
    // The head records the longest bounded valid time, as the ingest
    // service does: f_plan's, 2020-01-01 to 2031-01-01.
    head_.set_max_valid_span_days(absl::CivilDay(2031, 1, 1) -
                                  absl::CivilDay(2020, 1, 1));
    ASSERT_NO_FATAL_FAILURE(Commit(1, facts_1, entities_1));
    ASSERT_NO_FATAL_FAILURE(
        Commit(2,
               {Investment("f_kr_2025", "country:south-korea", "90000000000",
                           "2025", 2)},
               {Entity("org:da-nang-airport", v1::ENTITY_TYPE_ORGANIZATION,
                       "Da Nang International Airport", {}, 2)}));
    queries_ = std::make_unique<StoreQueries>(store_.get());
  }

  static std::unique_ptr<storage::Store> OpenStore(const std::string& path) {
    storage::StoreOptions options = storage::SmallTestStoreOptions();
    auto store = storage::Store::OpenPrimary(path, options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Writes commit `commit` as the ingest service's committer does: the
  // records (new ones, or new versions of stored ones) with their index
  // entries, the log record and the head (head_).
  void Commit(uint64_t commit, const std::vector<storage::FactRecord>& facts,
              const std::vector<storage::EntityRecord>& entities = {}) {
    storage::CommitBatch batch(*store_);
    for (const storage::FactRecord& fact : facts) {
      auto stored = store_->ReadFact(fact.content().id());
      ASSERT_TRUE(stored.ok() || absl::IsNotFound(stored.status()));
      ASSERT_TRUE(batch.PutFact(stored.ok() ? &*stored : nullptr, fact).ok());
    }
    for (const storage::EntityRecord& entity : entities) {
      batch.PutEntity(entity);
    }
    storage::CommitRecord log;
    log.set_commit(commit);
    log.set_time_micros(absl::ToUnixMicros(absl::FromUnixSeconds(1722556800) +
                                           absl::Seconds(commit)));
    batch.PutCommitRecord(log);
    head_.set_last_commit(commit);
    head_.set_last_commit_time_micros(log.time_micros());
    batch.PutHead(head_);
    ASSERT_TRUE(store_->Write(batch, /*sync=*/false).ok());
  }

  // One page of `request` at `commit` (the request's page token, if any,
  // decoded as the service does).
  v1::ListFactsResponse List(const StoreQueries& queries,
                             const v1::ListFactsRequest& request,
                             uint64_t commit = 2) {
    v1::ListFactsResponse response;
    absl::StatusOr<std::optional<PageCursor>> cursor =
        queries.ListFactsCursor(request);
    EXPECT_TRUE(cursor.ok()) << cursor.status();
    if (!cursor.ok()) return response;
    absl::Status listed =
        queries.ListFacts(request, commit, *cursor, StopCheck(), &response);
    EXPECT_TRUE(listed.ok()) << listed;
    return response;
  }
  v1::ListFactsResponse List(const v1::ListFactsRequest& request,
                             uint64_t commit = 2) {
    return List(*queries_, request, commit);
  }

  // Every page of `request`, from the first at `commit`: each later page
  // reads at its token's commit, as the service pins it.
  std::vector<v1::ListFactsResponse> ListAllPages(const StoreQueries& queries,
                                                  v1::ListFactsRequest request,
                                                  uint64_t commit = 2) {
    std::vector<v1::ListFactsResponse> pages;
    for (int i = 0; i < 100; ++i) {
      absl::StatusOr<std::optional<PageCursor>> cursor =
          queries.ListFactsCursor(request);
      EXPECT_TRUE(cursor.ok()) << cursor.status();
      if (!cursor.ok()) return pages;
      if (cursor->has_value()) {
        EXPECT_EQ((*cursor)->commit(), commit);
      }
      pages.emplace_back();
      absl::Status listed = queries.ListFacts(
          request, cursor->has_value() ? (*cursor)->commit() : commit, *cursor,
          StopCheck(), &pages.back());
      EXPECT_TRUE(listed.ok()) << listed;
      if (!listed.ok() || pages.back().next_page_token().empty()) {
        return pages;
      }
      request.set_page_token(pages.back().next_page_token());
    }
    ADD_FAILURE() << "more than 100 pages";
    return pages;
  }

  static std::vector<std::string> AllIds(
      const std::vector<v1::ListFactsResponse>& pages) {
    std::vector<std::string> ids;
    for (const v1::ListFactsResponse& page : pages) {
      for (const std::string& id : FactIds(page)) ids.push_back(id);
    }
    return ids;
  }

  v1::SearchEntitiesResponse Search(const v1::SearchEntitiesRequest& request,
                                    uint64_t commit = 2) {
    v1::SearchEntitiesResponse response;
    absl::Status searched = queries_->SearchEntities(
        request, commit, std::nullopt, StopCheck(), &response);
    EXPECT_TRUE(searched.ok()) << searched;
    return response;
  }
  v1::SearchEntitiesResponse Search(const std::string& query,
                                    uint64_t commit = 2) {
    v1::SearchEntitiesRequest request;
    request.set_query(query);
    return Search(request, commit);
  }

  TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  storage::StoreHead head_;
  // With the default --max_keys_per_read.
  std::unique_ptr<StoreQueries> queries_;
};

// ---- ListFacts: the index a filter selects, and the keys it examines ----

TEST_F(StoreQueriesTest, SubjectIsReadFromTheSubjectIndex) {
  v1::ListFactsResponse response = List(
      Filter([](v1::FactFilter* f) { f->set_subject("country:south-korea"); }));
  EXPECT_EQ(response.plan().index(), "subject_predicate");
  // By predicate, then valid time (facts stating none last), then id.
  EXPECT_THAT(FactIds(response),
              ElementsAre("f_kr_2024", "f_kr_2025", "f_kr_jp", "f_kr_partner"));
  // Only the subject's own entries, not the store's nine.
  EXPECT_EQ(response.plan().keys_examined(), 4);
  EXPECT_THAT(response.next_page_token(), IsEmpty());
  EXPECT_EQ(response.commit_token(), queries_->CommitToken(2));
}

TEST_F(StoreQueriesTest, SubjectAndPredicateNarrowTheSubjectIndexScan) {
  v1::ListFactsResponse exact = List(Filter([](v1::FactFilter* f) {
    f->set_subject("country:south-korea");
    f->set_predicate(kTotal);
  }));
  EXPECT_EQ(exact.plan().index(), "subject_predicate");
  EXPECT_THAT(FactIds(exact), ElementsAre("f_kr_2024", "f_kr_2025"));
  EXPECT_EQ(exact.plan().keys_examined(), 2);

  v1::ListFactsResponse stem = List(Filter([](v1::FactFilter* f) {
    f->set_subject("country:south-korea");
    f->set_predicate_prefix("relation.");
  }));
  EXPECT_EQ(stem.plan().index(), "subject_predicate");
  EXPECT_THAT(FactIds(stem), ElementsAre("f_kr_jp", "f_kr_partner"));
  EXPECT_EQ(stem.plan().keys_examined(), 2);
}

TEST_F(StoreQueriesTest, ObjectIsReadFromTheReferenceIndex) {
  v1::ListFactsResponse response =
      List(Filter([](v1::FactFilter* f) { f->set_object("country:vietnam"); }));
  EXPECT_EQ(response.plan().index(), "object");
  EXPECT_THAT(FactIds(response), ElementsAre("f_jp_partner", "f_kr_partner"));
  EXPECT_EQ(response.plan().keys_examined(), 2);

  // Facts about Japan are not facts whose value is Japan.
  v1::ListFactsResponse japan =
      List(Filter([](v1::FactFilter* f) { f->set_object("country:japan"); }));
  EXPECT_THAT(FactIds(japan), ElementsAre("f_kr_jp"));
  EXPECT_EQ(japan.plan().keys_examined(), 1);
}

TEST_F(StoreQueriesTest, SourceDocumentIsReadFromTheReferenceIndex) {
  v1::ListFactsResponse response =
      List(Filter([](v1::FactFilter* f) { f->set_source_document("doc:b"); }));
  EXPECT_EQ(response.plan().index(), "source");
  EXPECT_THAT(FactIds(response), ElementsAre("f_jp_2023"));
  EXPECT_EQ(response.plan().keys_examined(), 1);
}

TEST_F(StoreQueriesTest, PredicateIsReadFromThePredicateIndexByValue) {
  v1::ListFactsResponse response =
      List(Filter([](v1::FactFilter* f) { f->set_predicate(kTotal); }));
  EXPECT_EQ(response.plan().index(), "predicate_value");
  // In order of amount: 73e9, 74e9, 85.9e9, 90e9.
  EXPECT_THAT(FactIds(response),
              ElementsAre("f_jp_2023", "f_sg_2022", "f_kr_2024", "f_kr_2025"));
  EXPECT_EQ(response.plan().keys_examined(), 4);

  v1::ListFactsResponse stem = List(Filter(
      [](v1::FactFilter* f) { f->set_predicate_prefix("investment."); }));
  EXPECT_EQ(stem.plan().index(), "predicate_value");
  EXPECT_THAT(FactIds(stem), ElementsAre("f_jp_2023", "f_sg_2022", "f_kr_2024",
                                         "f_kr_2025", "f_plan"));
  EXPECT_EQ(stem.plan().keys_examined(), 5);
}

TEST_F(StoreQueriesTest, QuantityRangeReadsOnlyTheAmountsInRange) {
  auto range = [](const std::string& min, const std::string& max,
                  bool min_exclusive, bool max_exclusive) {
    return Filter([&](v1::FactFilter* f) {
      f->set_predicate(kTotal);
      v1::QuantityRange* r = f->mutable_quantity_range();
      r->set_unit("USD");
      r->set_min(min);
      r->set_max(max);
      r->set_min_exclusive(min_exclusive);
      r->set_max_exclusive(max_exclusive);
    });
  };
  v1::ListFactsResponse closed =
      List(range("74000000000", "85900000000", false, false));
  EXPECT_EQ(closed.plan().index(), "predicate_value");
  EXPECT_THAT(FactIds(closed), ElementsAre("f_sg_2022", "f_kr_2024"));
  // The scan starts at the lower bound and ends after the upper one.
  EXPECT_EQ(closed.plan().keys_examined(), 2);

  EXPECT_THAT(FactIds(List(range("74000000000", "85900000000", true, false))),
              ElementsAre("f_kr_2024"));
  EXPECT_THAT(FactIds(List(range("74000000000", "85900000000", false, true))),
              ElementsAre("f_sg_2022"));
  // Bounds are decimals, compared as numbers: "74000000000.0" is
  // 74000000000.
  EXPECT_THAT(FactIds(List(range("", "74000000000.0", false, false))),
              ElementsAre("f_jp_2023", "f_sg_2022"));
  v1::ListFactsResponse open_max = List(range("85900000000", "", false, false));
  EXPECT_THAT(FactIds(open_max), ElementsAre("f_kr_2024", "f_kr_2025"));
  EXPECT_EQ(open_max.plan().keys_examined(), 2);

  v1::ListFactsRequest other_unit = range("", "", false, false);
  other_unit.mutable_filter()->mutable_quantity_range()->set_unit("VND");
  v1::ListFactsResponse none = List(other_unit);
  EXPECT_THAT(FactIds(none), IsEmpty());
  EXPECT_EQ(none.plan().keys_examined(), 0);
}

TEST_F(StoreQueriesTest, ValidTimeFindsEveryIntervalOverlappingTheFilter) {
  v1::ListFactsResponse response = List(Filter([](v1::FactFilter* f) {
    f->mutable_valid_time()->set_start("2024");
    f->mutable_valid_time()->set_end("2025");
  }));
  EXPECT_EQ(response.plan().index(), "valid_time");
  // Bounded intervals by first day (the 2020-2030 plan began long before
  // 2024), then the open ones. Facts of 2022, 2023 and 2025 and facts
  // stating no valid time are not listed.
  EXPECT_THAT(FactIds(response), ElementsAre("f_plan", "f_kr_2024", "f_open"));
  // Bounded intervals starting from 2024 less the longest bounded span (the
  // plan's eleven years) up to 2025: 2020, 2022, 2023 and 2024; open ones
  // starting before 2025: f_open.
  EXPECT_EQ(response.plan().keys_examined(), 5);

  v1::ListFactsResponse from_2025 = List(Filter(
      [](v1::FactFilter* f) { f->mutable_valid_time()->set_start("2025"); }));
  EXPECT_THAT(FactIds(from_2025), ElementsAre("f_plan", "f_kr_2025", "f_open"));

  v1::ListFactsResponse until_2021 = List(Filter(
      [](v1::FactFilter* f) { f->mutable_valid_time()->set_end("2021-01"); }));
  EXPECT_THAT(FactIds(until_2021), ElementsAre("f_plan"));
}

TEST_F(StoreQueriesTest, NoFilterReadsEveryFactInIdOrder) {
  v1::ListFactsResponse response = List(v1::ListFactsRequest());
  EXPECT_EQ(response.plan().index(), "all_facts");
  EXPECT_THAT(
      FactIds(response),
      ElementsAre("f_jp_2023", "f_jp_partner", "f_kr_2024", "f_kr_2025",
                  "f_kr_jp", "f_kr_partner", "f_open", "f_plan", "f_sg_2022"));
  EXPECT_EQ(response.plan().keys_examined(), 9);
}

TEST_F(StoreQueriesTest, ConditionsBeyondTheIndexFilterWhatItReads) {
  // The subject index is read; the source document is checked on each fact.
  v1::ListFactsResponse response = List(Filter([](v1::FactFilter* f) {
    f->set_subject("country:japan");
    f->set_source_document("doc:b");
  }));
  EXPECT_EQ(response.plan().index(), "subject_predicate");
  EXPECT_THAT(FactIds(response), ElementsAre("f_jp_2023"));
  EXPECT_EQ(response.plan().keys_examined(), 2);
}

// ---- ListFacts: time travel ----

TEST_F(StoreQueriesTest, OlderCommitHidesFactsAssertedLater) {
  v1::ListFactsRequest request =
      Filter([](v1::FactFilter* f) { f->set_subject("country:south-korea"); });
  v1::ListFactsResponse at_1 = List(request, 1);
  EXPECT_THAT(FactIds(at_1),
              ElementsAre("f_kr_2024", "f_kr_jp", "f_kr_partner"));
  // f_kr_2025's index entry is there already; it is examined and skipped.
  EXPECT_EQ(at_1.plan().keys_examined(), 4);
  EXPECT_EQ(at_1.commit_token(), queries_->CommitToken(1));

  EXPECT_THAT(FactIds(List(request, 2)),
              ElementsAre("f_kr_2024", "f_kr_2025", "f_kr_jp", "f_kr_partner"));
  EXPECT_THAT(FactIds(List(request, 0)), IsEmpty());
}

// ---- GetFact and BatchGetFacts: answers on an arena or on the heap ----

// The query service makes these answers on an arena per call
// (server/arena_message_allocator.h) and parses the records onto it; an
// answer on the heap, as a direct caller makes it, holds the same facts.
TEST_F(StoreQueriesTest, PointReadsAnswerAlikeOnAnArenaAndOnTheHeap) {
  v1::BatchGetFactsRequest batch;
  batch.add_ids("f_kr_2025");
  batch.add_ids("f_nowhere");
  batch.add_ids("f_kr_2024");
  for (uint64_t commit : {uint64_t{1}, uint64_t{2}}) {
    SCOPED_TRACE(commit);
    google::protobuf::Arena arena;
    auto* on_arena =
        google::protobuf::Arena::CreateMessage<v1::BatchGetFactsResponse>(
            &arena);
    v1::BatchGetFactsResponse on_heap;
    ASSERT_TRUE(queries_->BatchGetFacts(batch, commit, on_arena).ok());
    ASSERT_TRUE(queries_->BatchGetFacts(batch, commit, &on_heap).ok());
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(*on_arena, on_heap))
        << on_arena->DebugString() << "\nagainst\n"
        << on_heap.DebugString();
    std::vector<std::string> found;
    for (const v1::Fact& fact : on_arena->facts()) found.push_back(fact.id());
    // f_kr_2025 is asserted at commit 2.
    if (commit == 1) {
      EXPECT_THAT(found, ElementsAre("f_kr_2024"));
      EXPECT_THAT(on_arena->missing_ids(),
                  ElementsAre("f_kr_2025", "f_nowhere"));
    } else {
      EXPECT_THAT(found, ElementsAre("f_kr_2025", "f_kr_2024"));
      EXPECT_THAT(on_arena->missing_ids(), ElementsAre("f_nowhere"));
      EXPECT_EQ(on_arena->facts(1).mentions_size(), 1);
    }
  }

  v1::GetFactRequest get;
  get.set_id("f_kr_2024");
  google::protobuf::Arena arena;
  auto* on_arena =
      google::protobuf::Arena::CreateMessage<v1::GetFactResponse>(&arena);
  v1::GetFactResponse on_heap;
  ASSERT_TRUE(queries_->GetFact(get, 2, on_arena).ok());
  ASSERT_TRUE(queries_->GetFact(get, 2, &on_heap).ok());
  EXPECT_EQ(on_arena->fact().id(), "f_kr_2024");
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(*on_arena, on_heap));
}

TEST_F(StoreQueriesTest,
       RetractedFactsAreHiddenFromTheCommitOfTheirRetraction) {
  storage::FactRecord retracted = *store_->ReadFact("f_jp_2023");
  storage::FactRevision* revision = retracted.add_revisions();
  *revision = retracted.revisions(0);
  revision->set_commit(3);
  revision->set_retracted(true);
  revision->set_retraction_reason("wrong figure");
  ASSERT_NO_FATAL_FAILURE(Commit(3, {retracted}));

  v1::ListFactsRequest request =
      Filter([](v1::FactFilter* f) { f->set_predicate(kTotal); });
  EXPECT_THAT(FactIds(List(request, 3)),
              ElementsAre("f_sg_2022", "f_kr_2024", "f_kr_2025"));
  v1::ListFactsResponse before = List(request, 2);
  ASSERT_THAT(FactIds(before),
              ElementsAre("f_jp_2023", "f_sg_2022", "f_kr_2024", "f_kr_2025"));
  EXPECT_FALSE(before.facts(0).retracted());

  request.mutable_filter()->set_include_retracted(true);
  v1::ListFactsResponse with_retracted = List(request, 3);
  ASSERT_THAT(FactIds(with_retracted),
              ElementsAre("f_jp_2023", "f_sg_2022", "f_kr_2024", "f_kr_2025"));
  EXPECT_TRUE(with_retracted.facts(0).retracted());
  EXPECT_EQ(with_retracted.facts(0).retraction_reason(), "wrong figure");
}

// ---- ListFacts: pages ----

TEST_F(StoreQueriesTest, PagesTogetherListEveryFactOnceInOrder) {
  const std::vector<v1::ListFactsRequest> requests = {
      v1::ListFactsRequest(),
      Filter([](v1::FactFilter* f) { f->set_subject("country:south-korea"); }),
      Filter([](v1::FactFilter* f) { f->set_predicate_prefix("investment."); }),
      Filter([](v1::FactFilter* f) { f->set_object("country:vietnam"); }),
      // Two ranges of the valid-time index.
      Filter([](v1::FactFilter* f) {
        f->mutable_valid_time()->set_start("2021");
      }),
  };
  for (const v1::ListFactsRequest& request : requests) {
    SCOPED_TRACE(request.ShortDebugString());
    const std::vector<std::string> whole = FactIds(List(request));
    ASSERT_GE(whole.size(), 2u);
    for (int page_size : {1, 2, 3}) {
      v1::ListFactsRequest paged = request;
      paged.set_page_size(page_size);
      std::vector<v1::ListFactsResponse> pages = ListAllPages(*queries_, paged);
      EXPECT_EQ(AllIds(pages), whole) << "page_size " << page_size;
      // Every page but the last is full; the last may be full too, when the
      // page ends exactly where the listing does.
      for (size_t i = 0; i + 1 < pages.size(); ++i) {
        EXPECT_EQ(pages[i].facts_size(), page_size) << "page " << i;
        EXPECT_EQ(pages[i].commit_token(), queries_->CommitToken(2));
      }
      EXPECT_LE(pages.size(), (whole.size() + page_size - 1) / page_size + 1);
    }
  }
}

TEST_F(StoreQueriesTest, PageStopsAfterMaxKeysPerReadAndTheNextGoesOn) {
  StoreQueries queries(store_.get(), /*max_keys_per_read=*/4);
  std::vector<v1::ListFactsResponse> pages =
      ListAllPages(queries, v1::ListFactsRequest());
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages[0].facts_size(), 4);
  EXPECT_EQ(pages[0].plan().keys_examined(), 4);
  EXPECT_FALSE(pages[0].next_page_token().empty());
  EXPECT_EQ(pages[1].facts_size(), 4);
  EXPECT_EQ(pages[1].plan().keys_examined(), 4);
  EXPECT_EQ(pages[2].facts_size(), 1);
  EXPECT_EQ(pages[2].plan().keys_examined(), 1);
  EXPECT_THAT(AllIds(pages), ::testing::ElementsAreArray(
                                 FactIds(List(v1::ListFactsRequest()))));
}

TEST_F(StoreQueriesTest, PageThatFoundNothingWithinItsKeysIsNotTheLast) {
  // Only the last fact in id order is observed: the first two pages examine
  // four facts each, find none, and still hand on a token.
  storage::FactRecord observed = *store_->ReadFact("f_sg_2022");
  observed.mutable_revisions(0)->set_modality(v1::MODALITY_OBSERVED);
  ASSERT_NO_FATAL_FAILURE(Commit(3, {observed}));
  StoreQueries queries(store_.get(), /*max_keys_per_read=*/4);
  std::vector<v1::ListFactsResponse> pages =
      ListAllPages(queries, Filter([](v1::FactFilter* f) {
                     f->add_modalities(v1::MODALITY_OBSERVED);
                   }),
                   3);
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_THAT(FactIds(pages[0]), IsEmpty());
  EXPECT_FALSE(pages[0].next_page_token().empty());
  EXPECT_THAT(FactIds(pages[1]), IsEmpty());
  EXPECT_FALSE(pages[1].next_page_token().empty());
  EXPECT_THAT(FactIds(pages[2]), ElementsAre("f_sg_2022"));
}

TEST_F(StoreQueriesTest, PagesOfOneKeyEachCrossEveryIndexRange) {
  // The valid-time plan reads the bounded intervals, then the open ones.
  v1::ListFactsRequest request = Filter(
      [](v1::FactFilter* f) { f->mutable_valid_time()->set_start("2021"); });
  StoreQueries queries(store_.get(), /*max_keys_per_read=*/1);
  std::vector<v1::ListFactsResponse> pages = ListAllPages(queries, request);
  for (const v1::ListFactsResponse& page : pages) {
    EXPECT_LE(page.plan().keys_examined(), 1);
  }
  EXPECT_EQ(AllIds(pages), FactIds(List(request)));
  EXPECT_THAT(AllIds(pages), ElementsAre("f_plan", "f_sg_2022", "f_jp_2023",
                                         "f_kr_2024", "f_kr_2025", "f_open"));
}

TEST_F(StoreQueriesTest, LaterPagesReadTheCommitOfTheFirst) {
  v1::ListFactsRequest request =
      Filter([](v1::FactFilter* f) { f->set_subject("country:south-korea"); });
  request.set_page_size(1);
  v1::ListFactsResponse first = List(request, 1);
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  absl::StatusOr<std::optional<PageCursor>> cursor =
      queries_->ListFactsCursor(request);
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  ASSERT_TRUE(cursor->has_value());
  EXPECT_EQ((*cursor)->commit(), 1u);
  // f_kr_2025 (commit 2) stays out of the listing begun at commit 1.
  std::vector<v1::ListFactsResponse> pages =
      ListAllPages(*queries_, request, 1);
  EXPECT_THAT(AllIds(pages), ElementsAre("f_kr_jp", "f_kr_partner"));
}

TEST_F(StoreQueriesTest,
       TokenContinuesItsFilterWhateverThePageSizeOrReadOptions) {
  v1::ListFactsRequest request =
      Filter([](v1::FactFilter* f) { f->set_predicate(kTotal); });
  request.set_page_size(1);
  absl::StatusOr<std::optional<PageCursor>> none =
      queries_->ListFactsCursor(request);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());

  request.set_page_token(List(request).next_page_token());
  ASSERT_FALSE(request.page_token().empty());
  request.set_page_size(50);
  request.mutable_read_options()->set_as_of(queries_->CommitToken(1));
  absl::StatusOr<std::optional<PageCursor>> cursor =
      queries_->ListFactsCursor(request);
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  ASSERT_TRUE(cursor->has_value());
  // It still reads where the first page did.
  EXPECT_EQ((*cursor)->commit(), 2u);
  v1::ListFactsResponse rest;
  ASSERT_TRUE(
      queries_->ListFacts(request, 2, *cursor, StopCheck(), &rest).ok());
  EXPECT_THAT(FactIds(rest),
              ElementsAre("f_sg_2022", "f_kr_2024", "f_kr_2025"));
}

TEST_F(StoreQueriesTest, TokenOfAnotherFilterOrStoreIsRefused) {
  v1::ListFactsRequest request =
      Filter([](v1::FactFilter* f) { f->set_predicate(kTotal); });
  request.set_page_size(1);
  request.set_page_token(List(request).next_page_token());
  ASSERT_FALSE(request.page_token().empty());

  v1::ListFactsRequest other_filter = request;
  other_filter.mutable_filter()->set_include_retracted(true);
  EXPECT_TRUE(NamesField(queries_->ListFactsCursor(other_filter).status(),
                         "page_token"));
  // The same filter, asked of SearchEntities.
  v1::SearchEntitiesRequest search;
  search.set_query("da nang");
  search.set_page_token(request.page_token());
  EXPECT_TRUE(NamesField(queries_->SearchEntitiesCursor(search).status(),
                         "page_token"));

  std::unique_ptr<storage::Store> other_store =
      OpenStore(dir_.path() + "/other");
  ASSERT_NE(other_store, nullptr);
  StoreQueries other(other_store.get());
  EXPECT_TRUE(
      NamesField(other.ListFactsCursor(request).status(), "page_token"));
}

// ---- ListFacts: filters refused ----

TEST_F(StoreQueriesTest, MalformedFiltersAreRefusedNamingTheField) {
  struct Case {
    std::function<void(v1::ListFactsRequest*)> set;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](v1::ListFactsRequest* r) {
         r->mutable_filter()->set_predicate(kTotal);
         r->mutable_filter()->set_predicate_prefix("investment.");
       },
       "filter.predicate_prefix"},
      {[](v1::ListFactsRequest* r) {
         r->mutable_filter()->mutable_quantity_range()->set_unit("USD");
       },
       "filter.quantity_range"},
      {[](v1::ListFactsRequest* r) {
         r->mutable_filter()->set_predicate(kTotal);
         r->mutable_filter()->mutable_quantity_range()->set_min("1");
       },
       "filter.quantity_range.unit"},
      {[](v1::ListFactsRequest* r) {
         r->mutable_filter()->set_predicate(kTotal);
         r->mutable_filter()->mutable_quantity_range()->set_unit("USD");
         r->mutable_filter()->mutable_quantity_range()->set_max("1,000");
       },
       "filter.quantity_range.max"},
      {[](v1::ListFactsRequest* r) {
         r->mutable_filter()->set_predicate(kTotal);
         r->mutable_filter()->mutable_quantity_range()->set_unit("USD");
         r->mutable_filter()->mutable_quantity_range()->set_min("2");
         r->mutable_filter()->mutable_quantity_range()->set_max("1");
       },
       "filter.quantity_range"},
      {[](v1::ListFactsRequest* r) {
         r->mutable_filter()->mutable_valid_time()->set_start("2024-13");
       },
       "filter.valid_time.start"},
      {[](v1::ListFactsRequest* r) {
         r->mutable_filter()->mutable_valid_time()->set_start("2024");
         r->mutable_filter()->mutable_valid_time()->set_end("2024");
       },
       "filter.valid_time"},
      {[](v1::ListFactsRequest* r) {
         r->mutable_filter()->add_modalities(v1::MODALITY_REPORTED);
         r->mutable_filter()->add_modalities(v1::MODALITY_UNSPECIFIED);
       },
       "filter.modalities[1]"},
      {[](v1::ListFactsRequest* r) {
         r->mutable_filter()->set_subject(std::string(257, 's'));
       },
       "filter.subject"},
      {[](v1::ListFactsRequest* r) { r->set_page_size(-1); }, "page_size"},
  };
  for (const Case& c : cases) {
    v1::ListFactsRequest request;
    c.set(&request);
    SCOPED_TRACE(request.ShortDebugString());
    v1::ListFactsResponse response;
    EXPECT_TRUE(NamesField(
        queries_->ListFacts(request, 2, std::nullopt, StopCheck(), &response),
        c.field));
    EXPECT_THAT(FactIds(response), IsEmpty());
    if (c.field != "page_size") {
      EXPECT_TRUE(
          NamesField(StoreQueries::ValidateFilter(request.filter()), c.field));
    }
  }
}

// ---- SearchEntities ----

TEST_F(StoreQueriesTest, SearchFindsANameWhateverItsDiacriticsCaseOrSpacing) {
  for (const std::string& query :
       std::vector<std::string>{"da nang", "Đà Nẵng", "DA-NANG", "danang"}) {
    v1::SearchEntitiesResponse response = Search(query);
    ASSERT_GE(response.matches_size(), 1) << query;
    EXPECT_EQ(response.matches(0).entity().id(), "place:da-nang") << query;
    EXPECT_EQ(response.matches(0).matched_name(), "Đà Nẵng") << query;
    EXPECT_EQ(response.matches(0).match_kind(), v1::MATCH_KIND_EXACT) << query;
  }
  v1::SearchEntitiesResponse korean = Search("다낭");
  ASSERT_EQ(korean.matches_size(), 1);
  EXPECT_EQ(korean.matches(0).entity().id(), "place:da-nang");
  EXPECT_EQ(korean.matches(0).matched_name(), "다낭");
}

TEST_F(StoreQueriesTest, SearchListsExactThenPrefixThenLaterWordMatches) {
  v1::SearchEntitiesResponse response = Search("da nang");
  EXPECT_THAT(EntityIds(response),
              ElementsAre("place:da-nang", "org:da-nang-airport",
                          "org:da-nang-port", "org:cham-museum"));
  ASSERT_EQ(response.matches_size(), 4);
  EXPECT_EQ(response.matches(1).match_kind(), v1::MATCH_KIND_PREFIX);
  EXPECT_EQ(response.matches(1).matched_name(),
            "Da Nang International Airport");
  EXPECT_EQ(response.matches(2).match_kind(), v1::MATCH_KIND_PREFIX);
  EXPECT_EQ(response.matches(3).match_kind(), v1::MATCH_KIND_WORD_PREFIX);
  EXPECT_EQ(response.matches(3).matched_name(),
            "Bảo tàng Điêu khắc Chăm Đà Nẵng");
  EXPECT_THAT(response.next_page_token(), IsEmpty());
  EXPECT_EQ(response.commit_token(), queries_->CommitToken(2));
}

TEST_F(StoreQueriesTest, SearchNarrowsByExactnessAndType) {
  v1::SearchEntitiesRequest exact;
  exact.set_query("da nang");
  exact.set_exact_only(true);
  EXPECT_THAT(EntityIds(Search(exact)), ElementsAre("place:da-nang"));

  v1::SearchEntitiesRequest organizations;
  organizations.set_query("da nang");
  organizations.add_types(v1::ENTITY_TYPE_ORGANIZATION);
  EXPECT_THAT(EntityIds(Search(organizations)),
              ElementsAre("org:da-nang-airport", "org:da-nang-port",
                          "org:cham-museum"));
}

TEST_F(StoreQueriesTest, SearchAtAnOlderCommitDoesNotFindLaterEntities) {
  EXPECT_THAT(
      EntityIds(Search("da nang", 1)),
      ElementsAre("place:da-nang", "org:da-nang-port", "org:cham-museum"));
  EXPECT_THAT(EntityIds(Search("da nang", 0)), IsEmpty());
}

TEST_F(StoreQueriesTest, SearchPagesTogetherListEveryMatchOnce) {
  // Budgets that end pages before they are full, at one entry or three.
  StoreQueries budget_of_one(store_.get(), /*max_keys_per_read=*/1);
  StoreQueries budget_of_three(store_.get(), /*max_keys_per_read=*/3);
  for (const StoreQueries* queries :
       {queries_.get(), &budget_of_one, &budget_of_three}) {
    v1::SearchEntitiesRequest request;
    request.set_query("da nang");
    request.set_page_size(1);
    std::vector<std::string> ids;
    int pages = 0;
    for (; pages < 50; ++pages) {
      absl::StatusOr<std::optional<PageCursor>> cursor =
          queries->SearchEntitiesCursor(request);
      ASSERT_TRUE(cursor.ok()) << cursor.status();
      v1::SearchEntitiesResponse response;
      ASSERT_TRUE(
          queries->SearchEntities(request, 2, *cursor, StopCheck(), &response)
              .ok());
      EXPECT_LE(response.matches_size(), 1);
      for (const std::string& id : EntityIds(response)) ids.push_back(id);
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    EXPECT_THAT(ids, ElementsAre("place:da-nang", "org:da-nang-airport",
                                 "org:da-nang-port", "org:cham-museum"));
    if (queries == queries_.get()) {
      EXPECT_EQ(pages + 1, 4);  // one match a page, the last without a token
    }
  }
}

// The query service makes SearchEntities' answers on an arena per call. A
// search parses the entities of its first two pages' worth of index entries
// onto it and later ones onto an arena per batch; forty wards of Da Nang, all
// places, make the organizations' search read past that within one page.
// Every page is the page an answer on the heap gets.
TEST_F(StoreQueriesTest, SearchAnswersAlikeOnAnArenaAndOnTheHeap) {
  std::vector<storage::EntityRecord> wards;
  for (int i = 1; i <= 40; ++i) {
    wards.push_back(Entity(absl::StrCat("place:da-nang-ward-", i),
                           v1::ENTITY_TYPE_PLACE,
                           absl::StrCat("Da Nang Ward ", i), {}, 3));
  }
  ASSERT_NO_FATAL_FAILURE(Commit(3, {}, wards));
  for (bool organizations : {true, false}) {
    for (int page_size : {1, 3, 100}) {
      v1::SearchEntitiesRequest request;
      request.set_query("da nang");
      request.set_page_size(page_size);
      if (organizations) request.add_types(v1::ENTITY_TYPE_ORGANIZATION);
      std::vector<std::string> ids;
      for (int page = 0; page < 50; ++page) {
        SCOPED_TRACE(absl::StrCat("organizations ", organizations,
                                  ", page size ", page_size, ", page ", page));
        absl::StatusOr<std::optional<PageCursor>> cursor =
            queries_->SearchEntitiesCursor(request);
        ASSERT_TRUE(cursor.ok()) << cursor.status();
        google::protobuf::Arena arena;
        auto* on_arena =
            google::protobuf::Arena::CreateMessage<v1::SearchEntitiesResponse>(
                &arena);
        v1::SearchEntitiesResponse on_heap;
        ASSERT_TRUE(
            queries_->SearchEntities(request, 3, *cursor, StopCheck(), on_arena)
                .ok());
        ASSERT_TRUE(
            queries_->SearchEntities(request, 3, *cursor, StopCheck(), &on_heap)
                .ok());
        // A page token holds the time it was made; the pages are compared
        // without theirs.
        std::string next = on_arena->next_page_token();
        EXPECT_EQ(next.empty(), on_heap.next_page_token().empty());
        on_arena->clear_next_page_token();
        on_heap.clear_next_page_token();
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
            *on_arena, on_heap))
            << on_arena->DebugString() << "\nagainst\n"
            << on_heap.DebugString();
        for (const std::string& id : EntityIds(*on_arena)) ids.push_back(id);
        if (next.empty()) break;
        request.set_page_token(next);
      }
      SCOPED_TRACE(absl::StrCat("page size ", page_size));
      if (organizations) {
        EXPECT_THAT(ids, ElementsAre("org:da-nang-airport", "org:da-nang-port",
                                     "org:cham-museum"));
      } else {
        ASSERT_EQ(ids.size(), 44u);
        EXPECT_EQ(ids.front(), "place:da-nang");
        EXPECT_EQ(ids.back(), "org:cham-museum");
      }
    }
  }
}

TEST_F(StoreQueriesTest, SearchWithoutLettersOrDigitsIsRefused) {
  for (const std::string& query :
       std::vector<std::string>{"", "!!! ---", std::string(257, 'a')}) {
    v1::SearchEntitiesRequest request;
    request.set_query(query);
    v1::SearchEntitiesResponse response;
    EXPECT_TRUE(NamesField(queries_->SearchEntities(request, 2, std::nullopt,
                                                    StopCheck(), &response),
                           "query"))
        << "\"" << query << "\"";
  }
}

}  // namespace
}  // namespace factstore::query
