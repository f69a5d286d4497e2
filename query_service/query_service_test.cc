// Service tests of the query service: a real ingest server writes, a real
// query server follows the same RocksDB directory as a secondary, and the
// tests talk to both through real gRPC channels. No mocks.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/mutex.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ingest_service/ingest_server.h"
#include "query_service/query_server.h"
#include "storage/commit_token.h"
#include "tests/support/fixtures.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_cluster.h"

namespace factstore {
namespace {

using testing::Context;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using testing::Parse;
using testing::RawFact;
using testing::TestCluster;
using testing::TestClusterOptions;
using ::testing::UnorderedElementsAreArray;

using IdSet = std::set<std::string>;

constexpr char kMarketQuote[] =
    "The South Korean IT outsourcing market is valued at $600 billion and the "
    "figure is expected to rise to $800 billion by 2028";

// A fact with a typed quantity value and one mention.
v1::Fact QuantityFact(const std::string& subject, const std::string& predicate,
                      const std::string& amount, const std::string& unit,
                      const std::string& document, const std::string& quote) {
  v1::Fact fact = RawFact(subject, predicate, "", document, quote);
  fact.mutable_value()->mutable_quantity()->set_amount(amount);
  fact.mutable_value()->mutable_quantity()->set_unit(unit);
  return fact;
}

v1::Fact WithValidTime(v1::Fact fact, const std::string& raw) {
  fact.mutable_valid_time()->set_raw(raw);
  return fact;
}

// A valid time from `start` to `end` (either may be empty: open).
v1::Fact WithInterval(v1::Fact fact, const std::string& start,
                      const std::string& end) {
  if (!start.empty())
    fact.mutable_valid_time()->mutable_start()->set_date(start);
  if (!end.empty()) fact.mutable_valid_time()->mutable_end()->set_date(end);
  return fact;
}

v1::Fact WithModality(v1::Fact fact, v1::Modality modality) {
  fact.set_modality(modality);
  return fact;
}

IdSet IdsOf(const google::protobuf::RepeatedPtrField<v1::Fact>& facts) {
  IdSet ids;
  for (const v1::Fact& f : facts) ids.insert(f.id());
  return ids;
}

std::string KeyOf(const v1::ChangeEvent& event) {
  return absl::StrCat(
      v1::ChangeKind_Name(event.kind()), " ", event.commit_token(), " ",
      event.kind() == v1::CHANGE_KIND_ERASED ? event.erased_entity_id()
                                             : event.fact().id());
}

// Expects INVALID_ARGUMENT with a message naming `field`.
void ExpectInvalid(const grpc::Status& status, const std::string& field,
                   const std::string& what = "") {
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << what << ": " << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr(field)) << what;
}

// Reads a WatchFacts stream on a thread of its own, so that tests can wait
// for what arrives with a timeout.
class WatchClient {
 public:
  WatchClient(v1::QueryService::Stub& stub,
              const v1::WatchFactsRequest& request,
              absl::Duration timeout = absl::Seconds(40)) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    reader_ = stub.WatchFacts(&context_, request);
    thread_ = std::thread([this] {
      v1::WatchFactsResponse response;
      while (reader_->Read(&response)) {
        MutexLock lock(&mu_);
        responses_.push_back(response);
      }
      grpc::Status status = reader_->Finish();
      MutexLock lock(&mu_);
      status_ = status;
      done_ = true;
    });
  }
  ~WatchClient() { Stop(); }

  void Stop() {
    if (!thread_.joinable()) return;
    context_.TryCancel();
    thread_.join();
  }

