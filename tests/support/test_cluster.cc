#include "tests/support/test_cluster.h"

#include <iostream>

#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace factstore::testing {

std::unique_ptr<grpc::ClientContext> Context(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

bool WaitForServing(const std::shared_ptr<grpc::Channel>& channel,
                    const std::string& service, absl::Duration timeout) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    auto context = Context(absl::Seconds(1));
    if (stub->Check(context.get(), request, &response).ok() &&
        response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

std::unique_ptr<TestCluster> TestCluster::Start(TestClusterOptions options) {
  std::unique_ptr<TestCluster> cluster(new TestCluster());
  cluster->options_ = options;
  cluster->data_dir_ = cluster->dir_.path() + "/data";
  if (!cluster->StartIngest()) return nullptr;
  if (options.start_query && !cluster->StartQuery()) return nullptr;
  return cluster;
}

TestCluster::~TestCluster() {
  query_stub_.reset();
  ingest_stub_.reset();
  if (query_ != nullptr) query_->Shutdown(absl::Seconds(1));
  if (ingest_ != nullptr) ingest_->Shutdown(absl::Seconds(1));
}

bool TestCluster::StartIngest() {
  ingest::IngestServerConfig config;
  config.grpc.listen_address = "127.0.0.1:0";
  config.data_dir = data_dir_;
  config.block_cache_bytes = 16 << 20;
  config.committer.sync = options_.sync;
  config.index_words = options_.index_words;
  auto server = ingest::IngestServer::Start(config);
  if (!server.ok()) {
    std::cerr << "ingest server: " << server.status() << "\n";
    return false;
  }
  ingest_ = *std::move(server);
  ingest_channel_ = grpc::CreateChannel(ingest_->address(),
                                        grpc::InsecureChannelCredentials());
  ingest_stub_ = v1::IngestService::NewStub(ingest_channel_);
  return true;
}

bool TestCluster::RestartIngest() {
  ingest_stub_.reset();
  ingest_->Shutdown(absl::Seconds(5));
  ingest_.reset();
  return StartIngest();
}

bool TestCluster::StartQuery() {
  query::QueryServerConfig config;
  config.grpc.listen_address = "127.0.0.1:0";
  config.follower.data_dir = data_dir_;
  config.follower.secondary_dir = dir_.path() + "/secondary";
  config.follower.catch_up_interval = options_.catch_up_interval;
  config.follower.store.block_cache_bytes = 16 << 20;
  config.limits = options_.query_limits;
  auto server = query::QueryServer::Start(config);
  if (!server.ok()) {
    std::cerr << "query server: " << server.status() << "\n";
    return false;
  }
  query_ = *std::move(server);
  query_channel_ = grpc::CreateChannel(query_->address(),
                                       grpc::InsecureChannelCredentials());
  query_stub_ = v1::QueryService::NewStub(query_channel_);
  if (!WaitForServing(query_channel_, query::kQueryHealthName,
                      absl::Seconds(20))) {
    std::cerr << "query server did not become SERVING\n";
    return false;
  }
  return true;
}

}  // namespace factstore::testing
