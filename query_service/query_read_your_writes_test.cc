// End-to-end tests of the query service (query_test_fixture.h):
// Read-your-writes, min_commit and the limits of a read.
#include "query_service/query_test_fixture.h"

namespace factstore {
namespace {

// Read-your-writes and min_commit.

TEST_F(QueryServiceTest, ReadYourWritesNeverReadsStale) {
  // A slow catch-up interval: only the min_commit wait can make the query
  // service see a write right after it was acknowledged.
  StartCluster(SlowCatchUp());
  for (int i = 0; i < 50; ++i) {
    std::string commit;
    std::string id = IngestOne(
        QuantityFact("place:da-nang", "org.member_count", absl::StrCat(100 + i),
                     "count", "doc:da-nang-ict", absl::StrCat("write ", i)),
        &commit);
    ASSERT_FALSE(id.empty());
    v1::GetFactRequest request;
    request.set_id(id);
    request.mutable_read_options()->set_min_commit(commit);
    v1::GetFactResponse response;
    auto context = Context();
    grpc::Status status = query().GetFact(context.get(), request, &response);
    ASSERT_TRUE(status.ok()) << "write " << i << ": " << status.error_message();
    EXPECT_EQ(response.fact().id(), id);
    EXPECT_EQ(response.fact().value().quantity().amount(),
              absl::StrCat(100 + i));
    EXPECT_GE(CommitOf(response.commit_token()), CommitOf(commit));

    // Lists see it too, and everything before it.
    if (i % 10 == 9) {
      v1::ListFactsRequest list;
      list.mutable_filter()->set_subject("place:da-nang");
      list.mutable_read_options()->set_min_commit(commit);
      list.set_page_size(1000);
      v1::ListFactsResponse listed;
      auto list_context = Context();
      ASSERT_TRUE(query().ListFacts(list_context.get(), list, &listed).ok());
      EXPECT_EQ(listed.facts_size(), i + 1);
    }
  }
}

TEST_F(QueryServiceTest, ReadYourWritesFromConcurrentClients) {
  StartCluster(SlowCatchUp());
  constexpr int kClients = 4;
  constexpr int kWrites = 15;
  std::atomic<int> stale{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kWrites; ++i) {
        v1::IngestFactsRequest request;
        *request.add_facts() = QuantityFact(
            "place:da-nang", "org.member_count", absl::StrCat(c * 1000 + i),
            "count", "doc:da-nang-ict", absl::StrCat("client ", c));
        v1::IngestFactsResponse ingested;
        auto context = Context();
        if (!ingest().IngestFacts(context.get(), request, &ingested).ok() ||
            ingested.results(0).outcome() != v1::OUTCOME_CREATED) {
          ++failures;
          continue;
        }
        v1::BatchGetFactsRequest read;
        read.add_ids(ingested.results(0).fact_id());
        read.mutable_read_options()->set_min_commit(ingested.commit_token());
        v1::BatchGetFactsResponse response;
        auto read_context = Context();
        grpc::Status read_status =
            query().BatchGetFacts(read_context.get(), read, &response);
        if (!read_status.ok()) {
          ++failures;
        } else if (response.facts_size() != 1) {
          ++stale;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(stale, 0);
}

TEST_F(QueryServiceTest, MinCommitInTheFutureTimesOut) {
  v1::GetEntityRequest request;
  request.set_id("place:da-nang");
  request.mutable_read_options()->set_min_commit(Token(1000000));
  v1::GetEntityResponse response;
  auto context = Context(absl::Milliseconds(300));
  absl::Time start = absl::Now();
  grpc::Status status = query().GetEntity(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_message();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));

  // The service keeps working afterwards.
  v1::GetEntityRequest ok = request;
  ok.mutable_read_options()->set_min_commit(last_commit_);
  auto ok_context = Context();
  EXPECT_TRUE(query().GetEntity(ok_context.get(), ok, &response).ok());
  EXPECT_EQ(response.entity().name(), "Đà Nẵng");
}

TEST_F(QueryServiceTest, PendingReadsBeyondTheLimitAreRefused) {
  TestClusterOptions options;
  options.query_limits.max_pending_reads = 2;
  StartCluster(options);
  v1::GetEntityRequest third;
  third.set_id("place:da-nang");
  third.mutable_read_options()->set_min_commit(last_commit_);
  {
    // From here on `third` needs no wait.
    v1::GetEntityResponse response;
    auto context = Context();
    ASSERT_TRUE(query().GetEntity(context.get(), third, &response).ok());
  }
  // Two reads wait for the next commit (retrying while `third`, in flight
  // for a moment, takes the room) ...
  const std::string next = Token(CommitOf(last_commit_) + 1);
  std::atomic<int> answered{0};
  std::vector<std::thread> waiting;
  for (int i = 0; i < 2; ++i) {
    waiting.emplace_back([&] {
      v1::GetEntityRequest request;
      request.set_id("place:da-nang");
      request.mutable_read_options()->set_min_commit(next);
      grpc::Status status;
      do {
        v1::GetEntityResponse response;
        auto context = Context(absl::Seconds(30));
        status = query().GetEntity(context.get(), request, &response);
      } while (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
      EXPECT_TRUE(status.ok()) << status.error_message();
      answered += status.ok();
    });
  }
  // ... so a third is refused, not queued, once both are in.
  grpc::Status refused;
  absl::Time give_up = absl::Now() + absl::Seconds(10);
  do {
    v1::GetEntityResponse response;
    auto context = Context();
    refused = query().GetEntity(context.get(), third, &response);
    ASSERT_NE(refused.error_code(), grpc::StatusCode::NOT_FOUND)
        << refused.error_message();
    if (refused.ok()) absl::SleepFor(absl::Milliseconds(5));
  } while (refused.ok() && absl::Now() < give_up);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(),
              ::testing::HasSubstr("--max_pending_reads"));
  EXPECT_EQ(answered, 0);

  // The commit releases them, and the service takes reads again.
  IngestOne(RawFact("place:da-nang", "note.text", "released", "doc:da-nang-ict",
                    "released"));
  for (auto& t : waiting) t.join();
  EXPECT_EQ(answered, 2);
  v1::GetEntityResponse response;
  auto context = Context();
  EXPECT_TRUE(query().GetEntity(context.get(), third, &response).ok());
}

TEST_F(QueryServiceTest, ReadsEndAtTheServersDeadline) {
  // A server deadline too short for any read: reads that need no wait end
  // with DEADLINE_EXCEEDED too, whatever the client's own deadline.
  TestClusterOptions options;
  options.query_limits.max_read_time = absl::Nanoseconds(1);
  StartCluster(options);
  v1::ListFactsRequest list;
  list.mutable_filter()->set_subject("place:da-nang");
  v1::ListFactsResponse listed;
  auto list_context = Context(absl::Seconds(30));
  grpc::Status status = query().ListFacts(list_context.get(), list, &listed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_message();
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("--max_wait"));

  v1::GetEntityRequest get;
  get.set_id("place:da-nang");
  v1::GetEntityResponse got;
  auto get_context = Context(absl::Seconds(30));
  status = query().GetEntity(get_context.get(), get, &got);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_message();
}

TEST_F(QueryServiceTest, ResolveValueRefusesMoreClaimsThanTheKeyBudget) {
  TestClusterOptions options;
  options.query_limits.max_keys_per_read = 3;
  StartCluster(options);
  for (int i = 0; i < 3; ++i) {
    IngestOne(QuantityFact("place:da-nang", "org.member_count",
                           absl::StrCat(10 + i), "count", "doc:da-nang-ict",
                           absl::StrCat("claim ", i)));
  }
  v1::ResolveValueResponse resolved =
      Resolve("place:da-nang", "org.member_count");
  EXPECT_TRUE(resolved.has_preferred());
  EXPECT_EQ(resolved.competing_size(), 2);

  IngestOne(QuantityFact("place:da-nang", "org.member_count", "13", "count",
                         "doc:da-nang-ict", "claim 3"));
  v1::ResolveValueRequest request;
  request.set_subject("place:da-nang");
  request.set_predicate("org.member_count");
  request.mutable_read_options()->set_min_commit(last_commit_);
  v1::ResolveValueResponse response;
  auto context = Context();
  grpc::Status status = query().ResolveValue(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(),
              ::testing::HasSubstr("more than 3 index entries"));
  EXPECT_THAT(status.error_message(),
              ::testing::HasSubstr("--max_keys_per_read"));

  // ListFacts pages under the same budget hold at most 3 facts each, and
  // list every fact once.
  v1::ListFactsRequest one_page;
  one_page.mutable_filter()->set_subject("place:da-nang");
  one_page.set_page_size(1000);
  one_page.mutable_read_options()->set_min_commit(last_commit_);
  std::set<std::string> listed;
  int pages = 0;
  while (true) {
    v1::ListFactsResponse page;
    auto list_context = Context();
    ASSERT_TRUE(query().ListFacts(list_context.get(), one_page, &page).ok());
    EXPECT_LE(page.facts_size(), 3);
    EXPECT_LE(page.plan().keys_examined(), 3);
    for (const v1::Fact& f : page.facts()) {
      EXPECT_TRUE(listed.insert(f.id()).second) << f.id();
    }
    ++pages;
    if (page.next_page_token().empty()) break;
    one_page.set_page_token(page.next_page_token());
    ASSERT_LT(pages, 100);
  }
  EXPECT_EQ(listed.size(), 4u);
  EXPECT_GE(pages, 2);

  // A count is not paged: over the budget it is refused.
  v1::AggregateFactsRequest count;
  count.mutable_filter()->set_subject("place:da-nang");
  count.mutable_read_options()->set_min_commit(last_commit_);
  v1::AggregateFactsResponse counted;
  auto count_context = Context();
  status = query().AggregateFacts(count_context.get(), count, &counted);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(),
              ::testing::HasSubstr("--max_keys_per_read"));
  count.mutable_filter()->set_predicate("none.such");
  auto small_context = Context();
  EXPECT_TRUE(
      query().AggregateFacts(small_context.get(), count, &counted).ok());
  EXPECT_EQ(counted.fact_count(), 0);
}

TEST_F(QueryServiceTest, ShutdownReleasesReadsWaitingForACommit) {
  grpc::Status waited;
  std::thread reader([&] {
    v1::GetEntityRequest request;
    request.set_id("place:da-nang");
    request.mutable_read_options()->set_min_commit(Token(1000000));
    v1::GetEntityResponse response;
    auto context = Context(absl::Seconds(20));
    waited = query().GetEntity(context.get(), request, &response);
  });
  absl::SleepFor(absl::Milliseconds(200));
  absl::Time start = absl::Now();
  cluster_->query_server()->Shutdown(absl::Milliseconds(500));
  absl::Duration took = absl::Now() - start;
  reader.join();
  EXPECT_LT(took, absl::Seconds(5));
  EXPECT_THAT(waited.error_code(),
              ::testing::AnyOf(grpc::StatusCode::UNAVAILABLE,
                               grpc::StatusCode::CANCELLED))
      << waited.error_message();
}

TEST_F(QueryServiceTest, ForeignOrMalformedCommitTokensAreRejected) {
  const std::vector<std::string> bad_tokens = {
      storage::EncodeCommitToken(store_id() + 1, 1),  // another store
      "garbage", absl::StrCat(last_commit_, "x"),
      absl::StrCat(last_commit_, ".3"),  // a resume token is not a commit token
  };
  for (const std::string& token : bad_tokens) {
    v1::GetFactRequest request;
    request.set_id("f_00000000000000000000000000000000");
    request.mutable_read_options()->set_min_commit(token);
    v1::GetFactResponse response;
    auto context = Context();
    ExpectInvalid(query().GetFact(context.get(), request, &response),
                  "read_options.min_commit", token);

    v1::ListFactsRequest list;
    list.mutable_read_options()->set_as_of(token);
    v1::ListFactsResponse listed;
    auto list_context = Context();
    ExpectInvalid(query().ListFacts(list_context.get(), list, &listed),
                  "read_options.as_of", token);
  }
}

}  // namespace
}  // namespace factstore