  // Waits until `done` holds for the responses so far; false on timeout.
  bool WaitUntil(const std::function<
                     bool(const std::vector<v1::WatchFactsResponse>&)>& done,
                 absl::Duration timeout = absl::Seconds(10)) {
    absl::Time deadline = absl::Now() + timeout;
    while (true) {
      {
        MutexLock lock(&mu_);
        if (done(responses_)) return true;
        if (done_ || absl::Now() > deadline) return false;
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
  }
  bool WaitForResponses(size_t n, absl::Duration timeout = absl::Seconds(10)) {
    return WaitUntil([n](const auto& r) { return r.size() >= n; }, timeout);
  }
  bool WaitForEvents(size_t n, absl::Duration timeout = absl::Seconds(10)) {
    return WaitUntil(
        [n](const auto& responses) {
          size_t count = 0;
          for (const auto& r : responses) count += r.events_size();
          return count >= n;
        },
        timeout);
  }
  // Waits for the stream to end and returns its status.
  grpc::Status WaitForEnd(absl::Duration timeout = absl::Seconds(10)) {
    WaitUntil([](const auto&) { return false; }, timeout);
    MutexLock lock(&mu_);
    return done_ ? status_
                 : grpc::Status(grpc::StatusCode::UNKNOWN, "still running");
  }

  std::vector<v1::WatchFactsResponse> Responses() {
    MutexLock lock(&mu_);
    return responses_;
  }
  std::vector<v1::ChangeEvent> Events() {
    std::vector<v1::ChangeEvent> events;
    for (const auto& r : Responses()) {
      for (const auto& e : r.events()) events.push_back(e);
    }
    return events;
  }
  std::vector<std::string> EventKeys() {
    std::vector<std::string> keys;
    for (const auto& e : Events()) keys.push_back(KeyOf(e));
    return keys;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::WatchFactsResponse>> reader_;
  std::thread thread_;
  Mutex mu_;
  std::vector<v1::WatchFactsResponse> responses_;
  grpc::Status status_;
  bool done_ = false;
};

class QueryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { StartCluster({}); }

  // Options with a slow catch-up interval: only a min_commit wait can make
  // the query service see a write right after it was acknowledged.
  static TestClusterOptions SlowCatchUp() {
    TestClusterOptions options;
    options.catch_up_interval = absl::Seconds(2);
    return options;
  }

  void StartCluster(TestClusterOptions options) {
    cluster_.reset();
    cluster_ = TestCluster::Start(options);
    ASSERT_NE(cluster_, nullptr);
    seed_commit_ = testing::SeedRegistryAndEntities(*cluster_);
    last_commit_ = seed_commit_;
  }

  v1::QueryService::Stub& query() { return cluster_->query(); }
  v1::IngestService::Stub& ingest() { return cluster_->ingest(); }
  uint32_t store_id() { return cluster_->ingest_server()->store()->store_id(); }
  std::string Token(uint64_t commit) {
    return storage::EncodeCommitToken(store_id(), commit);
  }
  uint64_t CommitOf(const std::string& token) {
    auto commit = storage::DecodeCommitToken(token, store_id(), "token");
    EXPECT_TRUE(commit.ok()) << commit.status();
    return commit.ok() ? *commit : 0;
  }
  void Track(const std::string& token) {
    if (CommitOf(token) > CommitOf(last_commit_)) last_commit_ = token;
  }

  // ---- Writes ----

  // Ingests `facts` in one request; every fact must be accepted.
  v1::IngestFactsResponse IngestAll(const std::vector<v1::Fact>& facts,
                                    bool compact = false) {
    v1::IngestFactsRequest request;
    request.set_compact_results(compact);
    for (const v1::Fact& f : facts) *request.add_facts() = f;
    v1::IngestFactsResponse response = testing::Ingest(*cluster_, request);
    EXPECT_EQ(response.results_size(), static_cast<int>(facts.size()));
    for (int i = 0; i < response.results_size(); ++i) {
      EXPECT_NE(response.results(i).outcome(), v1::OUTCOME_REJECTED)
          << "fact " << i << ": " << response.results(i).error().message();
    }
    Track(response.commit_token());
    return response;
  }
  // Ingests one fact; returns its id.
  std::string IngestOne(const v1::Fact& fact, std::string* commit = nullptr) {
    v1::IngestFactsResponse response = IngestAll({fact});
    if (commit != nullptr) *commit = response.commit_token();
    return response.results_size() > 0 ? response.results(0).fact_id() : "";
  }
  std::string Retract(const std::vector<std::string>& ids,
                      const std::string& reason = "misread figure") {
    v1::RetractFactsRequest request;
    for (const auto& id : ids) request.add_fact_ids(id);
    request.set_reason(reason);
    v1::RetractFactsResponse response;
    auto context = Context();
    grpc::Status status =
        ingest().RetractFacts(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const auto& r : response.results()) {
      EXPECT_EQ(r.outcome(), v1::OUTCOME_UPDATED) << r.error().message();
    }
    Track(response.commit_token());
    return response.commit_token();
  }
  std::string Upsert(const std::string& text) {
    auto request = Parse<v1::UpsertEntitiesRequest>(text);
    v1::UpsertEntitiesResponse response;
    auto context = Context();
    grpc::Status status =
        ingest().UpsertEntities(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const auto& r : response.results()) {
      EXPECT_NE(r.outcome(), v1::OUTCOME_REJECTED) << r.error().message();
    }
    Track(response.commit_token());
    return response.commit_token();
  }
  std::string Register(const std::string& text) {
    auto request = Parse<v1::RegisterPredicatesRequest>(text);
    v1::RegisterPredicatesResponse response;
    auto context = Context();
    grpc::Status status =
        ingest().RegisterPredicates(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const auto& r : response.results()) {
      EXPECT_NE(r.outcome(), v1::OUTCOME_REJECTED) << r.error().message();
    }
    Track(response.commit_token());
    return response.commit_token();
  }
  v1::EraseEntityResponse Erase(const std::string& id,
                                const std::string& reason) {
    v1::EraseEntityRequest request;
    request.set_entity_id(id);
    request.set_reason(reason);
    v1::EraseEntityResponse response;
    auto context = Context();
    grpc::Status status =
        ingest().EraseEntity(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    Track(response.commit_token());
    return response;
  }

  // ---- Reads. Each waits for the last write (min_commit) unless the
  // request says otherwise. ----

  template <typename Request>
  Request Fresh(Request request) {
    if (request.read_options().min_commit().empty() &&
        request.read_options().as_of().empty() &&
        !request.read_options().has_as_of_time()) {
      request.mutable_read_options()->set_min_commit(last_commit_);
    }
    return request;
  }

  grpc::Status GetFact(const std::string& id, v1::GetFactResponse* response,
                       v1::ReadOptions options = {}) {
    v1::GetFactRequest request;
    request.set_id(id);
    *request.mutable_read_options() = options;
    auto context = Context();
    return query().GetFact(context.get(), Fresh(request), response);
  }
  grpc::Status ListFacts(const v1::ListFactsRequest& request,
                         v1::ListFactsResponse* response) {
    auto context = Context();
    return query().ListFacts(context.get(), Fresh(request), response);
  }
  v1::ListFactsResponse ListFactsOk(const v1::ListFactsRequest& request) {
    v1::ListFactsResponse response;
    grpc::Status status = ListFacts(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }
  // Lists every page of `request` with `page_size`; checks that the pages
  // agree on the commit and repeat nothing. Returns the ids in order.
  std::vector<std::string> ListAllPages(v1::ListFactsRequest request,
                                        int page_size, int* pages = nullptr,
                                        std::string* commit = nullptr) {
    request = Fresh(request);
    request.set_page_size(page_size);
    std::vector<std::string> ids;
    std::set<std::string> seen;
    std::string first_commit;
    int count = 0;
    do {
      v1::ListFactsResponse response;
      auto context = Context();
      grpc::Status status =
          query().ListFacts(context.get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      EXPECT_LE(response.facts_size(), page_size);
      if (count == 0) first_commit = response.commit_token();
      EXPECT_EQ(response.commit_token(), first_commit) << "page " << count;
      for (const v1::Fact& f : response.facts()) {
        EXPECT_TRUE(seen.insert(f.id()).second) << "repeated " << f.id();
        ids.push_back(f.id());
      }
      request.set_page_token(response.next_page_token());
      ++count;
      if (count > 10000) {
        ADD_FAILURE() << "too many pages";
        break;
      }
    } while (!request.page_token().empty());
    if (pages != nullptr) *pages = count;
    if (commit != nullptr) *commit = first_commit;
    return ids;
  }
  v1::SearchEntitiesResponse Search(v1::SearchEntitiesRequest request) {
    v1::SearchEntitiesResponse response;
    auto context = Context();
    grpc::Status status =
        query().SearchEntities(context.get(), Fresh(request), &response);
    EXPECT_TRUE(status.ok())
        << request.query() << ": " << status.error_message();
    return response;
  }
  v1::SearchEntitiesResponse Search(const std::string& q) {
    v1::SearchEntitiesRequest request;
    request.set_query(q);
    request.set_page_size(100);
    return Search(request);
  }
  v1::ResolveValueResponse Resolve(const std::string& subject,
                                   const std::string& predicate,
                                   const std::string& at = "") {
    v1::ResolveValueRequest request;
    request.set_subject(subject);
    request.set_predicate(predicate);
    request.set_at(at);
    v1::ResolveValueResponse response;
    auto context = Context();
    grpc::Status status =
        query().ResolveValue(context.get(), Fresh(request), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }
  v1::GetStatsResponse Stats() {
    v1::GetStatsRequest request;
    v1::GetStatsResponse response;
    auto context = Context();
    grpc::Status status =
        query().GetStats(context.get(), Fresh(request), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  std::unique_ptr<TestCluster> cluster_;
  std::string seed_commit_;
  std::string last_commit_;
};

// ---------------------------------------------------------------------------
// 1. Read-your-writes and min_commit.

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

// ---------------------------------------------------------------------------
// 2. Entities and facts by id.

TEST_F(QueryServiceTest, GetsEntitiesOneByOneAndInBatches) {
  v1::GetEntityRequest request;
  request.set_id("place:da-nang");
  request.mutable_read_options()->set_min_commit(seed_commit_);
  v1::GetEntityResponse response;
  auto context = Context();
  ASSERT_TRUE(query().GetEntity(context.get(), request, &response).ok());
  EXPECT_EQ(response.entity().id(), "place:da-nang");
  EXPECT_EQ(response.entity().type(), v1::ENTITY_TYPE_PLACE);
  EXPECT_EQ(response.entity().name(), "Đà Nẵng");
  EXPECT_THAT(response.entity().aliases(),
              ElementsAre("Da Nang", "Danang", "Da Nang City"));
  EXPECT_EQ(response.entity().created_commit(), seed_commit_);
  EXPECT_EQ(response.entity().updated_commit(), seed_commit_);
  EXPECT_GE(CommitOf(response.commit_token()), CommitOf(seed_commit_));

  request.set_id("place:atlantis");
  auto missing_context = Context();
  grpc::Status status =
      query().GetEntity(missing_context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("place:atlantis"));

  v1::BatchGetEntitiesRequest batch;
  batch.add_ids("org:fpt");
  batch.add_ids("place:atlantis");
  batch.add_ids("place:da-nang");
  batch.add_ids("org:nobody");
  batch.add_ids("country:south-korea");
  batch.mutable_read_options()->set_min_commit(seed_commit_);
  v1::BatchGetEntitiesResponse batched;
  auto batch_context = Context();
  ASSERT_TRUE(
      query().BatchGetEntities(batch_context.get(), batch, &batched).ok());
  ASSERT_EQ(batched.entities_size(), 3);
  EXPECT_EQ(batched.entities(0).id(), "org:fpt");
  EXPECT_EQ(batched.entities(1).id(), "place:da-nang");
  EXPECT_EQ(batched.entities(2).id(), "country:south-korea");
  EXPECT_EQ(batched.entities(2).name(), "South Korea");
  EXPECT_THAT(batched.missing_ids(),
              ElementsAre("place:atlantis", "org:nobody"));
  EXPECT_FALSE(batched.commit_token().empty());
}

TEST_F(QueryServiceTest, ErasedEntitiesAnswerNotFoundWithTheReason) {
  Erase("person:nguyen-van-khoa", "privacy request #12");
  v1::GetEntityRequest request;
  request.set_id("person:nguyen-van-khoa");
  request.mutable_read_options()->set_min_commit(last_commit_);
  v1::GetEntityResponse response;
  auto context = Context();
  grpc::Status status = query().GetEntity(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("privacy request #12"));

  v1::BatchGetEntitiesRequest batch;
  batch.add_ids("person:nguyen-van-khoa");
  batch.mutable_read_options()->set_min_commit(last_commit_);
  v1::BatchGetEntitiesResponse batched;
  auto batch_context = Context();
  ASSERT_TRUE(
      query().BatchGetEntities(batch_context.get(), batch, &batched).ok());
  EXPECT_EQ(batched.entities_size(), 0);
  EXPECT_THAT(batched.missing_ids(), ElementsAre("person:nguyen-van-khoa"));
}

TEST_F(QueryServiceTest, GetsFactsOneByOneAndInBatches) {
  v1::IngestFactsResponse ingested = IngestAll({
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict",
              "a cumulative total investment capital of US$85.9 billion"),
      RawFact("place:da-nang", "education.it_institution_count", "37",
              "doc:da-nang-ict", "37 educational institutions"),
  });
  std::string investment = ingested.results(0).fact_id();
  std::string institutions = ingested.results(1).fact_id();

  v1::GetFactResponse response;
  ASSERT_TRUE(GetFact(investment, &response).ok());
  EXPECT_EQ(response.fact().id(), investment);
  EXPECT_EQ(response.fact().subject(), "country:south-korea");
  EXPECT_EQ(response.fact().predicate(), "investment.cumulative_total");
  EXPECT_EQ(response.fact().value().quantity().amount(), "85900000000");
  EXPECT_EQ(response.fact().value().quantity().unit(), "USD");
  ASSERT_EQ(response.fact().mentions_size(), 1);
  EXPECT_EQ(response.fact().mentions(0).document_id(), "doc:da-nang-ict");
  EXPECT_EQ(response.fact().asserted_commit(), ingested.commit_token());
  EXPECT_FALSE(response.fact().retracted());

  grpc::Status status =
      GetFact("f_00000000000000000000000000000000", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  v1::BatchGetFactsRequest batch;
  batch.add_ids(institutions);
  batch.add_ids("f_00000000000000000000000000000000");
  batch.add_ids(investment);
  batch.add_ids("not-a-fact");
  v1::BatchGetFactsResponse batched;
  auto context = Context();
  ASSERT_TRUE(
      query().BatchGetFacts(context.get(), Fresh(batch), &batched).ok());
  ASSERT_EQ(batched.facts_size(), 2);
  EXPECT_EQ(batched.facts(0).id(), institutions);
  EXPECT_EQ(batched.facts(0).value().quantity().amount(), "37");
  EXPECT_EQ(batched.facts(1).id(), investment);
  EXPECT_THAT(batched.missing_ids(),
              ElementsAre("f_00000000000000000000000000000000", "not-a-fact"));
  EXPECT_EQ(batched.commit_token(), ingested.commit_token());
}

// ---------------------------------------------------------------------------
// 3. SearchEntities.

class SearchTest : public QueryServiceTest {
 protected:
  void SetUp() override {
    QueryServiceTest::SetUp();
    Upsert(R"pb(
      entities { id: "place:korea" type: ENTITY_TYPE_PLACE name: "Korea" }
    )pb");
  }

  // (id, kind) of every match.
  std::vector<std::pair<std::string, v1::MatchKind>> Matches(
      const v1::SearchEntitiesResponse& response) {
    std::vector<std::pair<std::string, v1::MatchKind>> out;
    for (const auto& m : response.matches()) {
      out.emplace_back(m.entity().id(), m.match_kind());
    }
    return out;
  }
};

TEST_F(SearchTest, FindsNamesWhateverTheCaseDiacriticsAndSpacing) {
  for (const char* q :
       {"danang", "Đà Nẵng", "da nang", "DA NANG", "Da-Nang", "ĐÀ NẴNG"}) {
    v1::SearchEntitiesResponse response = Search(q);
    ASSERT_GE(response.matches_size(), 1) << q;
    EXPECT_EQ(response.matches(0).entity().id(), "place:da-nang") << q;
    EXPECT_EQ(response.matches(0).match_kind(), v1::MATCH_KIND_EXACT) << q;
    EXPECT_EQ(response.matches(0).entity().name(), "Đà Nẵng") << q;
    // The entity is listed once, although several of its names match.
    int count = 0;
    for (const auto& m : response.matches()) {
      count += m.entity().id() == "place:da-nang";
    }
    EXPECT_EQ(count, 1) << q;
  }
  // Other scripts.
  v1::SearchEntitiesResponse seoul = Search("서울");
  ASSERT_EQ(seoul.matches_size(), 1);
  EXPECT_EQ(seoul.matches(0).entity().id(), "place:seoul");
  EXPECT_EQ(seoul.matches(0).matched_name(), "서울");
  EXPECT_EQ(seoul.matches(0).match_kind(), v1::MATCH_KIND_EXACT);
}

TEST_F(SearchTest, PrefixesAndLaterWords) {
  // "Đà Nẵng" starts with "da n"; "... conference in Da Nang" has a later
  // word that does.
  EXPECT_THAT(Matches(Search("da n")),
              ElementsAre(std::make_pair(std::string("place:da-nang"),
                                         v1::MATCH_KIND_PREFIX),
                          std::make_pair(std::string("doc:da-nang-ict"),
                                         v1::MATCH_KIND_WORD_PREFIX)));

  v1::SearchEntitiesResponse word = Search("nang");
  std::map<std::string, v1::MatchKind> kinds;
  for (const auto& m : word.matches()) {
    EXPECT_TRUE(kinds.emplace(m.entity().id(), m.match_kind()).second)
        << "listed twice: " << m.entity().id();
  }
  EXPECT_EQ(kinds["place:da-nang"], v1::MATCH_KIND_WORD_PREFIX);
  // "Korea - Vietnam ICT investment conference in Da Nang".
  EXPECT_EQ(kinds["doc:da-nang-ict"], v1::MATCH_KIND_WORD_PREFIX);
  EXPECT_EQ(kinds.size(), 2u);

  v1::SearchEntitiesResponse later = Search("korea");
  auto matches = Matches(later);
  // Exact, then prefix, then word prefix.
  std::vector<std::pair<std::string, v1::MatchKind>> expected = {
      {"place:korea", v1::MATCH_KIND_EXACT},
      {"doc:da-nang-ict", v1::MATCH_KIND_PREFIX},
  };
  ASSERT_GE(matches.size(), 2u);
  EXPECT_EQ(matches[0], expected[0]);
  EXPECT_EQ(matches[1], expected[1]);
  std::set<std::string> word_matches;
  for (size_t i = 2; i < matches.size(); ++i) {
    EXPECT_EQ(matches[i].second, v1::MATCH_KIND_WORD_PREFIX)
        << matches[i].first;
    EXPECT_TRUE(word_matches.insert(matches[i].first).second)
        << "listed twice: " << matches[i].first;
  }
  EXPECT_EQ(word_matches,
            (std::set<std::string>{"country:south-korea", "doc:seoul-forum",
                                   "event:vn-kr-digital-forum-2024",
                                   "product:kr-it-outsourcing-market"}));
  for (const auto& m : later.matches()) {
    if (m.entity().id() == "country:south-korea") {
      // "South Korea" (suffix "korea") sorts before "Republic of Korea"'s
      // suffix "ofkorea"... either way the matched name is one of its names.
      EXPECT_THAT(m.matched_name(),
                  ::testing::AnyOf("South Korea", "Republic of Korea"));
    }
  }
}

TEST_F(SearchTest, TypesFilterAndExactOnly) {
  v1::SearchEntitiesRequest request;
  request.set_query("korea");
  request.add_types(v1::ENTITY_TYPE_PLACE);
  auto places = Matches(Search(request));
  EXPECT_THAT(places,
              ElementsAre(std::make_pair(std::string("place:korea"),
                                         v1::MATCH_KIND_EXACT),
                          std::make_pair(std::string("country:south-korea"),
                                         v1::MATCH_KIND_WORD_PREFIX)));

  request.clear_types();
  request.add_types(v1::ENTITY_TYPE_DOCUMENT);
  request.add_types(v1::ENTITY_TYPE_EVENT);
  std::set<std::string> ids;
  for (const auto& [id, kind] : Matches(Search(request))) ids.insert(id);
  EXPECT_EQ(ids, (std::set<std::string>{"doc:da-nang-ict", "doc:seoul-forum",
                                        "event:vn-kr-digital-forum-2024"}));

  request.clear_types();
  request.set_exact_only(true);
  EXPECT_THAT(Matches(Search(request)),
              ElementsAre(std::make_pair(std::string("place:korea"),
                                         v1::MATCH_KIND_EXACT)));
  request.set_query("kor");
  EXPECT_EQ(Search(request).matches_size(), 0);
}

TEST_F(SearchTest, PagesOfOneListEveryMatchExactlyOnce) {
  for (const char* q : {"korea", "nang", "viet", "da", "s"}) {
    v1::SearchEntitiesRequest request;
    request.set_query(q);
    request.set_page_size(1000);
    v1::SearchEntitiesResponse all = Search(request);
    EXPECT_TRUE(all.next_page_token().empty());
    std::vector<std::pair<std::string, v1::MatchKind>> expected = Matches(all);
    ASSERT_FALSE(expected.empty()) << q;

    request.set_page_size(1);
    std::vector<std::pair<std::string, v1::MatchKind>> paged;
    std::string commit;
    for (int page = 0; page < 100; ++page) {
      v1::SearchEntitiesResponse response = Search(request);
      EXPECT_LE(response.matches_size(), 1);
      if (page == 0) commit = response.commit_token();
      EXPECT_EQ(response.commit_token(), commit);
      for (const auto& m : Matches(response)) paged.push_back(m);
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    EXPECT_EQ(paged, expected) << q;
    // The order is exact, then prefix, then word prefix.
    EXPECT_TRUE(std::is_sorted(
        paged.begin(), paged.end(),
        [](const auto& a, const auto& b) { return a.second < b.second; }))
        << q;
  }
}

TEST_F(SearchTest, APageStopsAtTheKeyBudgetAndTheNextGoesOn) {
  // What one search lists with no budget to speak of ...
  std::map<std::string, std::vector<std::pair<std::string, v1::MatchKind>>>
      expected;
  for (const char* q : {"korea", "nang", "s"}) {
    v1::SearchEntitiesRequest request;
    request.set_query(q);
    request.set_page_size(1000);
    expected[q] = Matches(Search(request));
    ASSERT_FALSE(expected[q].empty()) << q;
  }
  // ... is what pages listing at most 3 index entries each list together.
  TestClusterOptions options;
  options.query_limits.max_keys_per_read = 3;
  StartCluster(options);
  Upsert(R"pb(
    entities { id: "place:korea" type: ENTITY_TYPE_PLACE name: "Korea" }
  )pb");
  for (const auto& [q, all] : expected) {
    v1::SearchEntitiesRequest request;
    request.set_query(q);
    request.set_page_size(1000);
    std::vector<std::pair<std::string, v1::MatchKind>> paged;
    size_t pages = 0;
    while (true) {
      v1::SearchEntitiesResponse response = Search(request);
      ++pages;
      // Three entries examined list three matches at most.
      EXPECT_LE(response.matches_size(), 3) << q;
      for (const auto& m : Matches(response)) paged.push_back(m);
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
      ASSERT_LT(pages, 1000u) << q;
    }
    EXPECT_EQ(paged, all) << q;
    EXPECT_GE(pages, (all.size() + 2) / 3) << q;
  }
  EXPECT_GT(expected["s"].size(), 3u);
}

// ---------------------------------------------------------------------------
// 4. ListFacts filters and plans.

class ListFactsTest : public QueryServiceTest {
 protected:
  void SetUp() override {
    QueryServiceTest::SetUp();
    Register(R"pb(
      predicates {
        name: "economy.growth_rate"
        value_type: VALUE_TYPE_QUANTITY
        unit_dimension: UNIT_DIMENSION_RATIO
        description: "Growth of the economy"
      }
    )pb");
    Upsert(R"pb(
      entities {
        id: "event:da-nang-ict-conference"
        type: ENTITY_TYPE_EVENT
        name: "ICT investment conference"
      }
    )pb");
    std::vector<std::pair<std::string, v1::Fact>> facts = {
        {"dn_institutions",
         WithValidTime(
             RawFact("place:da-nang", "education.it_institution_count", "37",
                     "doc:da-nang-ict", "37 institutions"),
             "2024")},
        {"dn_workforce",
         WithValidTime(
             RawFact("place:da-nang", "workforce.digital_professionals",
                     "approximately 53,000 people", "doc:da-nang-ict",
                     "approximately 53,000 people"),
             "2024-08")},
        {"kr_investment",
         WithValidTime(
             RawFact("country:south-korea", "investment.cumulative_total",
                     "US$85.9 billion", "doc:da-nang-ict", "US$85.9 billion"),
             "2024-08-02")},
        {"forum_location",
         WithModality(
             RawFact("event:vn-kr-digital-forum-2024", "event.location",
                     "Seoul", "doc:seoul-forum", "held in Seoul"),
             v1::MODALITY_OBSERVED)},
        {"forum_date", RawFact("event:vn-kr-digital-forum-2024", "event.date",
                               "2024-08-02", "doc:seoul-forum", "on 2 August")},
        {"conf_location",
         RawFact("event:da-nang-ict-conference", "event.location", "Da Nang",
                 "doc:da-nang-ict", "in Da Nang")},
        {"market_600",
         WithModality(WithValidTime(RawFact("product:kr-it-outsourcing-market",
                                            "market.size", "$600 billion",
                                            "doc:seoul-forum", kMarketQuote),
                                    "2024"),
                      v1::MODALITY_OBSERVED)},
        {"market_800",
         WithModality(WithValidTime(RawFact("product:kr-it-outsourcing-market",
                                            "market.size", "$800 billion",
                                            "doc:seoul-forum", kMarketQuote),
                                    "by 2028"),
                      v1::MODALITY_FORECAST)},
        {"g-1.5",
         WithValidTime(
             QuantityFact("place:da-nang", "economy.growth_rate", "-1.5",
                          "percent", "doc:da-nang-ict", "fell 1.5%"),
             "2019")},
        {"g-0.5",
         WithValidTime(
             QuantityFact("place:da-nang", "economy.growth_rate", "-0.5",
                          "percent", "doc:da-nang-ict", "fell 0.5%"),
             "2020")},
        {"g0",
         WithValidTime(QuantityFact("place:da-nang", "economy.growth_rate", "0",
                                    "percent", "doc:da-nang-ict", "flat"),
                       "2021")},
        {"g0.25",
         WithValidTime(
             QuantityFact("place:da-nang", "economy.growth_rate", "0.25",
                          "percent", "doc:da-nang-ict", "rose 0.25%"),
             "2022")},
        {"g2",
         WithValidTime(QuantityFact("place:da-nang", "economy.growth_rate", "2",
                                    "percent", "doc:da-nang-ict", "rose 2%"),
                       "2023")},
        {"vn_g0.25",
         WithValidTime(
             QuantityFact("country:vietnam", "economy.growth_rate", "0.25",
                          "percent", "doc:seoul-forum", "rose 0.25%"),
             "2022")},
        {"vn_per_mille",
         WithValidTime(QuantityFact("country:vietnam", "economy.growth_rate",
                                    "0.25", "per_1000_people",
                                    "doc:seoul-forum", "0.25 per 1000"),
                       "2022")},
        {"dn_note_open", WithInterval(RawFact("place:da-nang", "note.text",
                                              "an open-ended note",
                                              "doc:da-nang-ict", "since 2020"),
                                      "2020", "")},
        {"vn_note_long",
         WithInterval(RawFact("country:vietnam", "note.text", "a long note",
                              "doc:seoul-forum", "from 2000 to 2030"),
                      "2000", "2030")},
        {"fpt_members", QuantityFact("org:fpt", "org.member_count", "12",
                                     "count", "doc:seoul-forum", "12 members")},
    };
    std::vector<v1::Fact> list;
    for (const auto& [name, fact] : facts) list.push_back(fact);
    v1::IngestFactsResponse response = IngestAll(list);
    ASSERT_EQ(response.results_size(), static_cast<int>(facts.size()));
    for (size_t i = 0; i < facts.size(); ++i) {
      ids_[facts[i].first] = response.results(i).fact_id();
      stored_[facts[i].first] = response.results(i).fact();
      names_[response.results(i).fact_id()] = facts[i].first;
    }
    Retract({ids_["fpt_members"]});
  }

  IdSet Ids(const std::vector<std::string>& names) {
    IdSet out;
    for (const auto& n : names) {
      EXPECT_TRUE(ids_.count(n)) << n;
      out.insert(ids_[n]);
    }
    return out;
  }
  std::vector<std::string> Names(const IdSet& ids) {
    std::vector<std::string> out;
    for (const auto& id : ids)
      out.push_back(names_.count(id) ? names_[id] : id);
    std::sort(out.begin(), out.end());
    return out;
  }

  // Lists `filter` in one page, checks the plan and the result, and checks
  // that pages of 1 and 2 give the same facts.
  void ExpectListed(const std::string& filter_text,
                    const std::vector<std::string>& expected,
                    const std::string& index) {
    v1::ListFactsRequest request;
    *request.mutable_filter() = Parse<v1::FactFilter>(filter_text);
    request.set_page_size(1000);
    v1::ListFactsResponse response = ListFactsOk(request);
    std::vector<std::string> want = expected;
    std::sort(want.begin(), want.end());
    EXPECT_EQ(Names(IdsOf(response.facts())), want) << filter_text;
    EXPECT_EQ(response.plan().index(), index) << filter_text;
    EXPECT_TRUE(response.next_page_token().empty()) << filter_text;
    for (int page_size : {1, 2}) {
      std::vector<std::string> paged = ListAllPages(request, page_size);
      EXPECT_EQ(Names(IdSet(paged.begin(), paged.end())), want)
          << filter_text << " in pages of " << page_size;
      EXPECT_EQ(paged.size(), expected.size()) << filter_text;
    }
  }

  std::map<std::string, std::string> ids_;
  std::map<std::string, v1::Fact> stored_;
  std::map<std::string, std::string> names_;
};

TEST_F(ListFactsTest, SubjectAndPredicate) {
  ExpectListed(R"pb(subject: "place:da-nang")pb",
               {"dn_institutions", "dn_workforce", "g-1.5", "g-0.5", "g0",
                "g0.25", "g2", "dn_note_open"},
               "subject_predicate");
  ExpectListed(
      R"pb(subject: "place:da-nang" predicate: "economy.growth_rate")pb",
      {"g-1.5", "g-0.5", "g0", "g0.25", "g2"}, "subject_predicate");
  ExpectListed(R"pb(subject: "place:da-nang" predicate_prefix: "economy.")pb",
               {"g-1.5", "g-0.5", "g0", "g0.25", "g2"}, "subject_predicate");
  ExpectListed(R"pb(subject: "place:da-nang" predicate_prefix: "e")pb",
               {"dn_institutions", "g-1.5", "g-0.5", "g0", "g0.25", "g2"},
               "subject_predicate");
  ExpectListed(R"pb(subject: "place:nowhere")pb", {}, "subject_predicate");
  ExpectListed(R"pb(predicate: "market.size")pb", {"market_600", "market_800"},
               "predicate_value");
  ExpectListed(R"pb(predicate_prefix: "market.")pb",
               {"market_600", "market_800"}, "predicate_value");
  ExpectListed(R"pb(predicate_prefix: "event.")pb",
               {"forum_location", "forum_date", "conf_location"},
               "predicate_value");
  ExpectListed(R"pb(predicate: "market")pb", {}, "predicate_value");
  ExpectListed(R"pb(predicate: "note.text" subject: "country:vietnam")pb",
               {"vn_note_long"}, "subject_predicate");
}

TEST_F(ListFactsTest, ObjectAndSourceDocument) {
  ExpectListed(R"pb(object: "place:seoul")pb", {"forum_location"}, "object");
  ExpectListed(R"pb(object: "place:da-nang")pb", {"conf_location"}, "object");
  ExpectListed(R"pb(object: "place:da-nang" predicate: "event.location")pb",
               {"conf_location"}, "object");
  ExpectListed(R"pb(source_document: "doc:seoul-forum")pb",
               {"forum_location", "forum_date", "market_600", "market_800",
                "vn_g0.25", "vn_per_mille", "vn_note_long"},
               "source");
  ExpectListed(R"pb(source_document: "doc:seoul-forum"
                    predicate_prefix: "market.")pb",
               {"market_600", "market_800"}, "source");
  ExpectListed(
      R"pb(subject: "place:da-nang" source_document: "doc:seoul-forum")pb", {},
      "subject_predicate");
}

TEST_F(ListFactsTest, QuantityRanges) {
  const std::string g = R"pb(predicate: "economy.growth_rate")pb";
  ExpectListed(g + R"pb(quantity_range { unit: "percent" })pb",
               {"g-1.5", "g-0.5", "g0", "g0.25", "g2", "vn_g0.25"},
               "predicate_value");
  ExpectListed(
      g + R"pb(quantity_range { unit: "percent" min: "-1" max: "0.25" })pb",
      {"g-0.5", "g0", "g0.25", "vn_g0.25"}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range {
                          unit: "percent"
                          min: "-0.5"
                          max: "0.25"
                          min_exclusive: true
                        })pb",
               {"g0", "g0.25", "vn_g0.25"}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range {
                          unit: "percent"
                          min: "-0.5"
                          max: "0.25"
                          max_exclusive: true
                        })pb",
               {"g-0.5", "g0"}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range {
                          unit: "percent"
                          min: "-1.5"
                          max: "2"
                          min_exclusive: true
                          max_exclusive: true
                        })pb",
               {"g-0.5", "g0", "g0.25", "vn_g0.25"}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range { unit: "percent" max: "-1.5" })pb",
               {"g-1.5"}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range { unit: "percent" max: "-1.49" })pb",
               {"g-1.5"}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range { unit: "percent" max: "-1.51" })pb", {},
               "predicate_value");
  ExpectListed(
      g + R"pb(quantity_range { unit: "percent" min: "-0.55" max: "-0.45" })pb",
      {"g-0.5"}, "predicate_value");
  ExpectListed(
      g + R"pb(quantity_range { unit: "percent" min: "0" max: "0" })pb", {"g0"},
      "predicate_value");
  ExpectListed(g + R"pb(quantity_range {
                          unit: "percent"
                          min: "0"
                          max: "0"
                          min_exclusive: true
                        })pb",
               {}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range { unit: "percent" min: "0.250" })pb",
               {"g0.25", "vn_g0.25", "g2"}, "predicate_value");
  ExpectListed(
      g + R"pb(quantity_range { unit: "percent" min: "0.2" max: "0.3" })pb",
      {"g0.25", "vn_g0.25"}, "predicate_value");
  ExpectListed(
      g + R"pb(quantity_range { unit: "percent" min: "1.5" max: "2.5" })pb",
      {"g2"}, "predicate_value");
  ExpectListed(
      g + R"pb(quantity_range { unit: "percent" min: "2" max: "2" })pb", {"g2"},
      "predicate_value");
  ExpectListed(g + R"pb(quantity_range { unit: "percent" min: "2.01" })pb", {},
               "predicate_value");
  ExpectListed(g + R"pb(quantity_range { unit: "per_1000_people" })pb",
               {"vn_per_mille"}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range { unit: "USD" })pb", {},
               "predicate_value");
  ExpectListed(
      R"pb(predicate: "market.size"
           quantity_range { unit: "USD" min: "700000000000" })pb",
      {"market_800"}, "predicate_value");
  ExpectListed(
      R"pb(predicate: "market.size"
           quantity_range { unit: "USD" max: "600000000000" })pb",
      {"market_600"}, "predicate_value");
  // With a subject the subject index is cheaper; the range still applies.
  ExpectListed(R"pb(subject: "place:da-nang"
                    predicate: "economy.growth_rate"
                    quantity_range { unit: "percent" min: "0" max: "10" })pb",
               {"g0", "g0.25", "g2"}, "subject_predicate");
}

