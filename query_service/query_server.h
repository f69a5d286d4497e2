// QueryServer: the whole query service in one object: the store follower
// (a RocksDB secondary of the ingest service's data directory), the gRPC
// service with health and reflection. main() and the tests both start it.
//
// Health: NOT_SERVING until the first catch-up with the store, and whenever
// the follower is too far behind (no successful catch-up for
// max_catch_up_age, or more than max_commits_behind commits behind the
// primary), SERVING otherwise.
#ifndef FACTSTORE_QUERY_SERVICE_QUERY_SERVER_H_
#define FACTSTORE_QUERY_SERVICE_QUERY_SERVER_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "query_service/query_service_impl.h"
#include "query_service/store_follower.h"
#include "replication/log_replica.h"
#include "replication/nats_client.h"
#include "replication/replication_flags.h"
#include "server/auth.h"
#include "server/grpc_server.h"
#include "server/metrics.h"

namespace factstore::query {

// The gRPC health service name the query service reports under.
inline constexpr char kQueryHealthName[] = "factstore.v1.QueryService";

struct QueryServerConfig {
  server::GrpcServerOptions grpc;
  FollowerOptions follower;
  // What one call and all calls together may take (deadlines, pending
  // reads, read threads, keys per read, watches).
  ReadLimits limits;
  // Health thresholds.
  absl::Duration max_catch_up_age = absl::Seconds(5);
  int64_t max_commits_behind = 100000;
  // host:port for Prometheus /metrics; empty: not served.
  std::string metrics_listen;
  // Who may read; nothing configured: anyone who can connect.
  server::AuthOptions auth;
  // Replicated mode (replication.enabled()): the store in follower.data_dir
  // is this server's own view of the commit log, not a secondary.
  replication::ReplicationConfig replication;

  absl::Status Validate() const;
};

class QueryServer {
 public:
  // Starts following the store and serving. The server listens at once
  // (reads answer UNAVAILABLE until the store is caught up).
  static absl::StatusOr<std::unique_ptr<QueryServer>> Start(
      const QueryServerConfig& config);
  ~QueryServer();

  const std::string& address() const { return grpc_->address(); }
  StoreFollower* follower() { return follower_.get(); }
  // Replicated mode: the replica (null in embedded mode).
  replication::LogReplica* replica() { return replica_.get(); }
  // True once the replica fell behind the log's start: the process must
  // restart to load the log's snapshot again (main() exits).
  bool restart_required() const;
  server::GrpcServer* grpc() { return grpc_.get(); }
  server::Metrics* metrics() { return metrics_.get(); }
  // Reads that ran past --inline_scan_time on gRPC's thread and started
  // again on a read thread (QueryServiceImpl::reads_moved).
  int64_t reads_moved() const { return reads_moved_->load(); }

  // Reports NOT_SERVING but keeps serving, so that load balancers and
  // probes see the change before the server goes (Shutdown follows).
  void BeginShutdown();

  // Reports NOT_SERVING, ends change feeds (clients get UNAVAILABLE with a
  // resume token), lets calls in flight finish within `grace` (reads waiting
  // for a commit keep waiting for it, the store is still followed), and
  // stops.
  void Shutdown(absl::Duration grace);

 private:
  QueryServer() = default;
  void UpdateHealth();

  QueryServerConfig config_;
  std::unique_ptr<server::Metrics> metrics_;
  std::unique_ptr<server::Authorizer> authorizer_;
  std::unique_ptr<replication::NatsClient> nats_;
  std::unique_ptr<replication::LogReplica> replica_;
  std::unique_ptr<StoreFollower> follower_;
  std::unique_ptr<QueryServiceImpl> service_;
  // service_->reads_moved(), kept past Shutdown.
  std::shared_ptr<const std::atomic<int64_t>> reads_moved_;
  std::unique_ptr<server::GrpcServer> grpc_;
  int health_listener_ = -1;
  std::atomic<int> serving_{-1};  // -1 unknown, 0 not serving, 1 serving
  std::atomic<bool> shutting_down_{false};
  bool shut_down_ = false;
};

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_QUERY_SERVER_H_
