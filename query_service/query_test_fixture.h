// The fixture of the query service's end-to-end tests (query_*_test.cc): a
// real ingest server writes, a real query server follows the same RocksDB
// directory as a secondary, and the tests talk to both through real gRPC
// channels. No mocks. Each test file covers one feature of the service.
#ifndef FACTSTORE_QUERY_SERVICE_QUERY_TEST_FIXTURE_H_
#define FACTSTORE_QUERY_SERVICE_QUERY_TEST_FIXTURE_H_

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

inline constexpr char kMarketQuote[] =
    "The South Korean IT outsourcing market is valued at $600 billion and the "
    "figure is expected to rise to $800 billion by 2028";

// A fact with a typed quantity value and one mention.
inline v1::Fact QuantityFact(const std::string& subject,
                             const std::string& predicate,
                             const std::string& amount, const std::string& unit,
                             const std::string& document,
                             const std::string& quote) {
  v1::Fact fact = RawFact(subject, predicate, "", document, quote);
  fact.mutable_value()->mutable_quantity()->set_amount(amount);
  fact.mutable_value()->mutable_quantity()->set_unit(unit);
  return fact;
}

inline v1::Fact WithValidTime(v1::Fact fact, const std::string& raw) {
  fact.mutable_valid_time()->set_raw(raw);
  return fact;
}

// A valid time from `start` to `end` (either may be empty: open).
inline v1::Fact WithInterval(v1::Fact fact, const std::string& start,
                             const std::string& end) {
  if (!start.empty())
    fact.mutable_valid_time()->mutable_start()->set_date(start);
  if (!end.empty()) fact.mutable_valid_time()->mutable_end()->set_date(end);
  return fact;
}

inline v1::Fact WithModality(v1::Fact fact, v1::Modality modality) {
  fact.set_modality(modality);
  return fact;
}

inline IdSet IdsOf(const google::protobuf::RepeatedPtrField<v1::Fact>& facts) {
  IdSet ids;
  for (const v1::Fact& f : facts) ids.insert(f.id());
  return ids;
}

inline std::string KeyOf(const v1::ChangeEvent& event) {
  return absl::StrCat(
      v1::ChangeKind_Name(event.kind()), " ", event.commit_token(), " ",
      event.kind() == v1::CHANGE_KIND_ERASED ? event.erased_entity_id()
                                             : event.fact().id());
}

// Expects INVALID_ARGUMENT with a message naming `field`.
inline void ExpectInvalid(const grpc::Status& status, const std::string& field,
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

}  // namespace factstore

#endif  // FACTSTORE_QUERY_SERVICE_QUERY_TEST_FIXTURE_H_