TEST_F(ListFactsTest, ValidTimeOverlap) {
  // The forecast "by 2028" is dated 2028.
  ASSERT_EQ(stored_["market_800"].valid_time().interval_start(), "2028-01-01")
      << stored_["market_800"].DebugString();
  ASSERT_EQ(stored_["market_800"].valid_time().interval_end(), "2029-01-01");
  ExpectListed(R"pb(valid_time { start: "2028" end: "2029" })pb",
               {"market_800", "dn_note_open", "vn_note_long"}, "valid_time");
  ExpectListed(R"pb(valid_time { start: "2024-08" end: "2024-09" })pb",
               {"dn_institutions", "dn_workforce", "kr_investment",
                "market_600", "dn_note_open", "vn_note_long"},
               "valid_time");
  ExpectListed(R"pb(valid_time { start: "2024-08-03" end: "2024-08-04" })pb",
               {"dn_institutions", "dn_workforce", "market_600", "dn_note_open",
                "vn_note_long"},
               "valid_time");
  // Open ends.
  ExpectListed(R"pb(valid_time { end: "2020" })pb", {"g-1.5", "vn_note_long"},
               "valid_time");
  ExpectListed(R"pb(valid_time { start: "2030-12-31" })pb",
               {"dn_note_open", "vn_note_long"}, "valid_time");
  ExpectListed(R"pb(valid_time { start: "2031" })pb", {"dn_note_open"},
               "valid_time");
  ExpectListed(R"pb(valid_time { start: "1990" end: "2000" })pb", {},
               "valid_time");
  ExpectListed(
      R"pb(valid_time { start: "2022" end: "2023" })pb",
      {"g0.25", "vn_g0.25", "vn_per_mille", "dn_note_open", "vn_note_long"},
      "valid_time");
  // Combined with an index of its own.
  ExpectListed(R"pb(subject: "place:da-nang"
                    valid_time { start: "2021" end: "2023" })pb",
               {"g0", "g0.25", "dn_note_open"}, "subject_predicate");
}

