// MergeEntities end to end: what every read shows of a merged entity and of
// the facts that named it, before and after the merge's commit; the change
// feed's events; what writes naming the duplicate get; retries; erasing a
// merged entity.
#include "query_service/query_test_fixture.h"

namespace factstore {
namespace {

using ::testing::Contains;
using ::testing::Not;

constexpr char kDuplicate[] = R"pb(
  entities {
    id: "place:danang-city"
    type: ENTITY_TYPE_PLACE
    name: "Danang City"
    aliases: "Thành phố Đà Nẵng"
    external_ids { key: "geonames" value: "1583992" }
    labels {
      key: "ko"
      value { name: "다낭시" }
    }
  }
  entities {
    id: "doc:da-nang-ict-copy"
    type: ENTITY_TYPE_DOCUMENT
    name: "Korea - Vietnam ICT investment conference (syndicated copy)"
  }
)pb";

class MergeTest : public QueryServiceTest {
 protected:
  void SetUp() override {
    QueryServiceTest::SetUp();
    Upsert(kDuplicate);
    // F1 and F2 state one claim of two ids of one city: after the merge they
    // are one fact with both mentions.
    v1::IngestFactsResponse ingested = IngestAll({
        RawFact("place:danang-city", "investment.cumulative_total",
                "US$ 1 billion", "doc:da-nang-ict", "a billion dollars"),
        RawFact("place:da-nang", "investment.cumulative_total", "US$ 1 billion",
                "doc:seoul-forum", "US$1 billion so far"),
        [] {
          v1::Fact f =
              RawFact("event:vn-kr-digital-forum-2024", "event.location", "",
                      "doc:seoul-forum", "held in Danang City");
          f.mutable_value()->set_entity_id("place:danang-city");
          return f;
        }(),
        RawFact("place:seoul", "note.text", "capital", "doc:da-nang-ict-copy",
                "the capital Seoul"),
    });
    f1_ = ingested.results(0).fact_id();
    f2_ = ingested.results(1).fact_id();
    f3_ = ingested.results(2).fact_id();
    f4_ = ingested.results(3).fact_id();
    before_merge_ = last_commit_;
  }

  grpc::Status MergeCall(const std::string& from, const std::string& into,
                         v1::MergeEntitiesResponse* response,
                         const std::string& request_id = "") {
    v1::MergeEntitiesRequest request;
    request.set_from_entity_id(from);
    request.set_into_entity_id(into);
    request.set_request_id(request_id);
    auto context = Context();
    return ingest().MergeEntities(context.get(), request, response);
  }
  v1::MergeEntitiesResponse Merge(const std::string& from,
                                  const std::string& into,
                                  const std::string& request_id = "") {
    v1::MergeEntitiesResponse response;
    grpc::Status status = MergeCall(from, into, &response, request_id);
    EXPECT_TRUE(status.ok()) << status.error_message();
    Track(response.commit_token());
    return response;
  }
  v1::Entity GetEntity(const std::string& id, v1::ReadOptions options = {}) {
    v1::GetEntityRequest request;
    request.set_id(id);
    *request.mutable_read_options() = options;
    v1::GetEntityResponse response;
    auto context = Context();
    grpc::Status status =
        query().GetEntity(context.get(), Fresh(request), &response);
    EXPECT_TRUE(status.ok()) << id << ": " << status.error_message();
    return response.entity();
  }
  v1::Fact GetFactOk(const std::string& id, v1::ReadOptions options = {}) {
    v1::GetFactResponse response;
    grpc::Status status = GetFact(id, &response, options);
    EXPECT_TRUE(status.ok()) << id << ": " << status.error_message();
    return response.fact();
  }
  v1::ReadOptions AsOf(const std::string& token) {
    v1::ReadOptions options;
    options.set_as_of(token);
    return options;
  }

