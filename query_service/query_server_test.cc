// End-to-end tests of the query service (query_test_fixture.h): GetStats,
// start-up before the store exists or while it cannot be opened, and bad
// requests.
#include "query_service/query_test_fixture.h"

namespace factstore {
namespace {

// GetStats.

TEST_F(QueryServiceTest, StatsCountWhatIsStored) {
  v1::GetStatsResponse stats = Stats();
  EXPECT_EQ(stats.entity_count(), 11);
  EXPECT_EQ(stats.predicate_count(), 8);
  EXPECT_EQ(stats.fact_count(), 0);

  v1::Fact two_sources =
      RawFact("place:da-nang", "education.it_institution_count", "37",
              "doc:da-nang-ict", "q");
  v1::Mention* second = two_sources.add_mentions();
  second->set_document_id("doc:seoul-forum");
  second->set_quote("q2");
  v1::IngestFactsResponse ingested = IngestAll({
      two_sources,
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict", "q"),
      RawFact("org:vinasa", "org.member_count", "12", "doc:seoul-forum", "q"),
  });
  IngestOne(RawFact("org:vinasa", "org.member_count", "12", "doc:da-nang-ict",
                    "another source"));
  Retract({ingested.results(1).fact_id()});
  Upsert(R"pb(entities {
                id: "org:cmc"
                type: ENTITY_TYPE_ORGANIZATION
                name: "CMC"
              })pb");
  Erase("person:nguyen-van-khoa", "privacy");

  // Poll until the service reports being caught up.
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  do {
    stats = Stats();
    if (stats.commits_behind() == 0) break;
    absl::SleepFor(absl::Milliseconds(10));
  } while (absl::Now() < deadline);
  EXPECT_EQ(stats.commits_behind(), 0);
  EXPECT_EQ(stats.entity_count(), 11);  // +1 created, -1 erased
  EXPECT_EQ(stats.fact_count(), 3);
  EXPECT_EQ(stats.retracted_fact_count(), 1);
  EXPECT_EQ(stats.mention_count(), 5);
  EXPECT_EQ(stats.predicate_count(), 8);
  EXPECT_EQ(stats.tombstone_count(), 1);
  EXPECT_EQ(stats.commit_token(), last_commit_);
  EXPECT_GT(stats.commit_time().seconds(), 0);
  EXPECT_GE(stats.catch_up_age_seconds(), 0);
  EXPECT_LT(stats.catch_up_age_seconds(), 5);

