// TestCluster: a real ingest server and a real query server on port 0 over a
// fresh data directory, with gRPC stubs connected to them through real
// channels. For service tests.
//
//   auto cluster = TestCluster::Start();
//   v1::IngestFactsResponse response;
//   grpc::ClientContext context;
//   ASSERT_TRUE(
//       cluster->ingest().IngestFacts(&context, request, &response).ok());
#ifndef FACTSTORE_TESTS_SUPPORT_TEST_CLUSTER_H_
#define FACTSTORE_TESTS_SUPPORT_TEST_CLUSTER_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "factstore/v1/ingest_service.grpc.pb.h"
#include "factstore/v1/query_service.grpc.pb.h"
#include "ingest_service/ingest_server.h"
#include "query_service/query_server.h"
#include "tests/support/temp_dir.h"

namespace factstore::testing {

struct TestClusterOptions {
  bool start_query = true;
  bool sync = false;
  // The ingest service's --index_words.
  bool index_words = true;
  absl::Duration catch_up_interval = absl::Milliseconds(5);
  // The query service's limits (deadlines, pending reads, keys per read).
  query::ReadLimits query_limits;
};

class TestCluster {
 public:
  // Starts both servers and waits until the query server is SERVING. Returns
  // null (after printing why) if anything fails.
  static std::unique_ptr<TestCluster> Start(TestClusterOptions options = {});
  ~TestCluster();

  v1::IngestService::Stub& ingest() { return *ingest_stub_; }
  v1::QueryService::Stub& query() { return *query_stub_; }
  ingest::IngestServer* ingest_server() { return ingest_.get(); }
  query::QueryServer* query_server() { return query_.get(); }
  const std::string& data_dir() const { return data_dir_; }
  std::shared_ptr<grpc::Channel> query_channel() { return query_channel_; }
  std::shared_ptr<grpc::Channel> ingest_channel() { return ingest_channel_; }

  // Stops the ingest server and starts a new one on the same data
  // directory (and a new port); the stub follows.
  bool RestartIngest();
  // Starts the query server if it was not started.
  bool StartQuery();

 private:
  TestCluster() = default;
  bool StartIngest();

  TestClusterOptions options_;
  TempDir dir_;
  std::string data_dir_;
  std::unique_ptr<ingest::IngestServer> ingest_;
  std::unique_ptr<query::QueryServer> query_;
  std::shared_ptr<grpc::Channel> ingest_channel_;
  std::shared_ptr<grpc::Channel> query_channel_;
  std::unique_ptr<v1::IngestService::Stub> ingest_stub_;
  std::unique_ptr<v1::QueryService::Stub> query_stub_;
};

// Waits until the gRPC health service at `channel` reports `service` as
// SERVING (true) or the timeout passes (false).
bool WaitForServing(const std::shared_ptr<grpc::Channel>& channel,
                    const std::string& service, absl::Duration timeout);

// A ClientContext with a deadline, for tests.
std::unique_ptr<grpc::ClientContext> Context(
    absl::Duration timeout = absl::Seconds(10));

}  // namespace factstore::testing

#endif  // FACTSTORE_TESTS_SUPPORT_TEST_CLUSTER_H_