  std::string f1_, f2_, f3_, f4_;
  std::string before_merge_;
};

std::vector<std::string> DocumentsOf(const v1::Fact& fact) {
  std::vector<std::string> documents;
  for (const v1::Mention& m : fact.mentions()) {
    documents.push_back(m.document_id());
  }
  std::sort(documents.begin(), documents.end());
  return documents;
}

TEST_F(MergeTest, ReadsFollowTheRedirectsAndTimeTravelSeesTheOldState) {
  v1::GetStatsResponse stats_before = Stats();
  v1::MergeEntitiesResponse merged =
      Merge("place:danang-city", "place:da-nang");
  EXPECT_EQ(merged.moved_fact_count(), 2);     // F1 and F3
  EXPECT_EQ(merged.combined_fact_count(), 1);  // F1 into F2
  EXPECT_EQ(merged.moved_mention_count(), 0);
  // The survivor takes the duplicate's names, identifiers and labels.
  EXPECT_EQ(merged.entity().id(), "place:da-nang");
  EXPECT_THAT(merged.entity().aliases(), Contains("Danang City"));
  EXPECT_THAT(merged.entity().aliases(), Contains("Thành phố Đà Nẵng"));
  EXPECT_EQ(merged.entity().external_ids().at("geonames"), "1583992");
  EXPECT_EQ(merged.entity().labels().at("ko").name(), "다낭시");
  EXPECT_THAT(merged.entity().merged_entity_ids(),
              ElementsAre("place:danang-city"));

  // The old id leads to the survivor, and says so.
  v1::Entity entity = GetEntity("place:danang-city");
  EXPECT_EQ(entity.id(), "place:da-nang");
  EXPECT_EQ(entity.redirected_from(), "place:danang-city");
  EXPECT_EQ(GetEntity("place:da-nang").redirected_from(), "");
  // Before the merge, the duplicate was itself.
  v1::Entity old = GetEntity("place:danang-city", AsOf(before_merge_));
  EXPECT_EQ(old.id(), "place:danang-city");
  EXPECT_EQ(old.name(), "Danang City");
  EXPECT_EQ(old.redirected_from(), "");
  EXPECT_TRUE(GetEntity("place:da-nang", AsOf(before_merge_))
                  .merged_entity_ids()
                  .empty());
  v1::BatchGetEntitiesRequest batch;
  batch.add_ids("place:danang-city");
  batch.add_ids("place:nowhere");
  v1::BatchGetEntitiesResponse batch_response;
  auto batch_context = Context();
  ASSERT_TRUE(
      query()
          .BatchGetEntities(batch_context.get(), Fresh(batch), &batch_response)
          .ok());
  ASSERT_EQ(batch_response.entities_size(), 1);
  EXPECT_EQ(batch_response.entities(0).id(), "place:da-nang");
  EXPECT_EQ(batch_response.entities(0).redirected_from(), "place:danang-city");
  EXPECT_THAT(batch_response.missing_ids(), ElementsAre("place:nowhere"));

  // F1 became F2 (which gained F1's mention); F3 got a new id.
  v1::Fact f1 = GetFactOk(f1_);
  EXPECT_EQ(f1.id(), f2_);
  EXPECT_EQ(f1.redirected_from(), f1_);
  EXPECT_THAT(DocumentsOf(f1),
              ElementsAre("doc:da-nang-ict", "doc:seoul-forum"));
  v1::Fact f3 = GetFactOk(f3_);
  EXPECT_NE(f3.id(), f3_);
  EXPECT_EQ(f3.redirected_from(), f3_);
  EXPECT_EQ(f3.value().entity_id(), "place:da-nang");
  EXPECT_EQ(GetFactOk(f3.id()).redirected_from(), "");
  // As of before the merge, the old facts are as they were.
  v1::Fact old_f1 = GetFactOk(f1_, AsOf(before_merge_));
  EXPECT_EQ(old_f1.id(), f1_);
  EXPECT_EQ(old_f1.subject(), "place:danang-city");
  EXPECT_EQ(old_f1.redirected_from(), "");
  EXPECT_THAT(DocumentsOf(GetFactOk(f2_, AsOf(before_merge_))),
              ElementsAre("doc:seoul-forum"));
  v1::GetFactResponse missing;
  EXPECT_EQ(GetFact(f3.id(), &missing, AsOf(before_merge_)).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::BatchGetFactsRequest facts;
  facts.add_ids(f1_);
  facts.add_ids(f3_);
  v1::BatchGetFactsResponse facts_response;
  auto facts_context = Context();
  ASSERT_TRUE(
      query()
          .BatchGetFacts(facts_context.get(), Fresh(facts), &facts_response)
          .ok());
  ASSERT_EQ(facts_response.facts_size(), 2);
  EXPECT_EQ(facts_response.facts(0).id(), f2_);
  EXPECT_EQ(facts_response.facts(0).redirected_from(), f1_);
  EXPECT_EQ(facts_response.facts(1).id(), f3.id());

  // Filters naming the duplicate read the survivor, and report it.
  v1::ListFactsRequest by_subject;
  by_subject.mutable_filter()->set_subject("place:danang-city");
  by_subject.mutable_filter()->set_predicate("investment.cumulative_total");
  v1::ListFactsResponse listed = ListFactsOk(by_subject);
  EXPECT_EQ(IdsOf(listed.facts()), IdSet({f2_}));
  ASSERT_EQ(listed.redirects_size(), 1);
  EXPECT_EQ(listed.redirects(0).from_id(), "place:danang-city");
  EXPECT_EQ(listed.redirects(0).to_id(), "place:da-nang");
  *by_subject.mutable_read_options() = AsOf(before_merge_);
  listed = ListFactsOk(by_subject);
  EXPECT_EQ(IdsOf(listed.facts()), IdSet({f1_}));
  EXPECT_EQ(listed.redirects_size(), 0);
  v1::ListFactsRequest by_object;
  by_object.mutable_filter()->set_object("place:danang-city");
  EXPECT_EQ(IdsOf(ListFactsOk(by_object).facts()), IdSet({f3.id()}));
  v1::ListFactsRequest old_subject_now;
  old_subject_now.mutable_filter()->set_subject("place:da-nang");
  old_subject_now.mutable_filter()->set_predicate("event.location");
  EXPECT_TRUE(ListFactsOk(old_subject_now).facts().empty());
  v1::ResolveValueResponse resolved =
      Resolve("place:danang-city", "investment.cumulative_total");
  EXPECT_EQ(resolved.preferred().id(), f2_);
  ASSERT_EQ(resolved.redirects_size(), 1);
  EXPECT_EQ(resolved.redirects(0).to_id(), "place:da-nang");

  // Searches find the survivor by the duplicate's names, and not the
  // duplicate.
  std::vector<std::string> found;
  v1::SearchEntitiesResponse searched = Search("Danang City");
  for (const auto& m : searched.matches()) {
    found.push_back(m.entity().id());
  }
  EXPECT_THAT(found, Contains("place:da-nang"));
  EXPECT_THAT(found, Not(Contains("place:danang-city")));

  // One entity and one fact fewer (F1 and F2 are one); no mention lost.
  v1::GetStatsResponse stats = Stats();
  EXPECT_EQ(stats.entity_count(), stats_before.entity_count() - 1);
  EXPECT_EQ(stats.fact_count(), stats_before.fact_count() - 1);
  EXPECT_EQ(stats.mention_count(), stats_before.mention_count());
}

TEST_F(MergeTest, MentionsMoveToTheSurvivingDocumentAndKeepTheirFact) {
  v1::MergeEntitiesResponse merged =
      Merge("doc:da-nang-ict-copy", "doc:da-nang-ict");
  EXPECT_EQ(merged.moved_fact_count(), 0);
  EXPECT_EQ(merged.moved_mention_count(), 1);
  v1::Fact f4 = GetFactOk(f4_);
  EXPECT_EQ(f4.id(), f4_);
  EXPECT_THAT(DocumentsOf(f4), ElementsAre("doc:da-nang-ict"));
  EXPECT_THAT(DocumentsOf(GetFactOk(f4_, AsOf(before_merge_))),
              ElementsAre("doc:da-nang-ict-copy"));
  v1::ListFactsRequest by_source;
  by_source.mutable_filter()->set_source_document("doc:da-nang-ict-copy");
  v1::ListFactsResponse listed = ListFactsOk(by_source);
  EXPECT_THAT(IdsOf(listed.facts()), Contains(f4_));
  ASSERT_EQ(listed.redirects_size(), 1);
  EXPECT_EQ(listed.redirects(0).to_id(), "doc:da-nang-ict");
  *by_source.mutable_read_options() = AsOf(before_merge_);
  EXPECT_EQ(IdsOf(ListFactsOk(by_source).facts()), IdSet({f4_}));
}

TEST_F(MergeTest, CombinedFactsTakeTheirModalityFromEverySource) {
  // F1's source observed the figure, F2's forecast it.
  auto reweighed = [](v1::Fact fact, v1::Modality modality) {
    fact.mutable_mentions(0)->set_modality(modality);
    return fact;
  };
  IngestAll({reweighed(RawFact("place:danang-city",
                               "investment.cumulative_total", "US$ 1 billion",
                               "doc:da-nang-ict", "a billion dollars"),
                       v1::MODALITY_OBSERVED),
             reweighed(RawFact("place:da-nang", "investment.cumulative_total",
                               "US$ 1 billion", "doc:seoul-forum",
                               "US$1 billion so far"),
                       v1::MODALITY_FORECAST)});
  const std::string before = last_commit_;
  EXPECT_EQ(GetFactOk(f2_).modality(), v1::MODALITY_FORECAST);

  Merge("place:danang-city", "place:da-nang");
  v1::Fact combined = GetFactOk(f2_);
  EXPECT_EQ(combined.modality(), v1::MODALITY_OBSERVED);
  ASSERT_EQ(combined.mentions_size(), 2);
  for (const v1::Mention& m : combined.mentions()) {
    EXPECT_EQ(m.modality(), m.document_id() == "doc:da-nang-ict"
                                ? v1::MODALITY_OBSERVED
                                : v1::MODALITY_FORECAST)
        << m.document_id();
  }
  EXPECT_EQ(GetFactOk(f2_, AsOf(before)).modality(), v1::MODALITY_FORECAST);
}

TEST_F(MergeTest, TheChangeFeedReportsTheMergeAndEachMovedFact) {
  v1::WatchFactsRequest request;
  request.set_after(before_merge_);
  request.add_kinds(v1::CHANGE_KIND_ENTITY_MERGED);
  request.add_kinds(v1::CHANGE_KIND_MOVED);
  request.add_kinds(v1::CHANGE_KIND_ASSERTED);
  request.add_kinds(v1::CHANGE_KIND_MENTION_ADDED);
  WatchClient watch(query(), request);
  v1::MergeEntitiesResponse merged =
      Merge("place:danang-city", "place:da-nang");
  ASSERT_TRUE(watch.WaitForEvents(5));
  absl::SleepFor(absl::Milliseconds(50));
  std::vector<v1::ChangeEvent> events = watch.Events();
  ASSERT_EQ(events.size(), 5u);
  for (const auto& e : events) {
    EXPECT_EQ(e.commit_token(), merged.commit_token());
  }
  EXPECT_EQ(events[0].kind(), v1::CHANGE_KIND_ENTITY_MERGED);
  EXPECT_EQ(events[0].merged_entity_id(), "place:danang-city");
  EXPECT_EQ(events[0].entity().id(), "place:da-nang");
  // Each moved fact as it was, then its successor.
  std::map<std::string, std::string> moved;
  std::set<std::string> successors;
  for (size_t i = 1; i < events.size(); ++i) {
    if (events[i].kind() == v1::CHANGE_KIND_MOVED) {
      EXPECT_EQ(events[i].fact().subject() == "place:danang-city" ||
                    events[i].fact().value().entity_id() == "place:danang-city",
                true)
          << events[i].DebugString();
      moved[events[i].fact().id()] = events[i].moved_to_fact_id();
    } else {
      successors.insert(events[i].fact().id());
    }
  }
  ASSERT_EQ(moved.size(), 2u);
  EXPECT_EQ(moved[f1_], f2_);
  EXPECT_EQ(successors, IdSet({f2_, moved[f3_]}));

  // A watch that names no kinds gets the moves but not the merge.
  v1::WatchFactsRequest plain;
  plain.set_after(before_merge_);
  WatchClient plain_watch(query(), plain);
  ASSERT_TRUE(plain_watch.WaitForEvents(4));
  absl::SleepFor(absl::Milliseconds(50));
  for (const auto& e : plain_watch.Events()) {
    EXPECT_NE(e.kind(), v1::CHANGE_KIND_ENTITY_MERGED);
  }
  EXPECT_EQ(plain_watch.Events().size(), 4u);
}

TEST_F(MergeTest, WritesNamingTheDuplicateAreRefusedAndRetriesAnswerTheSame) {
  v1::MergeEntitiesResponse merged =
      Merge("place:danang-city", "place:da-nang", "merge-1");
  // The same request again is answered as the first time.
  v1::MergeEntitiesResponse retried;
  ASSERT_TRUE(
      MergeCall("place:danang-city", "place:da-nang", &retried, "merge-1")
          .ok());
  EXPECT_EQ(retried.commit_token(), merged.commit_token());
  EXPECT_EQ(retried.moved_fact_count(), merged.moved_fact_count());
  EXPECT_EQ(retried.entity().id(), "place:da-nang");
  // Without the key, merging a redirect again is refused.
  v1::MergeEntitiesResponse again;
  grpc::Status status = MergeCall("place:danang-city", "place:da-nang", &again);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("from_entity_id"));
  EXPECT_THAT(status.error_message(), HasSubstr("already merged"));
  status = MergeCall("place:seoul", "place:danang-city", &again);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("into_entity_id"));