  v1::GetStatsRequest request;
  request.mutable_read_options()->set_as_of(seed_commit_);
  auto context = Context();
  ExpectInvalid(query().GetStats(context.get(), request, &stats),
                "read_options.as_of");
  request.mutable_read_options()->clear_as_of();
  request.mutable_read_options()->mutable_as_of_time()->set_seconds(1);
  auto time_context = Context();
  ExpectInvalid(query().GetStats(time_context.get(), request, &stats),
                "read_options.as_of");
}

// Start-up before the store exists.

grpc::health::v1::HealthCheckResponse::ServingStatus Health(
    const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(query::kQueryHealthName);
  grpc::health::v1::HealthCheckResponse response;
  auto context = Context(absl::Seconds(2));
  grpc::Status status = stub->Check(context.get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.status();
}

// A query server following `data_dir`, retrying and catching up quickly;
// null (with a test failure) if it does not start.
std::unique_ptr<query::QueryServer> StartQueryServerOn(
    const std::string& data_dir, const std::string& secondary_dir) {
  query::QueryServerConfig config;
  config.grpc.listen_address = "127.0.0.1:0";
  config.follower.data_dir = data_dir;
  config.follower.secondary_dir = secondary_dir;
  config.follower.catch_up_interval = absl::Milliseconds(5);
  config.follower.open_retry_interval = absl::Milliseconds(20);
  config.follower.store.block_cache_bytes = 16 << 20;
  auto started = query::QueryServer::Start(config);
  if (!started.ok()) {
    ADD_FAILURE() << started.status();
    return nullptr;
  }
  return *std::move(started);
}

// An ingest server writing `data_dir`; null (with a test failure) if it does
// not start.
std::unique_ptr<ingest::IngestServer> StartIngestServerOn(
    const std::string& data_dir) {
  ingest::IngestServerConfig config;
  config.grpc.listen_address = "127.0.0.1:0";
  config.data_dir = data_dir;
  config.block_cache_bytes = 16 << 20;
  auto started = ingest::IngestServer::Start(config);
  if (!started.ok()) {
    ADD_FAILURE() << started.status();
    return nullptr;
  }
  return *std::move(started);
}

TEST(QueryServerStartupTest, UnavailableUntilTheIngestServiceCreatesTheStore) {
  testing::TempDir dir;
  std::unique_ptr<query::QueryServer> server =
      StartQueryServerOn(dir.path() + "/data", dir.path() + "/secondary");
  ASSERT_NE(server, nullptr);
  auto channel = grpc::CreateChannel(server->address(),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::QueryService::NewStub(channel);

  auto expect_unavailable = [&](const std::string& when) {
    EXPECT_EQ(Health(channel),
              grpc::health::v1::HealthCheckResponse::NOT_SERVING)
        << when;
    v1::GetEntityRequest get;
    get.set_id("place:da-nang");
    v1::GetEntityResponse entity;
    auto context = Context();
    EXPECT_EQ(stub->GetEntity(context.get(), get, &entity).error_code(),
              grpc::StatusCode::UNAVAILABLE)
        << when;
    v1::GetStatsRequest stats_request;
    v1::GetStatsResponse stats;
    auto stats_context = Context();
    EXPECT_EQ(
        stub->GetStats(stats_context.get(), stats_request, &stats).error_code(),
        grpc::StatusCode::UNAVAILABLE)
        << when;
    v1::ListFactsRequest list;
    v1::ListFactsResponse listed;
    auto list_context = Context();
    EXPECT_EQ(stub->ListFacts(list_context.get(), list, &listed).error_code(),
              grpc::StatusCode::UNAVAILABLE)
        << when;
    WatchClient watch(*stub, v1::WatchFactsRequest());
    EXPECT_EQ(watch.WaitForEnd().error_code(), grpc::StatusCode::UNAVAILABLE)
        << when;
  };
  expect_unavailable("at once");
  absl::SleepFor(absl::Milliseconds(300));
  expect_unavailable("after a while");

  std::unique_ptr<ingest::IngestServer> ingest_server =
      StartIngestServerOn(dir.path() + "/data");
  ASSERT_NE(ingest_server, nullptr);

  ASSERT_TRUE(testing::WaitForServing(channel, query::kQueryHealthName,
                                      absl::Seconds(20)));
  EXPECT_EQ(Health(channel), grpc::health::v1::HealthCheckResponse::SERVING);

  // Writes become readable.
  auto ingest_channel = grpc::CreateChannel(ingest_server->address(),
                                            grpc::InsecureChannelCredentials());
  auto ingest_stub = v1::IngestService::NewStub(ingest_channel);
  auto upsert = Parse<v1::UpsertEntitiesRequest>(R"pb(
    entities { id: "place:da-nang" type: ENTITY_TYPE_PLACE name: "Đà Nẵng" }
  )pb");
  v1::UpsertEntitiesResponse upserted;
  auto upsert_context = Context();
  ASSERT_TRUE(
      ingest_stub->UpsertEntities(upsert_context.get(), upsert, &upserted)
          .ok());
  v1::GetEntityRequest get;
  get.set_id("place:da-nang");
  get.mutable_read_options()->set_min_commit(upserted.commit_token());
  v1::GetEntityResponse entity;
  auto get_context = Context();
  grpc::Status status = stub->GetEntity(get_context.get(), get, &entity);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(entity.entity().name(), "Đà Nẵng");

  server->Shutdown(absl::Seconds(1));
  ingest_server->Shutdown(absl::Seconds(1));
}

TEST(QueryServerStartupTest, ReportsAStoreItCannotOpenAndRecovers) {
  // A directory that looks like a store (it has a CURRENT file) but names a
  // manifest that is not there: reads say so instead of "not caught up yet".
  testing::TempDir dir;
  const std::string data_dir = dir.path() + "/data";
  std::filesystem::create_directories(data_dir);
  {
    std::ofstream current(data_dir + "/CURRENT");
    current << "MANIFEST-000042\n";
  }
  std::unique_ptr<query::QueryServer> server =
      StartQueryServerOn(data_dir, dir.path() + "/secondary");
  ASSERT_NE(server, nullptr);
  auto channel = grpc::CreateChannel(server->address(),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::QueryService::NewStub(channel);
  v1::GetEntityRequest get;
  get.set_id("place:da-nang");
  grpc::Status status;
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  do {
    v1::GetEntityResponse entity;
    auto context = Context();
    status = stub->GetEntity(context.get(), get, &entity);
    if (absl::StrContains(status.error_message(), "cannot open the store"))
      break;
    absl::SleepFor(absl::Milliseconds(20));
  } while (absl::Now() < deadline);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(),
              ::testing::AllOf(
                  ::testing::HasSubstr("cannot open the store at " + data_dir),
                  ::testing::HasSubstr("MANIFEST")));
  EXPECT_EQ(Health(channel),
            grpc::health::v1::HealthCheckResponse::NOT_SERVING);

  // Once the directory is a store again, the follower opens it.
  std::filesystem::remove_all(data_dir);
  std::unique_ptr<ingest::IngestServer> ingest_server =
      StartIngestServerOn(data_dir);
  ASSERT_NE(ingest_server, nullptr);
  EXPECT_TRUE(testing::WaitForServing(channel, query::kQueryHealthName,
                                      absl::Seconds(20)));
  server->Shutdown(absl::Seconds(1));
  ingest_server->Shutdown(absl::Seconds(1));
}

TEST(QueryServerStartupTest, StartsLateOnAnExistingStore) {
  TestClusterOptions options;
  options.start_query = false;
  auto cluster = TestCluster::Start(options);
  ASSERT_NE(cluster, nullptr);
  auto upsert = Parse<v1::UpsertEntitiesRequest>(R"pb(
    entities { id: "place:seoul" type: ENTITY_TYPE_PLACE name: "Seoul" }
  )pb");
  v1::UpsertEntitiesResponse upserted;
  auto context = Context();
  ASSERT_TRUE(
      cluster->ingest().UpsertEntities(context.get(), upsert, &upserted).ok());
  ASSERT_TRUE(cluster->StartQuery());
  v1::GetEntityRequest get;
  get.set_id("place:seoul");
  v1::GetEntityResponse entity;
  auto get_context = Context();
  // Without min_commit: SERVING means the first catch-up is done.
  ASSERT_TRUE(cluster->query().GetEntity(get_context.get(), get, &entity).ok());
  EXPECT_EQ(entity.entity().name(), "Seoul");
}

// Bad requests name the field.

TEST_F(QueryServiceTest, BadFiltersNameTheField) {
  struct Case {
    std::string filter;
    std::string field;
  };
  const std::vector<Case> cases = {
      {R"pb(quantity_range { unit: "USD" min: "1" })pb",
       "filter.quantity_range"},
      {R"pb(predicate: "market.size"
            quantity_range { unit: "USD" min: "5" max: "1" })pb",
       "filter.quantity_range"},
      {R"pb(predicate: "market.size"
            quantity_range { unit: "USD" min: "abc" })pb",
       "filter.quantity_range.min"},
      {R"pb(predicate: "market.size"
            quantity_range { unit: "USD" max: "1e5" })pb",
       "filter.quantity_range.max"},
      {R"pb(predicate: "market.size"
            quantity_range { unit: "USD" min: "1,000" })pb",
       "filter.quantity_range.min"},
      {R"pb(predicate: "market.size"
            quantity_range { min: "1" })pb",
       "filter.quantity_range.unit"},
      {R"pb(valid_time { start: "2024-13" })pb", "filter.valid_time.start"},
      {R"pb(valid_time { start: "2024-02-30" })pb", "filter.valid_time.start"},
      {R"pb(valid_time { end: "24" })pb", "filter.valid_time.end"},
      {R"pb(valid_time { end: "August 2024" })pb", "filter.valid_time.end"},
      {R"pb(valid_time { start: "2025" end: "2024" })pb", "filter.valid_time"},
      {R"pb(valid_time { start: "2024" end: "2024" })pb", "filter.valid_time"},
      {R"pb(predicate: "market.size" predicate_prefix: "market.")pb",
       "predicate"},
      {R"pb(modalities: MODALITY_UNSPECIFIED)pb", "filter.modalities[0]"},
      {R"pb(modalities: MODALITY_OBSERVED modalities: 42)pb",
       "filter.modalities[1]"},
      {absl::StrCat("subject: \"", std::string(300, 'x'), "\""),
       "filter.subject"},
      {absl::StrCat("object: \"", std::string(300, 'x'), "\""),
       "filter.object"},
      {absl::StrCat("predicate: \"", std::string(200, 'x'), "\""),
       "filter.predicate"},
  };
  for (const Case& c : cases) {
    v1::ListFactsRequest request;
    *request.mutable_filter() = Parse<v1::FactFilter>(c.filter);
    v1::ListFactsResponse response;
    ExpectInvalid(ListFacts(request, &response), c.field,
                  c.filter.substr(0, 80));
  }
  v1::ListFactsRequest negative;
  negative.set_page_size(-1);
  v1::ListFactsResponse response;
  ExpectInvalid(ListFacts(negative, &response), "page_size");
}