TEST_F(ListFactsTest, ModalitiesRetractedAndEverything) {
  ExpectListed(R"pb(modalities: MODALITY_FORECAST)pb", {"market_800"},
               "all_facts");
  ExpectListed(
      R"pb(modalities: MODALITY_OBSERVED modalities: MODALITY_FORECAST)pb",
      {"forum_location", "market_600", "market_800"}, "all_facts");
  ExpectListed(R"pb(predicate: "market.size" modalities: MODALITY_OBSERVED)pb",
               {"market_600"}, "predicate_value");
  ExpectListed(R"pb(subject: "org:fpt")pb", {}, "subject_predicate");
  ExpectListed(R"pb(subject: "org:fpt" include_retracted: true)pb",
               {"fpt_members"}, "subject_predicate");

  std::vector<std::string> everything;
  for (const auto& [name, id] : ids_) {
    if (name != "fpt_members") everything.push_back(name);
  }
  ExpectListed("", everything, "all_facts");
  everything.push_back("fpt_members");
  ExpectListed("include_retracted: true", everything, "all_facts");

  v1::ListFactsRequest request;
  request.mutable_filter()->set_subject("org:fpt");
  request.mutable_filter()->set_include_retracted(true);
  v1::ListFactsResponse response = ListFactsOk(request);
  ASSERT_EQ(response.facts_size(), 1);
  EXPECT_TRUE(response.facts(0).retracted());
  EXPECT_EQ(response.facts(0).retraction_reason(), "misread figure");
}

// ---------------------------------------------------------------------------
// 5. Selective queries read only what they return.

