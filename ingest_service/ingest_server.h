// IngestServer: the whole ingest service in one object: the store opened as
// primary, the predicate registry, the committer, the gRPC service with
// health and reflection. main() and the tests both start it.
//
//   IngestServerConfig config;
//   config.data_dir = dir;
//   config.grpc.listen_address = "127.0.0.1:0";
//   FS_ASSIGN_OR_RETURN(auto server, IngestServer::Start(config));
//   ... connect to server->address() ...
//   server->Shutdown(absl::Seconds(5));
#ifndef FACTSTORE_INGEST_SERVICE_INGEST_SERVER_H_
#define FACTSTORE_INGEST_SERVICE_INGEST_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ingest_service/commit_sink.h"
#include "ingest_service/committer.h"
#include "ingest_service/ingest_metrics.h"
#include "ingest_service/ingest_service_impl.h"
#include "ingest_service/predicate_registry.h"
#include "ingest_service/write_forwarder.h"
#include "replication/leader_lease.h"
#include "replication/log_replica.h"
#include "replication/nats_client.h"
#include "replication/replication_flags.h"
#include "server/auth.h"
#include "server/grpc_server.h"
#include "server/metrics.h"
#include "storage/store.h"

namespace factstore::ingest {

// The gRPC health service name the ingest service reports under.
inline constexpr char kIngestHealthName[] = "factstore.v1.IngestService";

struct IngestServerConfig {
  server::GrpcServerOptions grpc;
  // The store's RocksDB directory; created (with parents) if missing.
  std::string data_dir = "./var/factstore";
  size_t block_cache_bytes = 128 << 20;
  // Whether the store keeps the word index SearchFacts reads
  // (storage::StoreOptions::index_words).
  bool index_words = true;
  CommitterOptions committer;
  // host:port for Prometheus /metrics; empty: not served.
  std::string metrics_listen;
  // Who may write; nothing configured: anyone who can connect.
  server::AuthOptions auth;
  // How long a request_id is remembered (request_expiry.h).
  absl::Duration request_id_retention = absl::Hours(72);

  // Replicated mode (replication.enabled()): data_dir holds this replica's
  // view of the commit log; the replica holding the leader lease commits,
  // the others forward writes to it.
  replication::ReplicationConfig replication;
  // How long the leader lease lasts without renewal: the longest wait for a
  // new leader when the leader dies.
  absl::Duration leader_lease = absl::Seconds(3);
  // host:port the other ingest replicas forward writes to; empty: the
  // address listened on (with the host name for a wildcard host).
  std::string advertise_address;
  // How long start-up waits for an empty store to load the commit log.
  absl::Duration load_timeout = absl::Minutes(30);
  // When the stream holds no log yet, start it from the store in data_dir
  // (an embedded-mode store, or a restored copy) instead of an empty one.
  bool start_log_from_store = false;

  // Checks the values; INVALID_ARGUMENT names the bad one.
  absl::Status Validate() const;
};

class IngestServer {
 public:
  // Opens the store, starts the committer and the gRPC server, and reports
  // SERVING. Fails if the store cannot be opened (another writer holds it,
  // another schema version) or the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<IngestServer>> Start(
      const IngestServerConfig& config);

  // Shuts down if Shutdown was not called.
  ~IngestServer();

  // The address it listens on, with the port actually bound.
  const std::string& address() const { return grpc_->address(); }
  // The token of the last commit.
  std::string head_commit_token() const;

  // Reports NOT_SERVING but keeps serving, so that load balancers and
  // probes see the change before the server goes (Shutdown follows).
  void BeginShutdown();

  // Reports NOT_SERVING, stops accepting calls, lets calls in flight finish
  // within `grace` (their commits complete), then closes the store.
  void Shutdown(absl::Duration grace);

  storage::Store* store() { return store_; }
  // Replicated mode only (null otherwise).
  replication::LogReplica* replica() { return replica_.get(); }
  // True once the replica fell behind the log's start: the process must
  // restart to load the log's snapshot again (main() exits).
  bool restart_required() const {
    return replica_ != nullptr && replica_->status().rebuild_required;
  }
  replication::LeaderLease* lease() { return lease_.get(); }
  Committer* committer() { return committer_.get(); }
  server::GrpcServer* grpc() { return grpc_.get(); }
  server::Metrics* metrics() { return metrics_.get(); }

 private:
  IngestServer() = default;

  // Starts what the replicated mode adds: the NATS connection, the replica
  // (waiting until its store holds the log's state), and the sink.
  absl::Status StartReplica(const IngestServerConfig& config,
                            const storage::StoreOptions& store_options);
  // Starts competing for the leader lease and forwarding writes.
  absl::Status StartLeadership(const IngestServerConfig& config);
  // Reloads the predicates that commit `commit` registered (written by
  // another leader) into the registry.
  void RefreshRegistry(uint64_t commit);
  // Replicated mode: reports NOT_SERVING while the replica does not follow
  // the log.
  void WatchReplica();
  // Deletes request ids older than `retention`, every retention/4 (between
  // 1 s and 10 min); in replicated mode only while leading.
  void ExpireRequestIds(absl::Duration retention);

  std::unique_ptr<server::Metrics> metrics_;
  std::unique_ptr<IngestMetrics> ingest_metrics_;
  std::unique_ptr<server::Authorizer> authorizer_;
  // Embedded mode: the store, opened here. Replicated mode: the replica's.
  std::unique_ptr<storage::Store> owned_store_;
  storage::Store* store_ = nullptr;
  std::unique_ptr<replication::NatsClient> nats_;
  std::unique_ptr<replication::LogReplica> replica_;
  std::unique_ptr<CommitSink> sink_;
  std::unique_ptr<PredicateRegistry> registry_;
  std::unique_ptr<Committer> committer_;
  std::unique_ptr<replication::LeaderLease> lease_;
  std::unique_ptr<WriteForwarder> forwarder_;
  std::unique_ptr<IngestServiceImpl> service_;
  std::unique_ptr<server::GrpcServer> grpc_;
  int registry_listener_ = -1;
  std::atomic<bool> stop_watching_{false};
  std::thread watcher_;
  std::thread sweeper_;
  bool shut_down_ = false;
};

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_INGEST_SERVER_H_