  // A fact naming the duplicate is refused, naming the survivor.
  v1::IngestFactsRequest ingest_request;
  *ingest_request.add_facts() =
      RawFact("place:danang-city", "education.it_institution_count", "12",
              "doc:da-nang-ict", "12 institutions");
  v1::IngestFactsResponse ingested = testing::Ingest(*cluster_, ingest_request);
  ASSERT_EQ(ingested.results_size(), 1);
  EXPECT_EQ(ingested.results(0).outcome(), v1::OUTCOME_REJECTED);
  EXPECT_THAT(ingested.results(0).error().message(),
              HasSubstr("merged into \"place:da-nang\""));
  // So is upserting it, and retracting a moved fact (naming its successor).
  v1::UpsertEntitiesRequest upsert = Parse<v1::UpsertEntitiesRequest>(
      R"pb(entities {
             id: "place:danang-city"
             type: ENTITY_TYPE_PLACE
             name: "Danang"
           })pb");
  v1::UpsertEntitiesResponse upserted;
  auto upsert_context = Context();
  ASSERT_TRUE(
      ingest().UpsertEntities(upsert_context.get(), upsert, &upserted).ok());
  EXPECT_EQ(upserted.results(0).outcome(), v1::OUTCOME_REJECTED);
  EXPECT_THAT(upserted.results(0).error().message(),
              HasSubstr("was merged into"));
  v1::RetractFactsRequest retract;
  retract.add_fact_ids(f1_);
  retract.set_reason("wrong");
  v1::RetractFactsResponse retracted;
  auto retract_context = Context();
  ASSERT_TRUE(
      ingest().RetractFacts(retract_context.get(), retract, &retracted).ok());
  EXPECT_EQ(retracted.results(0).outcome(), v1::OUTCOME_REJECTED);
  EXPECT_THAT(retracted.results(0).error().message(), HasSubstr(f2_));
}