TEST_F(QueryServiceTest, SelectiveListsExamineKeysInProportionToTheirResult) {
  constexpr int kSubjects = 100;
  constexpr int kFactsPerSubject = 30;
  std::string entities;
  for (int s = 0; s < kSubjects; ++s) {
    absl::StrAppend(&entities, "entities { id: \"org:o", s,
                    "\" type: ENTITY_TYPE_ORGANIZATION name: \"Organization ",
                    s, "\" }\n");
  }
  Upsert(entities);
  for (int half = 0; half < 2; ++half) {
    std::vector<v1::Fact> facts;
    for (int s = half * kSubjects / 2; s < (half + 1) * kSubjects / 2; ++s) {
      for (int i = 0; i < kFactsPerSubject; ++i) {
        facts.push_back(QuantityFact(
            absl::StrCat("org:o", s), "org.member_count",
            absl::StrCat(s * 1000 + i), "count", "doc:seoul-forum", "members"));
      }
    }
    IngestAll(facts, /*compact=*/true);
  }
  EXPECT_EQ(Stats().fact_count(), kSubjects * kFactsPerSubject);

  v1::ListFactsRequest request;
  request.set_page_size(1000);
  // "org:o4" is a prefix of "org:o40" ... "org:o49": only its own facts.
  request.mutable_filter()->set_subject("org:o4");
  v1::ListFactsResponse o4 = ListFactsOk(request);
  EXPECT_EQ(o4.facts_size(), kFactsPerSubject);
  for (const v1::Fact& f : o4.facts()) EXPECT_EQ(f.subject(), "org:o4");
  EXPECT_LE(o4.plan().keys_examined(), kFactsPerSubject + 1);

  request.mutable_filter()->set_subject("org:o42");
  v1::ListFactsResponse response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), kFactsPerSubject);
  EXPECT_EQ(response.plan().index(), "subject_predicate");
  EXPECT_LE(response.plan().keys_examined(), response.facts_size() + 1);
  EXPECT_GE(response.plan().keys_examined(), response.facts_size());

  request.mutable_filter()->set_predicate("org.member_count");
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), kFactsPerSubject);
  EXPECT_LE(response.plan().keys_examined(), response.facts_size() + 1);

  request.Clear();
  request.set_page_size(1000);
  request.mutable_filter()->set_predicate("org.member_count");
  auto* range = request.mutable_filter()->mutable_quantity_range();
  range->set_unit("count");
  range->set_min("42003");
  range->set_max("42007");
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), 5);
  EXPECT_EQ(response.plan().index(), "predicate_value");
  EXPECT_LE(response.plan().keys_examined(), response.facts_size() + 1);
  for (const v1::Fact& f : response.facts()) {
    EXPECT_EQ(f.subject(), "org:o42");
  }
  // Exclusive bounds and an empty range cost no more.
  range->set_min_exclusive(true);
  range->set_max_exclusive(true);
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), 3);
  EXPECT_LE(response.plan().keys_examined(), 5 + 1);
  range->set_min("42010.5");
  range->set_max("42010.7");
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), 0);
  EXPECT_LE(response.plan().keys_examined(), 1);

  // Default page sizes.
  request.Clear();
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), 100);
  EXPECT_FALSE(response.next_page_token().empty());
  v1::SearchEntitiesRequest search;
  search.set_query("organization");
  v1::SearchEntitiesResponse found = Search(search);
  EXPECT_EQ(found.matches_size(), 20);
  EXPECT_FALSE(found.next_page_token().empty());
  for (const auto& m : found.matches()) {
    EXPECT_EQ(m.match_kind(), v1::MATCH_KIND_PREFIX) << m.entity().id();
  }
  v1::ListPredicatesRequest predicates;
  predicates.set_page_size(5000);
  v1::ListPredicatesResponse listed;
  auto predicates_context = Context();
  ASSERT_TRUE(
      query()
          .ListPredicates(predicates_context.get(), Fresh(predicates), &listed)
          .ok());
  EXPECT_EQ(listed.predicates_size(), 8);

  // Pages hold at most 1000 facts.
  request.Clear();
  request.set_page_size(5000);
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), 1000);
  EXPECT_EQ(response.plan().index(), "all_facts");
  EXPECT_FALSE(response.next_page_token().empty());

  // A page of a broad query stops when it is full.
  request.Clear();
  request.set_page_size(10);
  request.mutable_filter()->set_predicate_prefix("org.");
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), 10);
  EXPECT_LE(response.plan().keys_examined(), 11);
  EXPECT_FALSE(response.next_page_token().empty());
  request.set_page_token(response.next_page_token());
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), 10);
  EXPECT_LE(response.plan().keys_examined(), 11);
}

// ---------------------------------------------------------------------------
// 6. Paging while writes go on.

TEST_F(QueryServiceTest, PagesReadOneSnapshotWhileWritesGoOn) {
  std::vector<v1::Fact> initial;
  for (int i = 0; i < 150; ++i) {
    initial.push_back(QuantityFact("place:da-nang", "org.member_count",
                                   absl::StrCat(i), "count", "doc:da-nang-ict",
                                   "initial"));
  }
  v1::IngestFactsResponse seeded = IngestAll(initial, /*compact=*/true);
  std::vector<std::string> initial_ids;
  for (const auto& r : seeded.results()) initial_ids.push_back(r.fact_id());

  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::atomic<int> write_failures{0};
  std::thread writer([&] {
    for (int round = 0; !stop && round < 2000; ++round) {
      v1::IngestFactsRequest request;
      request.set_compact_results(true);
      for (int i = 0; i < 3; ++i) {
        *request.add_facts() =
            QuantityFact("place:da-nang", "org.member_count",
                         absl::StrCat(100000 + round * 10 + i), "count",
                         "doc:da-nang-ict", "concurrent");
      }
      v1::IngestFactsResponse response;
      auto context = Context();
      if (!ingest().IngestFacts(context.get(), request, &response).ok()) {
        ++write_failures;
      }
      // And retract one of the initial facts now and then.
      if (round % 3 == 0 && round / 3 < static_cast<int>(initial_ids.size())) {
        v1::RetractFactsRequest retract;
        retract.add_fact_ids(initial_ids[round / 3]);
        retract.set_reason("concurrent retraction");
        v1::RetractFactsResponse retracted;
        auto retract_context = Context();
        if (!ingest()
                 .RetractFacts(retract_context.get(), retract, &retracted)
                 .ok()) {
          ++write_failures;
        }
      }
      ++writes;
    }
  });

  v1::ListFactsRequest request;
  request.mutable_filter()->set_subject("place:da-nang");
  request.mutable_filter()->set_predicate("org.member_count");
  request.set_page_size(7);
  request.mutable_read_options()->set_min_commit(seeded.commit_token());
  std::vector<std::string> paged;
  std::set<std::string> seen;
  std::string commit;
  int pages = 0;
  while (true) {
    v1::ListFactsResponse response;
    auto context = Context();
    grpc::Status status = query().ListFacts(context.get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    if (pages == 0) commit = response.commit_token();
    EXPECT_EQ(response.commit_token(), commit) << "page " << pages;
    for (const auto& f : response.facts()) {
      EXPECT_TRUE(seen.insert(f.id()).second) << "repeated " << f.id();
      EXPECT_FALSE(f.retracted());
      paged.push_back(f.id());
    }
    ++pages;
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
    // Let some writes land between pages.
    int before = writes;
    absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (writes < before + 1 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  stop = true;
  writer.join();
  EXPECT_EQ(write_failures, 0);
  EXPECT_GE(pages, 150 / 7);

  // Exactly what was visible at the first page's commit.
  v1::ListFactsRequest snapshot;
  *snapshot.mutable_filter() = request.filter();
  snapshot.set_page_size(1000);
  snapshot.mutable_read_options()->set_as_of(commit);
  v1::ListFactsResponse at_commit;
  auto context = Context();
  ASSERT_TRUE(query().ListFacts(context.get(), snapshot, &at_commit).ok());
  EXPECT_EQ(at_commit.commit_token(), commit);
  EXPECT_EQ(IdSet(paged.begin(), paged.end()), IdsOf(at_commit.facts()));
  // And the store did change meanwhile.
  v1::ListFactsRequest latest = snapshot;
  latest.mutable_read_options()->Clear();
  latest.mutable_read_options()->set_min_commit(
      cluster_->ingest_server()->head_commit_token());
  v1::ListFactsResponse now = ListFactsOk(latest);
  EXPECT_NE(IdsOf(now.facts()), IdsOf(at_commit.facts()));
  EXPECT_GT(CommitOf(now.commit_token()), CommitOf(commit));
}

// ---------------------------------------------------------------------------
// 7. Page tokens cannot be forged or misapplied.

TEST_F(QueryServiceTest, PageTokensAreTamperSafe) {
  std::vector<v1::Fact> facts;
  for (int i = 0; i < 5; ++i) {
    facts.push_back(QuantityFact("place:da-nang", "org.member_count",
                                 absl::StrCat(i), "count", "doc:da-nang-ict",
                                 "q"));
  }
  IngestAll(facts);
  v1::ListFactsRequest request;
  request.mutable_filter()->set_subject("place:da-nang");
  request.set_page_size(2);
  v1::ListFactsResponse first = ListFactsOk(request);
  const std::string token = first.next_page_token();
  ASSERT_FALSE(token.empty());

  v1::ListFactsRequest next = request;
  next.set_page_token(token);
  v1::ListFactsResponse second = ListFactsOk(next);
  ASSERT_EQ(second.facts_size(), 2);

  auto expect_rejected = [&](const v1::ListFactsRequest& r,
                             const std::string& what) {
    v1::ListFactsResponse response;
    ExpectInvalid(ListFacts(r, &response), "page_token", what);
  };
  const std::vector<std::string> garbage_tokens = {
      "garbage",
      "!!!!",
      "AAAA",
      std::string(5000, 'A'),
      token.substr(0, token.size() / 2),
      token + "AAAA"};
  for (const std::string& garbage : garbage_tokens) {
    v1::ListFactsRequest bad = next;
    bad.set_page_token(garbage);
    expect_rejected(bad, garbage.substr(0, 40));
  }

  // Every single-character change is caught, unless the changed text still
  // decodes to the very same bytes (unused bits of the last base64 digit).
  std::string original_bytes;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &original_bytes));
  int rejected = 0;
  for (size_t i = 0; i < token.size(); ++i) {
    std::string altered = token;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    v1::ListFactsRequest bad = next;
    bad.set_page_token(altered);
    v1::ListFactsResponse response;
    grpc::Status status = ListFacts(bad, &response);
    std::string altered_bytes;
    if (absl::WebSafeBase64Unescape(altered, &altered_bytes) &&
        altered_bytes == original_bytes) {
      if (status.ok()) {
        EXPECT_EQ(IdsOf(response.facts()), IdsOf(second.facts()));
      }
      continue;
    }
    ExpectInvalid(status, "page_token", absl::StrCat("character ", i));
    ++rejected;
  }
  EXPECT_GE(rejected, static_cast<int>(token.size()) - 2);

  // A token continues only the query that issued it.
  v1::ListFactsRequest other_filter = next;
  other_filter.mutable_filter()->set_subject("country:vietnam");
  expect_rejected(other_filter, "another subject");
  other_filter = next;
  other_filter.mutable_filter()->set_include_retracted(true);
  expect_rejected(other_filter, "include_retracted");
  other_filter = next;
  other_filter.mutable_filter()->set_predicate("org.member_count");
  expect_rejected(other_filter, "added predicate");

  // ... of the store that issued it.
  {
    auto other = TestCluster::Start();
    ASSERT_NE(other, nullptr);
    std::string other_seed = testing::SeedRegistryAndEntities(*other);
    auto other_context = Context();
    v1::ListPredicatesRequest other_predicates;
    other_predicates.set_page_size(1);
    other_predicates.mutable_read_options()->set_min_commit(other_seed);
    v1::ListPredicatesResponse other_listed;
    ASSERT_TRUE(other->query()
                    .ListPredicates(other_context.get(), other_predicates,
                                    &other_listed)
                    .ok());
    ASSERT_FALSE(other_listed.next_page_token().empty());
    v1::ListPredicatesRequest here;
    here.set_page_size(1);
    here.set_page_token(other_listed.next_page_token());
    v1::ListPredicatesResponse here_listed;
    auto here_context = Context();
    ExpectInvalid(
        query().ListPredicates(here_context.get(), here, &here_listed),
        "page_token", "another store");
  }

  // ... and only the RPC that issued it.
  v1::SearchEntitiesRequest search;
  search.set_query("da");
  search.set_page_token(token);
  v1::SearchEntitiesResponse searched;
  auto search_context = Context();
  ExpectInvalid(query().SearchEntities(search_context.get(), search, &searched),
                "page_token", "search");
  v1::ListPredicatesRequest predicates;
  predicates.set_page_token(token);
  v1::ListPredicatesResponse listed;
  auto predicates_context = Context();
  ExpectInvalid(
      query().ListPredicates(predicates_context.get(), predicates, &listed),
      "page_token", "predicates");

  // The page size may change from page to page.
  v1::ListFactsRequest bigger = next;
  bigger.set_page_size(10);
  v1::ListFactsResponse rest = ListFactsOk(bigger);
  EXPECT_EQ(rest.facts_size(), 3);
  EXPECT_TRUE(rest.next_page_token().empty());
}

// ---------------------------------------------------------------------------
// 8. Time travel.

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

// ---------------------------------------------------------------------------
// 9. ResolveValue.

TEST_F(QueryServiceTest, ResolveValuePrefersObservedOverForecast) {
  std::string observed = IngestOne(WithModality(
      WithValidTime(RawFact("product:kr-it-outsourcing-market", "market.size",
                            "$600 billion", "doc:seoul-forum", kMarketQuote),
                    "2024"),
      v1::MODALITY_OBSERVED));
  std::string forecast = IngestOne(WithModality(
      WithValidTime(RawFact("product:kr-it-outsourcing-market", "market.size",
                            "$800 billion", "doc:seoul-forum", kMarketQuote),
                    "by 2028"),
      v1::MODALITY_FORECAST));

  v1::ResolveValueResponse resolved =
      Resolve("product:kr-it-outsourcing-market", "market.size");
  EXPECT_EQ(resolved.preferred().id(), observed);
  EXPECT_EQ(resolved.preferred().value().quantity().amount(), "600000000000");
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_MODALITY);
  EXPECT_FALSE(resolved.explanation().empty());
  ASSERT_EQ(resolved.competing_size(), 1);
  EXPECT_EQ(resolved.competing(0).id(), forecast);
  EXPECT_EQ(resolved.competing(0).value().quantity().amount(), "800000000000");
  EXPECT_EQ(resolved.commit_token(), last_commit_);

  // In 2028 only the forecast holds.
  resolved = Resolve("product:kr-it-outsourcing-market", "market.size", "2028");
  EXPECT_EQ(resolved.preferred().id(), forecast);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_SOLE_CLAIM);
  EXPECT_EQ(resolved.competing_size(), 0);
  resolved =
      Resolve("product:kr-it-outsourcing-market", "market.size", "2024-06-01");
  EXPECT_EQ(resolved.preferred().id(), observed);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_SOLE_CLAIM);
  resolved = Resolve("product:kr-it-outsourcing-market", "market.size", "2026");
  EXPECT_FALSE(resolved.has_preferred());
  EXPECT_EQ(resolved.competing_size(), 0);

  // A PREFERRED claim beats everything, even a forecast.
  v1::Fact preferred = WithModality(
      WithValidTime(
          RawFact("product:kr-it-outsourcing-market", "market.size",
                  "$700 billion", "doc:da-nang-ict", "an editor's figure"),
          "2024"),
      v1::MODALITY_FORECAST);
  preferred.set_rank(v1::RANK_PREFERRED);
  std::string editor = IngestOne(preferred);
  resolved = Resolve("product:kr-it-outsourcing-market", "market.size");
  EXPECT_EQ(resolved.preferred().id(), editor);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_RANK);
  ASSERT_EQ(resolved.competing_size(), 2);
  EXPECT_EQ(resolved.competing(0).id(), observed);
  EXPECT_EQ(resolved.competing(1).id(), forecast);

  // A DEPRECATED observation ranks below a normal forecast.
  v1::Fact deprecated = WithModality(
      WithValidTime(RawFact("product:kr-it-outsourcing-market", "market.size",
                            "$500 billion", "doc:da-nang-ict", "an old figure"),
                    "2023"),
      v1::MODALITY_OBSERVED);
  deprecated.set_rank(v1::RANK_DEPRECATED);
  std::string old = IngestOne(deprecated);
  resolved = Resolve("product:kr-it-outsourcing-market", "market.size");
  ASSERT_EQ(resolved.competing_size(), 3);
  EXPECT_EQ(resolved.competing(2).id(), old);

  // Retracted claims do not compete.
  Retract({editor});
  resolved = Resolve("product:kr-it-outsourcing-market", "market.size");
  EXPECT_EQ(resolved.preferred().id(), observed);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_MODALITY);
  EXPECT_EQ(resolved.competing_size(), 2);

  // And as of before the forecast, the observation was alone.
  v1::ResolveValueRequest request;
  request.set_subject("product:kr-it-outsourcing-market");
  request.set_predicate("market.size");
  request.mutable_read_options()->set_as_of(Token(CommitOf(seed_commit_) + 1));
  auto context = Context();
  ASSERT_TRUE(query().ResolveValue(context.get(), request, &resolved).ok());
  EXPECT_EQ(resolved.preferred().id(), observed);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_SOLE_CLAIM);

  // Nothing to resolve.
  resolved = Resolve("place:seoul", "market.size");
  EXPECT_FALSE(resolved.has_preferred());
  EXPECT_EQ(resolved.competing_size(), 0);
}

