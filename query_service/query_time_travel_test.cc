// End-to-end tests of the query service (query_test_fixture.h): Time travel:
// reads as of a commit or a time.
#include "query_service/query_test_fixture.h"

namespace factstore {
namespace {

// Time travel.

TEST_F(QueryServiceTest, TimeTravelByCommitAndByTime) {
  absl::SleepFor(absl::Milliseconds(20));
  absl::Time before_fact = absl::Now();
  absl::SleepFor(absl::Milliseconds(20));
  std::string asserted;
  std::string id =
      IngestOne(RawFact("place:da-nang", "education.it_institution_count", "37",
                        "doc:da-nang-ict", "37 institutions"),
                &asserted);
  absl::SleepFor(absl::Milliseconds(20));
  absl::Time between = absl::Now();
  absl::SleepFor(absl::Milliseconds(20));
  // Another source, then a retraction.
  IngestOne(RawFact("place:da-nang", "education.it_institution_count", "37",
                    "doc:seoul-forum", "thirty-seven institutions"));
  std::string mentioned = last_commit_;
  std::string retracted = Retract({id}, "wrong count");

  auto get_at = [&](v1::ReadOptions options, v1::GetFactResponse* response) {
    return GetFact(id, response, options);
  };
  v1::GetFactResponse response;
  v1::ReadOptions options;

  // Now.
  ASSERT_TRUE(get_at({}, &response).ok());
  EXPECT_TRUE(response.fact().retracted());
  EXPECT_EQ(response.fact().retraction_reason(), "wrong count");
  EXPECT_EQ(response.fact().retracted_commit(), retracted);
  EXPECT_EQ(response.fact().mentions_size(), 2);

  // Before the retraction: not retracted, one source.
  options.set_as_of(asserted);
  ASSERT_TRUE(get_at(options, &response).ok());
  EXPECT_FALSE(response.fact().retracted());
  EXPECT_TRUE(response.fact().retracted_commit().empty());
  EXPECT_EQ(response.fact().mentions_size(), 1);
  EXPECT_EQ(response.commit_token(), asserted);
  EXPECT_EQ(response.fact().updated_commit(), asserted);

  options.set_as_of(mentioned);
  ASSERT_TRUE(get_at(options, &response).ok());
  EXPECT_FALSE(response.fact().retracted());
  EXPECT_EQ(response.fact().mentions_size(), 2);

  // Before the assertion: it does not exist.
  options.set_as_of(seed_commit_);
  grpc::Status status = get_at(options, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND)
      << status.error_message();
  options.set_as_of(Token(0));
  EXPECT_EQ(get_at(options, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Lists agree.
  v1::ListFactsRequest list;
  list.mutable_filter()->set_subject("place:da-nang");
  list.mutable_read_options()->set_as_of(seed_commit_);
  EXPECT_EQ(ListFactsOk(list).facts_size(), 0);
  list.mutable_read_options()->set_as_of(asserted);
  v1::ListFactsResponse then = ListFactsOk(list);
  ASSERT_EQ(then.facts_size(), 1);
  EXPECT_FALSE(then.facts(0).retracted());
  EXPECT_EQ(then.commit_token(), asserted);
  list.mutable_read_options()->set_as_of(retracted);
  EXPECT_EQ(ListFactsOk(list).facts_size(), 0);
  list.mutable_filter()->set_include_retracted(true);
  EXPECT_EQ(ListFactsOk(list).facts_size(), 1);
  // The second source is not there before it was added.
  v1::ListFactsRequest by_source;
  by_source.mutable_filter()->set_source_document("doc:seoul-forum");
  by_source.mutable_read_options()->set_as_of(asserted);
  v1::ListFactsResponse sourced = ListFactsOk(by_source);
  EXPECT_EQ(sourced.facts_size(), 0);
  EXPECT_EQ(sourced.plan().index(), "source");
  by_source.mutable_read_options()->set_as_of(mentioned);
  EXPECT_EQ(ListFactsOk(by_source).facts_size(), 1);

  // BatchGetFacts too.
  v1::BatchGetFactsRequest batch;
  batch.add_ids(id);
  batch.mutable_read_options()->set_as_of(seed_commit_);
  v1::BatchGetFactsResponse batched;
  auto batch_context = Context();
  ASSERT_TRUE(query().BatchGetFacts(batch_context.get(), batch, &batched).ok());
  EXPECT_THAT(batched.missing_ids(), ElementsAre(id));

  // By wall-clock time.
  options.Clear();
  *options.mutable_as_of_time() = google::protobuf::Timestamp();
  options.mutable_as_of_time()->set_seconds(absl::ToUnixSeconds(between));
  options.mutable_as_of_time()->set_nanos(
      static_cast<int32_t>(absl::ToUnixNanos(between) % 1000000000));
  ASSERT_TRUE(get_at(options, &response).ok());
  EXPECT_FALSE(response.fact().retracted());
  EXPECT_EQ(response.fact().mentions_size(), 1);
  EXPECT_EQ(response.commit_token(), asserted);

  options.mutable_as_of_time()->set_seconds(absl::ToUnixSeconds(before_fact));
  options.mutable_as_of_time()->set_nanos(
      static_cast<int32_t>(absl::ToUnixNanos(before_fact) % 1000000000));
  EXPECT_EQ(get_at(options, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);

  options.mutable_as_of_time()->set_seconds(absl::ToUnixSeconds(absl::Now()) +
                                            3600);
  options.mutable_as_of_time()->set_nanos(0);
  ASSERT_TRUE(get_at(options, &response).ok());
  EXPECT_TRUE(response.fact().retracted());

  // Entities travel too: before the seed commit nothing existed.
  v1::GetEntityRequest entity;
  entity.set_id("place:da-nang");
  entity.mutable_read_options()->set_as_of(Token(CommitOf(seed_commit_) - 1));
  v1::GetEntityResponse got;
  auto entity_context = Context();
  EXPECT_EQ(query().GetEntity(entity_context.get(), entity, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // as_of a commit that does not exist yet waits, within the deadline.
  options.Clear();
  options.set_as_of(Token(CommitOf(retracted) + 1000));
  v1::GetFactRequest future;
  future.set_id(id);
  *future.mutable_read_options() = options;
  auto future_context = Context(absl::Milliseconds(300));
  EXPECT_EQ(
      query().GetFact(future_context.get(), future, &response).error_code(),
      grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(QueryServiceTest, EntitiesAndSearchesTravelInTime) {
  std::string renamed = Upsert(R"pb(
    entities {
      id: "place:seoul"
      type: ENTITY_TYPE_PLACE
      name: "Seoul Special City"
      aliases: "서울특별시"
    }
  )pb");
  v1::GetEntityRequest request;
  request.set_id("place:seoul");
  request.mutable_read_options()->set_as_of(seed_commit_);
  v1::GetEntityResponse then;
  auto context = Context();
  ASSERT_TRUE(query().GetEntity(context.get(), request, &then).ok());
  EXPECT_EQ(then.entity().name(), "Seoul");
  EXPECT_THAT(then.entity().aliases(), ElementsAre("서울"));
  EXPECT_EQ(then.entity().updated_commit(), seed_commit_);
  request.mutable_read_options()->set_as_of(renamed);
  v1::GetEntityResponse now;
  auto now_context = Context();
  ASSERT_TRUE(query().GetEntity(now_context.get(), request, &now).ok());
  EXPECT_EQ(now.entity().name(), "Seoul Special City");
  EXPECT_EQ(now.entity().created_commit(), seed_commit_);
  EXPECT_EQ(now.entity().updated_commit(), renamed);

  // Searches see the names of their commit only.
  v1::SearchEntitiesRequest search;
  search.set_query("seoul special");
  search.mutable_read_options()->set_as_of(seed_commit_);
  EXPECT_EQ(Search(search).matches_size(), 0);
  search.mutable_read_options()->set_as_of(renamed);
  v1::SearchEntitiesResponse found = Search(search);
  ASSERT_EQ(found.matches_size(), 1);
  EXPECT_EQ(found.matches(0).entity().id(), "place:seoul");
  EXPECT_EQ(found.matches(0).match_kind(), v1::MATCH_KIND_PREFIX);
  EXPECT_EQ(found.matches(0).matched_name(), "Seoul Special City");
  search.set_query("서울");
  found = Search(search);
  ASSERT_EQ(found.matches_size(), 1);
  EXPECT_EQ(found.matches(0).match_kind(),
            v1::MATCH_KIND_PREFIX);  // 서울특별시
  search.mutable_read_options()->set_as_of(seed_commit_);
  found = Search(search);
  ASSERT_EQ(found.matches_size(), 1);
  EXPECT_EQ(found.matches(0).match_kind(), v1::MATCH_KIND_EXACT);
  EXPECT_EQ(found.matches(0).entity().name(), "Seoul");
}

}  // namespace
}  // namespace factstore