TEST_F(MergeTest, BadMergesAreRefusedAndChangeNothing) {
  v1::GetStatsResponse before = Stats();
  v1::MergeEntitiesResponse response;
  ExpectInvalid(MergeCall("place:da-nang", "place:da-nang", &response),
                "into_entity_id", "same id");
  ExpectInvalid(MergeCall("", "place:da-nang", &response), "from_entity_id",
                "no from");
  ExpectInvalid(MergeCall("place:da-nang", "", &response), "into_entity_id",
                "no into");
  grpc::Status status = MergeCall("place:nowhere", "place:da-nang", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("from_entity_id"));
  status = MergeCall("org:fpt", "place:da-nang", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("same type"));
  v1::GetStatsResponse after = Stats();
  EXPECT_EQ(after.commit_token(), before.commit_token());
  EXPECT_EQ(GetEntity("place:danang-city").id(), "place:danang-city");
}

TEST_F(MergeTest, CountsStayRightThroughMergesAndLaterErasures) {
  // A fact stated of the duplicate from the duplicate document, and the same
  // quote from the surviving document: one mention after both merges.
  v1::Fact twice =
      RawFact("place:danang-city", "education.it_institution_count", "12",
              "doc:da-nang-ict-copy", "12 institutions");
  *twice.add_mentions() =
      RawFact("x", "x", "", "doc:da-nang-ict", "12 institutions").mentions(0);
  // And from another document, which the erasure below takes away.
  *twice.add_mentions() =
      RawFact("x", "x", "", "doc:seoul-forum", "twelve of them").mentions(0);
  std::string twice_id = IngestOne(twice);
  // The same document gives the survivor another total (a cardinality ONE
  // predicate): after the merge it gives both.
  IngestOne(RawFact("place:da-nang", "investment.cumulative_total",
                    "US$ 3 billion", "doc:da-nang-ict", "three billion"));
  Merge("doc:da-nang-ict-copy", "doc:da-nang-ict");
  v1::GetStatsResponse before = Stats();
  v1::MergeEntitiesResponse merged =
      Merge("place:danang-city", "place:da-nang");
  v1::Fact moved = GetFactOk(twice_id);
  EXPECT_THAT(DocumentsOf(moved),
              ElementsAre("doc:da-nang-ict", "doc:seoul-forum"));
  v1::GetStatsResponse after = Stats();
  EXPECT_EQ(after.fact_count(), before.fact_count() - 1);  // F1 into F2
  EXPECT_EQ(after.mention_count(), before.mention_count());

  // Claims of one document the merge put side by side come again unchanged.
  v1::IngestFactsResponse again = IngestAll(
      {RawFact("place:da-nang", "investment.cumulative_total", "US$ 1 billion",
               "doc:da-nang-ict", "a billion dollars")});
  EXPECT_EQ(again.results(0).outcome(), v1::OUTCOME_UNCHANGED);

  // Erasing a document that is one source of a moved fact takes one mention
  // from the count, not one per record that keeps a copy of it.
  before = Stats();
  v1::EraseEntityResponse erased = Erase("doc:seoul-forum", "test erasure");
  after = Stats();
  EXPECT_GT(erased.erased_mention_count(), 0);
  v1::ListFactsRequest all;
  all.set_page_size(1000);
  v1::ListFactsResponse listed = ListFactsOk(all);
  int64_t mentions = 0;
  for (const v1::Fact& f : listed.facts()) mentions += f.mentions_size();
  EXPECT_EQ(after.mention_count(), mentions);
  EXPECT_EQ(after.fact_count(), listed.facts_size());
  // The merged fact that kept a source still redirects.
  EXPECT_EQ(GetFactOk(f1_).id(), f2_);
  EXPECT_EQ(merged.combined_fact_count(), 1);
}