TEST_F(QueryServiceTest, ResolveValueCountsDistinctPublishers) {
  Upsert(R"pb(
    entities { id: "doc:a" type: ENTITY_TYPE_DOCUMENT name: "A" }
    entities { id: "doc:b" type: ENTITY_TYPE_DOCUMENT name: "B" }
    entities { id: "doc:c" type: ENTITY_TYPE_DOCUMENT name: "C" }
    entities { id: "doc:d" type: ENTITY_TYPE_DOCUMENT name: "D" }
    entities { id: "doc:e" type: ENTITY_TYPE_DOCUMENT name: "E" }
    entities { id: "doc:f" type: ENTITY_TYPE_DOCUMENT name: "F" }
  )pb");
  auto mention = [](v1::Fact* fact, const std::string& doc,
                    const std::string& publisher, const std::string& date) {
    v1::Mention* m = fact->add_mentions();
    m->set_document_id(doc);
    m->set_publisher(publisher);
    m->set_publication_date(date);
    m->set_quote("valued at ...");
    m->set_language("en");
  };
  // Two independent publishers.
  v1::Fact two = RawFact("product:kr-it-outsourcing-market", "market.size",
                         "$600 billion", "doc:a", "valued at $600 billion");
  two.mutable_valid_time()->set_raw("2024");
  two.clear_mentions();
  mention(&two, "doc:a", "Vietnam News", "2024-08-01");
  mention(&two, "doc:b", "VietnamNet", "2024-08-01");
  // Two mentions, but from one publisher (spelled differently), published
  // later and committed later: it would win on every later rule.
  v1::Fact one = RawFact("product:kr-it-outsourcing-market", "market.size",
                         "$610 billion", "doc:c", "valued at $610 billion");
  one.mutable_valid_time()->set_raw("2024");
  one.clear_mentions();
  mention(&one, "doc:c", "Vietnam News", "2024-09-01");
  mention(&one, "doc:d", " vietnam news ", "2024-09-01");
  std::string two_id = IngestOne(two);
  std::string one_id = IngestOne(one);

  v1::ResolveValueResponse resolved =
      Resolve("product:kr-it-outsourcing-market", "market.size");
  EXPECT_EQ(resolved.preferred().id(), two_id);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_SOURCE_COUNT)
      << resolved.explanation();
  ASSERT_EQ(resolved.competing_size(), 1);
  EXPECT_EQ(resolved.competing(0).id(), one_id);

  // Two more sources for the second claim (a document without publisher
  // counts by itself) turn it around.
  v1::Fact more = one;
  more.clear_mentions();
  mention(&more, "doc:e", "Korea Herald", "");
  mention(&more, "doc:f", "", "");
  IngestOne(more);
  resolved = Resolve("product:kr-it-outsourcing-market", "market.size");
  EXPECT_EQ(resolved.preferred().id(), one_id);
  EXPECT_EQ(resolved.preferred().mentions_size(), 4);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_SOURCE_COUNT);
}

TEST_F(QueryServiceTest, ResolveValueFallsBackToSourceDate) {
  Upsert(R"pb(
    entities { id: "doc:a" type: ENTITY_TYPE_DOCUMENT name: "A" }
    entities { id: "doc:b" type: ENTITY_TYPE_DOCUMENT name: "B" }
  )pb");
  v1::Fact newer = RawFact("product:kr-it-outsourcing-market", "market.size",
                           "$600 billion", "doc:a", "q");
  newer.mutable_valid_time()->set_raw("2024");
  newer.mutable_mentions(0)->set_publication_date("2024-09-01");
  v1::Fact older = RawFact("product:kr-it-outsourcing-market", "market.size",
                           "$650 billion", "doc:b", "q");
  older.mutable_valid_time()->set_raw("2024");
  older.mutable_mentions(0)->set_publication_date("2024-01-01");
  std::string newer_id = IngestOne(newer);
  std::string older_id = IngestOne(older);  // committed later
  v1::ResolveValueResponse resolved =
      Resolve("product:kr-it-outsourcing-market", "market.size");
  EXPECT_EQ(resolved.preferred().id(), newer_id);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_SOURCE_DATE);
  ASSERT_EQ(resolved.competing_size(), 1);
  EXPECT_EQ(resolved.competing(0).id(), older_id);
}

// ---------------------------------------------------------------------------
// 10. ListPredicates.