TEST_F(QueryServiceTest, BadRequestsNameTheField) {
  {
    v1::GetEntityRequest request;
    v1::GetEntityResponse response;
    auto context = Context();
    ExpectInvalid(query().GetEntity(context.get(), request, &response), "id",
                  "GetEntity");
    request.set_id(std::string(300, 'x'));
    auto long_context = Context();
    ExpectInvalid(query().GetEntity(long_context.get(), request, &response),
                  "id", "GetEntity long");
  }
  {
    v1::GetFactResponse response;
    ExpectInvalid(GetFact("", &response), "id", "GetFact");
  }
  {
    v1::BatchGetEntitiesRequest request;
    request.add_ids("place:da-nang");
    request.add_ids("");
    v1::BatchGetEntitiesResponse response;
    auto context = Context();
    ExpectInvalid(query().BatchGetEntities(context.get(), request, &response),
                  "ids[1]", "BatchGetEntities");
  }
  {
    v1::BatchGetEntitiesRequest request;
    for (int i = 0; i < 1001; ++i) request.add_ids(absl::StrCat("org:o", i));
    v1::BatchGetEntitiesResponse response;
    auto context = Context();
    ExpectInvalid(query().BatchGetEntities(context.get(), request, &response),
                  "ids", "BatchGetEntities 1001");
  }
  {
    v1::BatchGetFactsRequest request;
    request.add_ids("");
    v1::BatchGetFactsResponse response;
    auto context = Context();
    ExpectInvalid(query().BatchGetFacts(context.get(), request, &response),
                  "ids[0]", "BatchGetFacts");
    request.clear_ids();
    for (int i = 0; i < 1001; ++i) request.add_ids(absl::StrCat("f_", i));
    auto many_context = Context();
    ExpectInvalid(query().BatchGetFacts(many_context.get(), request, &response),
                  "ids", "BatchGetFacts 1001");
  }
  {
    v1::SearchEntitiesRequest request;
    v1::SearchEntitiesResponse response;
    auto context = Context();
    ExpectInvalid(query().SearchEntities(context.get(), request, &response),
                  "query", "empty query");
    request.set_query(std::string(257, 'a'));
    auto long_context = Context();
    ExpectInvalid(
        query().SearchEntities(long_context.get(), request, &response), "query",
        "long query");
    request.set_query("!!! ...");
    auto punct_context = Context();
    ExpectInvalid(
        query().SearchEntities(punct_context.get(), request, &response),
        "query", "punctuation");
    request.set_query("seoul");
    request.set_page_size(-5);
    auto size_context = Context();
    ExpectInvalid(
        query().SearchEntities(size_context.get(), request, &response),
        "page_size", "search page size");
    request.set_page_size(0);
    request.add_types(v1::ENTITY_TYPE_UNSPECIFIED);
    auto type_context = Context();
    ExpectInvalid(
        query().SearchEntities(type_context.get(), request, &response),
        "types[0]", "search type");
  }
  {
    v1::ResolveValueRequest request;
    request.set_predicate("market.size");
    v1::ResolveValueResponse response;
    auto context = Context();
    ExpectInvalid(query().ResolveValue(context.get(), request, &response),
                  "subject", "resolve subject");
    request.set_subject("product:kr-it-outsourcing-market");
    request.clear_predicate();
    auto predicate_context = Context();
    ExpectInvalid(
        query().ResolveValue(predicate_context.get(), request, &response),
        "predicate", "resolve predicate");
    request.set_predicate("market.size");
    request.set_at("2024-02-30");
    auto at_context = Context();
    ExpectInvalid(query().ResolveValue(at_context.get(), request, &response),
                  "at", "resolve at");
  }
  {
    v1::ListPredicatesRequest request;
    request.set_page_size(-1);
    v1::ListPredicatesResponse response;
    auto context = Context();
    ExpectInvalid(query().ListPredicates(context.get(), request, &response),
                  "page_size", "predicates page size");
    request.set_page_size(0);
    request.set_prefix(std::string(129, 'a'));
    auto prefix_context = Context();
    ExpectInvalid(
        query().ListPredicates(prefix_context.get(), request, &response),
        "prefix", "predicates prefix");
  }
  {
    v1::GetFactResponse response;
    v1::ReadOptions options;
    options.mutable_as_of_time()->set_seconds(-5);
    ExpectInvalid(GetFact("f_1", &response, options),
                  "read_options.as_of_time");
    options.mutable_as_of_time()->set_seconds(5);
    options.mutable_as_of_time()->set_nanos(-1);
    ExpectInvalid(GetFact("f_1", &response, options),
                  "read_options.as_of_time");
  }
}

}  // namespace
}  // namespace factstore