TEST_F(MergeTest, IdentifiersOfTheDuplicateFindTheSurvivor) {
  Upsert(R"pb(entities {
                id: "place:da-nang"
                type: ENTITY_TYPE_PLACE
                name: "Đà Nẵng"
                external_ids { key: "geonames" value: "1583992-city" }
              })pb");
  Merge("place:danang-city", "place:da-nang");
  // The survivor kept its own geonames id; the duplicate's still finds it.
  for (const std::string value : {"1583992", "1583992-city"}) {
    v1::LookupEntityRequest request;
    request.mutable_external_id()->set_system("geonames");
    request.mutable_external_id()->set_value(value);
    v1::LookupEntityResponse response;
    auto context = Context();
    grpc::Status status =
        query().LookupEntity(context.get(), Fresh(request), &response);
    ASSERT_TRUE(status.ok()) << value << ": " << status.error_message();
    ASSERT_EQ(response.entities_size(), 1) << value;
    EXPECT_EQ(response.entities(0).id(), "place:da-nang");
  }
}

TEST_F(MergeTest, ErasingAMergedEntityErasesEveryIdItWasKnownBy) {
  Merge("place:danang-city", "place:da-nang");
  v1::GetStatsResponse before = Stats();
  v1::EraseEntityResponse erased = Erase("place:danang-city", "test erasure");
  EXPECT_EQ(erased.tombstone().entity_id(), "place:danang-city");
  for (const std::string id : {"place:danang-city", "place:da-nang"}) {
    v1::GetEntityRequest request;
    request.set_id(id);
    v1::GetEntityResponse response;
    auto context = Context();
    grpc::Status status =
        query().GetEntity(context.get(), Fresh(request), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << id;
  }
  v1::GetFactResponse gone;
  EXPECT_EQ(GetFact(f1_, &gone).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetFact(f2_, &gone).error_code(), grpc::StatusCode::NOT_FOUND);
  // Time travel does not bring them back either.
  EXPECT_EQ(GetFact(f1_, &gone, AsOf(before_merge_)).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::GetStatsResponse after = Stats();
  EXPECT_EQ(after.entity_count(), before.entity_count() - 1);
  EXPECT_EQ(after.tombstone_count(), before.tombstone_count() + 2);
  EXPECT_EQ(after.fact_count(),
            before.fact_count() - erased.erased_fact_count());
}

}  // namespace
}  // namespace factstore