TEST_F(QueryServiceTest, ListsPredicatesByPrefixAndPage) {
  v1::ListPredicatesRequest request;
  request.mutable_read_options()->set_min_commit(seed_commit_);
  v1::ListPredicatesResponse response;
  auto context = Context();
  ASSERT_TRUE(query().ListPredicates(context.get(), request, &response).ok());
  std::vector<std::string> all;
  for (const auto& p : response.predicates()) all.push_back(p.name());
  const std::vector<std::string> expected = {"education.it_institution_count",
                                             "event.date",
                                             "event.location",
                                             "investment.cumulative_total",
                                             "market.size",
                                             "note.text",
                                             "org.member_count",
                                             "workforce.digital_professionals"};
  EXPECT_EQ(all, expected);
  EXPECT_TRUE(response.next_page_token().empty());
  for (const auto& p : response.predicates()) {
    if (p.name() == "market.size") {
      EXPECT_EQ(p.value_type(), v1::VALUE_TYPE_QUANTITY);
      EXPECT_EQ(p.unit_dimension(), v1::UNIT_DIMENSION_MONEY);
      EXPECT_EQ(p.cardinality(), v1::CARDINALITY_ONE);
    }
  }

  request.set_prefix("event.");
  auto prefix_context = Context();
  ASSERT_TRUE(
      query().ListPredicates(prefix_context.get(), request, &response).ok());
  ASSERT_EQ(response.predicates_size(), 2);
  EXPECT_EQ(response.predicates(0).name(), "event.date");
  EXPECT_EQ(response.predicates(1).name(), "event.location");
  request.set_prefix("e");
  auto e_context = Context();
  ASSERT_TRUE(query().ListPredicates(e_context.get(), request, &response).ok());
  EXPECT_EQ(response.predicates_size(), 3);
  request.set_prefix("zzz");
  auto z_context = Context();
  ASSERT_TRUE(query().ListPredicates(z_context.get(), request, &response).ok());
  EXPECT_EQ(response.predicates_size(), 0);

  // Pages of 3, while another predicate is registered: the pages keep to
  // the first page's snapshot.
  request.set_prefix("");
  request.set_page_size(3);
  std::vector<std::string> paged;
  std::string commit;
  for (int page = 0; page < 10; ++page) {
    auto page_context = Context();
    ASSERT_TRUE(
        query().ListPredicates(page_context.get(), request, &response).ok());
    EXPECT_LE(response.predicates_size(), 3);
    if (page == 0) {
      commit = response.commit_token();
      Register(
          R"pb(predicates { name: "aaa.first" value_type: VALUE_TYPE_TEXT }
               predicates { name: "zzz.last" value_type: VALUE_TYPE_TEXT })pb");
    }
    EXPECT_EQ(response.commit_token(), commit);
    for (const auto& p : response.predicates()) paged.push_back(p.name());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(paged, expected);

  // The token belongs to its prefix.
  request.set_prefix("event.");
  request.set_page_size(1);
  request.clear_page_token();
  auto one_context = Context();
  ASSERT_TRUE(
      query().ListPredicates(one_context.get(), request, &response).ok());
  ASSERT_FALSE(response.next_page_token().empty());
  request.set_page_token(response.next_page_token());
  request.set_prefix("market.");
  auto bad_context = Context();
  ExpectInvalid(query().ListPredicates(bad_context.get(), request, &response),
                "page_token");

  // Before the registry existed.
  v1::ListPredicatesRequest before;
  before.mutable_read_options()->set_as_of(Token(0));
  auto before_context = Context();
  ASSERT_TRUE(
      query().ListPredicates(before_context.get(), before, &response).ok());
  EXPECT_EQ(response.predicates_size(), 0);

  // Now with the new ones.
  v1::ListPredicatesRequest fresh;
  fresh.mutable_read_options()->set_min_commit(last_commit_);
  auto fresh_context = Context();
  ASSERT_TRUE(
      query().ListPredicates(fresh_context.get(), fresh, &response).ok());
  EXPECT_EQ(response.predicates_size(), 10);
  EXPECT_EQ(response.predicates(0).name(), "aaa.first");
}

// ---------------------------------------------------------------------------
// 11. WatchFacts.

TEST_F(QueryServiceTest, WatchStartsWithAResumeTokenThenStreamsChanges) {
  // An empty `after` starts at the latest commit the service sees; make
  // sure that is the seed's.
  Stats();
  v1::WatchFactsRequest request;
  WatchClient watch(query(), request);
  ASSERT_TRUE(watch.WaitForResponses(1, absl::Seconds(5)))
      << "no first response";
  v1::WatchFactsResponse first = watch.Responses()[0];
  EXPECT_EQ(first.events_size(), 0);
  ASSERT_FALSE(first.resume_token().empty());
  auto position =
      storage::DecodeResumeToken(first.resume_token(), store_id(), "x");
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(position->commit, CommitOf(seed_commit_));
  EXPECT_EQ(position->offset, storage::CommitPosition::kWholeCommit);

  v1::IngestFactsResponse ingested = IngestAll({
      RawFact("place:da-nang", "education.it_institution_count", "37",
              "doc:da-nang-ict", "37 institutions"),
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict", "US$85.9 billion"),
  });
  ASSERT_TRUE(watch.WaitForEvents(2));
  std::vector<v1::ChangeEvent> events = watch.Events();
  ASSERT_EQ(events.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(events[i].kind(), v1::CHANGE_KIND_ASSERTED);
    EXPECT_EQ(events[i].fact().id(), ingested.results(i).fact_id());
    EXPECT_EQ(events[i].commit_token(), ingested.commit_token());
    EXPECT_GT(events[i].commit_time().seconds(), 0);
  }
  EXPECT_EQ(events[0].fact().value().quantity().amount(), "37");

  // A second source, then a retraction.
  IngestOne(RawFact("place:da-nang", "education.it_institution_count", "37",
                    "doc:seoul-forum", "thirty-seven"));
  std::string retracted = Retract({ingested.results(1).fact_id()}, "wrong");
  ASSERT_TRUE(watch.WaitForEvents(4));
  events = watch.Events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[2].kind(), v1::CHANGE_KIND_MENTION_ADDED);
  EXPECT_EQ(events[2].fact().id(), ingested.results(0).fact_id());
  EXPECT_EQ(events[2].fact().mentions_size(), 2);
  EXPECT_EQ(events[3].kind(), v1::CHANGE_KIND_RETRACTED);
  EXPECT_EQ(events[3].fact().id(), ingested.results(1).fact_id());
  EXPECT_TRUE(events[3].fact().retracted());
  EXPECT_EQ(events[3].commit_token(), retracted);

  // Another modality for the same claim updates it.
  v1::Fact estimate = RawFact("place:da-nang", "education.it_institution_count",
                              "37", "doc:da-nang-ict", "37 institutions");
  estimate.set_modality(v1::MODALITY_ESTIMATE);
  IngestOne(estimate);
  ASSERT_TRUE(watch.WaitForEvents(5));
  events = watch.Events();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[4].kind(), v1::CHANGE_KIND_UPDATED);
  EXPECT_EQ(events[4].fact().id(), ingested.results(0).fact_id());
  EXPECT_EQ(events[4].fact().modality(), v1::MODALITY_ESTIMATE);
  // Every response carries a resume token.
  for (const auto& r : watch.Responses())
    EXPECT_FALSE(r.resume_token().empty());
}

TEST_F(QueryServiceTest, WatchFiltersBySubjectAndPredicatePrefix) {
  v1::WatchFactsRequest by_subject;
  by_subject.set_subject("place:da-nang");
  v1::WatchFactsRequest by_prefix;
  by_prefix.set_predicate_prefix("market.");
  v1::WatchFactsRequest both;
  both.set_subject("place:da-nang");
  both.set_predicate_prefix("education.");
  WatchClient subject_watch(query(), by_subject);
  WatchClient prefix_watch(query(), by_prefix);
  WatchClient both_watch(query(), both);
  ASSERT_TRUE(subject_watch.WaitForResponses(1));
  ASSERT_TRUE(prefix_watch.WaitForResponses(1));
  ASSERT_TRUE(both_watch.WaitForResponses(1));

  v1::IngestFactsResponse ingested = IngestAll({
      RawFact("place:da-nang", "education.it_institution_count", "37",
              "doc:da-nang-ict", "q"),  // 0
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict", "q"),  // 1
      WithValidTime(RawFact("product:kr-it-outsourcing-market", "market.size",
                            "$600 billion", "doc:seoul-forum", kMarketQuote),
                    "2024"),  // 2
      RawFact("place:da-nang", "workforce.digital_professionals",
              "53,000 people", "doc:da-nang-ict", "q"),  // 3
      RawFact("place:da-nang", "note.text", "market. not a predicate",
              "doc:da-nang-ict", "q"),  // 4
  });
  auto id = [&](int i) { return ingested.results(i).fact_id(); };
  // Once the retraction arrived, everything before it did.
  std::string retracted = Retract({id(0)});
  ASSERT_TRUE(subject_watch.WaitForEvents(4));
  ASSERT_TRUE(prefix_watch.WaitForEvents(1));
  ASSERT_TRUE(both_watch.WaitForEvents(2));
  // Give stray events a moment to show up.
  IngestOne(
      WithValidTime(RawFact("product:kr-it-outsourcing-market", "market.size",
                            "$800 billion", "doc:seoul-forum", kMarketQuote),
                    "by 2028"));
  ASSERT_TRUE(prefix_watch.WaitForEvents(2));
  absl::SleepFor(absl::Milliseconds(50));

  auto facts = [](WatchClient& w) {
    std::vector<std::string> out;
    for (const auto& e : w.Events()) {
      out.push_back(
          absl::StrCat(v1::ChangeKind_Name(e.kind()), " ", e.fact().id()));
    }
    return out;
  };
  EXPECT_THAT(facts(subject_watch),
              ElementsAre(absl::StrCat("CHANGE_KIND_ASSERTED ", id(0)),
                          absl::StrCat("CHANGE_KIND_ASSERTED ", id(3)),
                          absl::StrCat("CHANGE_KIND_ASSERTED ", id(4)),
                          absl::StrCat("CHANGE_KIND_RETRACTED ", id(0))));
  std::vector<std::string> prefix_events = facts(prefix_watch);
  ASSERT_EQ(prefix_events.size(), 2u);
  EXPECT_EQ(prefix_events[0], absl::StrCat("CHANGE_KIND_ASSERTED ", id(2)));
  EXPECT_THAT(facts(both_watch),
              ElementsAre(absl::StrCat("CHANGE_KIND_ASSERTED ", id(0)),
                          absl::StrCat("CHANGE_KIND_RETRACTED ", id(0))));
}

TEST_F(QueryServiceTest, WatchSendsHeartbeatsWhenNothingHappens) {
  Stats();  // caught up, so that the position does not move
  v1::WatchFactsRequest request;
  request.set_heartbeat_ms(100);
  WatchClient watch(query(), request);
  ASSERT_TRUE(watch.WaitForResponses(4, absl::Seconds(5)));
  for (const auto& r : watch.Responses()) {
    EXPECT_EQ(r.events_size(), 0);
    EXPECT_EQ(r.resume_token(), seed_commit_);
  }
}

// Resumes after every response from `after`, until a stream's first
// response is empty; returns the events' keys and the resume tokens.
std::vector<std::string> WatchByResuming(v1::QueryService::Stub& stub,
                                         v1::WatchFactsRequest request,
                                         std::vector<std::string>* tokens,
                                         int* mid_commit_resumes) {
  std::vector<std::string> keys;
  for (int stream = 0; stream < 200; ++stream) {
    WatchClient watch(stub, request);
    EXPECT_TRUE(watch.WaitForResponses(1)) << "stream " << stream;
    std::vector<v1::WatchFactsResponse> responses = watch.Responses();
    watch.Stop();
    if (responses.empty()) break;
    const v1::WatchFactsResponse& first = responses[0];
    EXPECT_LE(first.events_size(), 100);
    for (const auto& e : first.events()) keys.push_back(KeyOf(e));
    EXPECT_FALSE(first.resume_token().empty());
    if (first.resume_token().find('.') != std::string::npos)
      ++*mid_commit_resumes;
    tokens->push_back(first.resume_token());
    if (first.events_size() == 0) return keys;
    request.set_after(first.resume_token());
  }
  ADD_FAILURE() << "the watch did not catch up";
  return keys;
}

TEST_F(QueryServiceTest, ResumingDeliversEveryChangeExactlyOnce) {
  // One big commit of 250 facts, then smaller ones.
  std::vector<v1::Fact> big;
  for (int i = 0; i < 250; ++i) {
    big.push_back(QuantityFact(i % 2 == 0 ? "place:da-nang" : "place:seoul",
                               "org.member_count", absl::StrCat(i), "count",
                               "doc:da-nang-ict", "big"));
  }
  v1::IngestFactsResponse big_commit = IngestAll(big, /*compact=*/true);
  std::vector<std::string> expected;
  for (const auto& r : big_commit.results()) {
    expected.push_back(absl::StrCat(
        "CHANGE_KIND_ASSERTED ", big_commit.commit_token(), " ", r.fact_id()));
  }
  v1::IngestFactsResponse small = IngestAll({
      RawFact("place:da-nang", "education.it_institution_count", "37",
              "doc:da-nang-ict", "q"),
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict", "q"),
  });
  for (const auto& r : small.results()) {
    expected.push_back(absl::StrCat("CHANGE_KIND_ASSERTED ",
                                    small.commit_token(), " ", r.fact_id()));
  }
  std::string retracted =
      Retract({big_commit.results(0).fact_id(), small.results(1).fact_id()});
  expected.push_back(absl::StrCat("CHANGE_KIND_RETRACTED ", retracted, " ",
                                  big_commit.results(0).fact_id()));
  expected.push_back(absl::StrCat("CHANGE_KIND_RETRACTED ", retracted, " ",
                                  small.results(1).fact_id()));
  std::vector<v1::Fact> more;
  for (int i = 0; i < 120; ++i) {
    more.push_back(QuantityFact("place:da-nang", "org.member_count",
                                absl::StrCat(1000 + i), "count",
                                "doc:seoul-forum", "more"));
  }
  v1::IngestFactsResponse more_commit = IngestAll(more, /*compact=*/true);
  for (const auto& r : more_commit.results()) {
    expected.push_back(absl::StrCat(
        "CHANGE_KIND_ASSERTED ", more_commit.commit_token(), " ", r.fact_id()));
  }
  Stats();  // caught up

  // From the beginning without interruption.
  v1::WatchFactsRequest request;
  request.set_after(Token(0));
  WatchClient whole(query(), request);
  ASSERT_TRUE(whole.WaitForEvents(expected.size()));
  absl::SleepFor(absl::Milliseconds(30));
  std::vector<std::string> uninterrupted = whole.EventKeys();
  EXPECT_EQ(uninterrupted, expected);
  for (const auto& r : whole.Responses()) EXPECT_LE(r.events_size(), 100);
  // The big commit needs at least three responses.
  int with_big = 0;
  for (const auto& r : whole.Responses()) {
    for (const auto& e : r.events()) {
      if (e.commit_token() == big_commit.commit_token()) {
        ++with_big;
        break;
      }
    }
  }
  EXPECT_GE(with_big, 3);
  whole.Stop();

  // Resuming after every single response.
  std::vector<std::string> tokens;
  int mid_commit = 0;
  std::vector<std::string> resumed =
      WatchByResuming(query(), request, &tokens, &mid_commit);
  EXPECT_EQ(resumed, expected);
  EXPECT_GE(mid_commit, 2) << "never resumed inside a commit";

  // With a filter too.
  request.set_subject("place:seoul");
  std::vector<std::string> seoul_expected;
  for (size_t i = 0; i < big.size(); ++i) {
    if (big[i].subject() == "place:seoul")
      seoul_expected.push_back(expected[i]);
  }
  tokens.clear();
  mid_commit = 0;
  std::vector<std::string> seoul =
      WatchByResuming(query(), request, &tokens, &mid_commit);
  EXPECT_EQ(seoul, seoul_expected);

  // Resuming with a token from the middle continues from there.
  request.clear_subject();
  request.set_after(absl::StrCat(big_commit.commit_token(), ".200"));
  WatchClient tail(query(), request);
  size_t tail_count = expected.size() - 200;
  ASSERT_TRUE(tail.WaitForEvents(tail_count));
  absl::SleepFor(absl::Milliseconds(30));
  EXPECT_EQ(tail.EventKeys(),
            std::vector<std::string>(expected.begin() + 200, expected.end()));
}

TEST_F(QueryServiceTest, WatchReportsErasuresAndNeverReplaysErasedFacts) {
  v1::WatchFactsRequest live_request;
  WatchClient live(query(), live_request);
  ASSERT_TRUE(live.WaitForResponses(1));

  v1::Fact quote = RawFact("org:vinasa", "org.member_count", "more than 10",
                           "doc:seoul-forum", "more than 10 firms ...");
  quote.mutable_mentions(0)->set_attributed_to("person:nguyen-van-khoa");
  // Another source, so that the fact outlives the speaker's erasure.
  *quote.add_mentions() = RawFact("org:vinasa", "org.member_count", "x",
                                  "doc:da-nang-ict", "over ten firms")
                              .mentions(0);
  v1::IngestFactsResponse ingested = IngestAll({
      RawFact("person:nguyen-van-khoa", "note.text", "Vinasa chair",
              "doc:seoul-forum", "Vinasa chair Nguyen Van Khoa"),
      quote,
      RawFact("place:da-nang", "education.it_institution_count", "37",
              "doc:da-nang-ict", "q"),
  });
  std::string erased_fact = ingested.results(0).fact_id();
  // The live watch sees the assertions before the erasure happens.
  ASSERT_TRUE(live.WaitForEvents(3));
  v1::EraseEntityResponse erased =
      Erase("person:nguyen-van-khoa", "privacy request #12");
  EXPECT_EQ(erased.erased_fact_count(), 1);

  ASSERT_TRUE(live.WaitForEvents(4));
  std::vector<v1::ChangeEvent> events = live.Events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[3].kind(), v1::CHANGE_KIND_ERASED);
  EXPECT_EQ(events[3].erased_entity_id(), "person:nguyen-van-khoa");
  EXPECT_EQ(events[3].commit_token(), erased.commit_token());
  EXPECT_FALSE(events[3].has_fact());

  // From the beginning: the erasure, but not the erased fact.
  v1::WatchFactsRequest replay;
  replay.set_after(Token(0));
  WatchClient from_start(query(), replay);
  ASSERT_TRUE(from_start.WaitForEvents(3));
  absl::SleepFor(absl::Milliseconds(50));
  std::vector<std::string> keys = from_start.EventKeys();
  EXPECT_THAT(
      keys,
      ElementsAre(absl::StrCat("CHANGE_KIND_ASSERTED ", ingested.commit_token(),
                               " ", ingested.results(1).fact_id()),
                  absl::StrCat("CHANGE_KIND_ASSERTED ", ingested.commit_token(),
                               " ", ingested.results(2).fact_id()),
                  absl::StrCat("CHANGE_KIND_ERASED ", erased.commit_token(),
                               " person:nguyen-van-khoa")));
  for (const auto& e : from_start.Events()) {
    EXPECT_NE(e.fact().id(), erased_fact);
    EXPECT_EQ(e.fact().DebugString().find("nguyen-van-khoa"), std::string::npos)
        << e.DebugString();
  }
  // A subject watch of the erased entity sees only its erasure.
  replay.set_subject("person:nguyen-van-khoa");
  WatchClient subject(query(), replay);
  ASSERT_TRUE(subject.WaitForEvents(1));
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_THAT(
      subject.EventKeys(),
      ElementsAre(absl::StrCat("CHANGE_KIND_ERASED ", erased.commit_token(),
                               " person:nguyen-van-khoa")));
}

TEST_F(QueryServiceTest,
       WatchesEndWithAResumeTokenOnShutdownAndResumeElsewhere) {
  v1::WatchFactsRequest request;
  request.set_after(Token(0));
  auto watch = std::make_unique<WatchClient>(query(), request);
  v1::IngestFactsResponse before = IngestAll({
      RawFact("place:da-nang", "education.it_institution_count", "37",
              "doc:da-nang-ict", "q"),
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict", "q"),
  });
  ASSERT_TRUE(watch->WaitForEvents(2));

  cluster_->query_server()->Shutdown(absl::Seconds(2));
  grpc::Status ended = watch->WaitForEnd();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE)
      << ended.error_message();
  const std::string marker = "after=\"";
  size_t at = ended.error_message().find(marker);
  ASSERT_NE(at, std::string::npos) << ended.error_message();
  std::string token = ended.error_message().substr(at + marker.size());
  token = token.substr(0, token.find('"'));
  auto position = storage::DecodeResumeToken(token, store_id(), "token");
  ASSERT_TRUE(position.ok()) << token;
  EXPECT_GE(position->commit, CommitOf(before.commit_token()));
  // The resume token of the last response received works as well.
  std::string last_received = watch->Responses().back().resume_token();
  watch.reset();

  // Writes go on while no query server runs.
  v1::IngestFactsResponse during = IngestAll({
      RawFact("org:vinasa", "org.member_count", "12", "doc:seoul-forum", "q"),
  });
  ASSERT_TRUE(cluster_->StartQuery());
  for (const std::string& after : {token, last_received}) {
    request.set_after(after);
    WatchClient resumed(query(), request);
    ASSERT_TRUE(resumed.WaitForEvents(1));
    absl::SleepFor(absl::Milliseconds(50));
    EXPECT_THAT(
        resumed.EventKeys(),
        ElementsAre(absl::StrCat("CHANGE_KIND_ASSERTED ", during.commit_token(),
                                 " ", during.results(0).fact_id())));
  }
}

TEST_F(QueryServiceTest, WatchRejectsBadPositions) {
  const std::vector<std::string> positions = {
      "garbage", storage::EncodeCommitToken(store_id() + 1, 3),
      absl::StrCat(seed_commit_, ".x")};
  for (const std::string& after : positions) {
    v1::WatchFactsRequest request;
    request.set_after(after);
    WatchClient watch(query(), request);
    grpc::Status status = watch.WaitForEnd();
    ExpectInvalid(status, "after", after);
    EXPECT_TRUE(watch.Responses().empty());
  }
}

// ---------------------------------------------------------------------------
// 12. GetStats.

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

// ---------------------------------------------------------------------------
// 13. Start-up before the store exists.

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

// ---------------------------------------------------------------------------
// 14. Bad requests name the field.

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
