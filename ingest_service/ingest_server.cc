#include "ingest_service/ingest_server.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "ingest_service/log_commit_sink.h"
#include "ingest_service/request_expiry.h"
#include "replication/replica_metrics.h"
#include "server/log.h"
#include "server/store_metrics.h"
#include "storage/commit_progress.h"
#include "storage/commit_token.h"

namespace factstore::ingest {

absl::Status IngestServerConfig::Validate() const {
  if (data_dir.empty())
    return absl::InvalidArgumentError("--data_dir is empty");
  if (grpc.listen_address.rfind(':') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen: \"", grpc.listen_address, "\" is not host:port"));
  }
  if (request_id_retention < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "--request_id_retention must be at least 1s");
  }
  if (block_cache_bytes < (1 << 20)) {
    return absl::InvalidArgumentError("--block_cache_mb must be at least 1");
  }
  if (committer.max_group_items < 1 || committer.max_queued_items < 1) {
    return absl::InvalidArgumentError(
        "--max_group_items and --max_queued_items must be positive");
  }
  if (absl::Status tls = grpc.Validate(); !tls.ok()) return tls;
  if (grpc.max_receive_message_bytes < 1024) {
    return absl::InvalidArgumentError(
        "--max_receive_message_bytes must be at least 1024");
  }
  if (replication.enabled()) {
    if (leader_lease < absl::Seconds(1) || leader_lease > absl::Minutes(5)) {
      return absl::InvalidArgumentError(
          "--leader_lease must be between 1s and 5m");
    }
    if (!advertise_address.empty() &&
        advertise_address.rfind(':') == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--advertise_address: \"", advertise_address, "\" is not host:port"));
    }
  }
  return replication.Validate();
}

namespace {

// Where other replicas reach this one: the advertised address, or the bound
// one with the host name for a wildcard host.
std::string AdvertisedAddress(const IngestServerConfig& config,
                              const std::string& bound) {
  if (!config.advertise_address.empty()) return config.advertise_address;
  size_t colon = bound.rfind(':');
  std::string host = bound.substr(0, colon);
  if (host == "0.0.0.0" || host == "[::]" || host == "::" || host.empty()) {
    char name[256] = "";
    gethostname(name, sizeof(name) - 1);
    return absl::StrCat(name, bound.substr(colon));
  }
  return bound;
}

// How a standby reaches the leader: TLS like the servers themselves, with
// the server's certificate as client certificate (for leaders that require
// one) and the client CA as the roots that sign the leader's.
std::shared_ptr<grpc::ChannelCredentials> ForwardingCredentials(
    const server::GrpcServerOptions& options) {
  if (options.tls_cert_file.empty()) return grpc::InsecureChannelCredentials();
  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  grpc::SslCredentialsOptions ssl;
  if (!options.tls_client_ca_file.empty()) {
    ssl.pem_root_certs = read(options.tls_client_ca_file);
  }
  ssl.pem_cert_chain = read(options.tls_cert_file);
  ssl.pem_private_key = read(options.tls_key_file);
  return grpc::SslCredentials(ssl);
}

}  // namespace

absl::Status IngestServer::StartReplica(
    const IngestServerConfig& config,
    const storage::StoreOptions& store_options) {
  replication::NatsOptions nats = config.replication.nats;
  nats.name = "factstore-ingest";
  FS_ASSIGN_OR_RETURN(nats_, replication::NatsClient::Connect(nats));
  replication::LogReplicaOptions replica;
  replica.data_dir = config.data_dir;
  replica.store = store_options;
  replica.log = config.replication.log;
  replica.compress = config.replication.compress;
  replica.sync = config.committer.sync;
  replica.may_start_log = true;
  replica.start_from_store = config.start_log_from_store;
  replica.writer_name = replication::ProcessName("ingest");
  FS_ASSIGN_OR_RETURN(replica_,
                      replication::LogReplica::Start(nats_.get(), replica));
  server::Log(server::LogLevel::kInfo, "loading the commit log",
              {{"stream", config.replication.log.stream},
               {"data_dir", config.data_dir}});
  absl::Status loaded =
      replica_->WaitUntilLoaded(absl::Now() + config.load_timeout);
  if (!loaded.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "the store could not load the commit log: ", loaded.message()));
  }
  store_ = replica_->store();
  sink_ = std::make_unique<LogCommitSink>(replica_.get());
  return absl::OkStatus();
}

absl::Status IngestServer::StartLeadership(const IngestServerConfig& config) {
  std::string address = AdvertisedAddress(config, grpc_->address());
  replication::LeaderLeaseOptions lease;
  lease.bucket =
      absl::StrCat("factstore_leader_", config.replication.log.stream);
  lease.replicas = config.replication.log.replicas;
  lease.holder = replica_->writer_name();
  lease.address = address;
  lease.ttl = config.leader_lease;
  replication::LogReplica* replica = replica_.get();
  absl::Duration ttl = config.leader_lease;
  FS_ASSIGN_OR_RETURN(lease_,
                      replication::LeaderLease::Start(
                          nats_.get(), lease, [replica, ttl](bool leading) {
                            // A new leader first applies what the old one
                            // wrote, so that its first commit builds on the
                            // log's end.
                            if (!leading) return absl::OkStatus();
                            return replica->CatchUp(absl::Now() + ttl / 2);
                          }));
  forwarder_ = std::make_unique<WriteForwarder>(
      lease_.get(), address, ForwardingCredentials(config.grpc));
  return absl::OkStatus();
}

void IngestServer::RefreshRegistry(uint64_t commit) {
  absl::StatusOr<storage::CommitRecord> record = store_->ReadCommit(commit);
  if (!record.ok()) return;
  for (const storage::Change& change : record->changes()) {
    if (change.kind() != storage::CHANGE_KIND_PREDICATE_REGISTERED) continue;
    absl::StatusOr<storage::PredicateRecord> predicate =
        store_->ReadPredicate(change.predicate());
    if (predicate.ok() && predicate->revisions_size() > 0) {
      registry_->Update(predicate->revisions().rbegin()->predicate());
    }
  }
}

void IngestServer::WatchReplica() {
  bool serving = true;
  absl::Time next_compaction = absl::InfinitePast();
  while (!stop_watching_.load()) {
    replication::ReplicaStatus status = replica_->status();
    bool following =
        status.state == replication::ReplicaStatus::State::kFollowing;
    if (following != serving) {
      serving = following;
      grpc_->SetServing(serving);
    }
    // An erasure whose compaction did not happen (NATS away, or the leader
    // that committed it died first) is compacted by whoever leads now, also
    // when no write comes to do it (LogCommitSink does it with the next
    // commit).
    if (following && lease_->is_leader() && replica_->compaction_pending() &&
        absl::Now() >= next_compaction) {
      absl::Status compacted = replica_->CompactLog();
      next_compaction = absl::Now() + (compacted.ok() ? absl::ZeroDuration()
                                                      : absl::Minutes(1));
      if (!compacted.ok()) {
        server::Log(server::LogLevel::kError,
                    "could not compact the commit log after an erasure",
                    {{"error", std::string(compacted.message())}});
      }
    }
    absl::SleepFor(absl::Milliseconds(250));
  }
}

absl::StatusOr<std::unique_ptr<IngestServer>> IngestServer::Start(
    const IngestServerConfig& config) {
  FS_RETURN_IF_ERROR(config.Validate());
  std::error_code error;
  std::filesystem::create_directories(config.data_dir, error);
  if (error) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--data_dir: cannot create ", config.data_dir, ": ", error.message()));
  }
  std::unique_ptr<IngestServer> server(new IngestServer());
  FS_ASSIGN_OR_RETURN(
      server->authorizer_,
      server::Authorizer::ForServer(config.auth, config.grpc.listen_address,
                                    config.grpc.tls_require_client_cert,
                                    !config.grpc.probe_listen_address.empty()));
  FS_ASSIGN_OR_RETURN(server->metrics_,
                      server::Metrics::Start(config.metrics_listen));
  storage::StoreOptions store_options;
  store_options.block_cache_bytes = config.block_cache_bytes;
  store_options.index_words = config.index_words;
  std::unique_ptr<storage::CommitProgressWriter> progress;
  if (config.replication.enabled()) {
    FS_RETURN_IF_ERROR(server->StartReplica(config, store_options));
  } else {
    FS_ASSIGN_OR_RETURN(
        server->owned_store_,
        storage::Store::OpenPrimary(config.data_dir, store_options));
    server->store_ = server->owned_store_.get();
    // Only a secondary in the same directory reads it.
    FS_ASSIGN_OR_RETURN(progress,
                        storage::CommitProgressWriter::Open(config.data_dir));
  }
  if (server->store_->indexes_words() != config.index_words) {
    server::Log(server::LogLevel::kWarning,
                "this replica's store follows the word index setting of the "
                "commit log, not --index_words",
                {{"store_indexes_words",
                  server->store_->indexes_words() ? "true" : "false"},
                 {"index_words_flag", config.index_words ? "true" : "false"}});
  }
  FS_ASSIGN_OR_RETURN(server->registry_,
                      PredicateRegistry::Load(*server->store_));
  FS_ASSIGN_OR_RETURN(
      server->committer_,
      Committer::Start(server->store_, config.committer, std::move(progress),
                       std::move(server->sink_)));
  if (server->replica_ != nullptr) {
    server->registry_listener_ = server->replica_->AddCommitListener(
        [s = server.get()](uint64_t commit) { s->RefreshRegistry(commit); });
    // What another writer registered between Load and the listener.
    FS_RETURN_IF_ERROR(server->registry_->Reload(*server->store_));
  }
  server->ingest_metrics_ =
      std::make_unique<IngestMetrics>(server->metrics_->registry());
  server->committer_->set_observer(
      [m = server->ingest_metrics_.get()](const CommitStats& stats) {
        m->Observe(stats);
      });
  server->metrics_->AddCollectable(std::make_shared<server::StoreCollector>(
      [store = server->store_] { return store; }));
  if (server->replica_ != nullptr) {
    server->metrics_->AddCollectable(
        std::make_shared<replication::ReplicaCollector>(
            server->replica_.get()));
  }
  // In replicated mode the forwarder comes once the bound address is known
  // (it is what the lease advertises); writes are refused until then.
  server->service_ = std::make_unique<IngestServiceImpl>(
      server->store_, server->committer_.get(), server->registry_.get(),
      server->authorizer_->enabled() ? server->authorizer_.get() : nullptr,
      /*replicated=*/server->replica_ != nullptr);
  FS_ASSIGN_OR_RETURN(server->grpc_, server::GrpcServer::Start(
                                         config.grpc, {server->service_.get()},
                                         {kIngestHealthName},
                                         server->metrics_->Interceptors()));
  if (server->replica_ != nullptr) {
    FS_RETURN_IF_ERROR(server->StartLeadership(config));
    server->service_->set_forwarder(server->forwarder_.get());
    server->watcher_ = std::thread([s = server.get()] { s->WatchReplica(); });
  }
  server->sweeper_ =
      std::thread([s = server.get(), retention = config.request_id_retention] {
        s->ExpireRequestIds(retention);
      });
  server->grpc_->SetServing(true);
  return server;
}

void IngestServer::ExpireRequestIds(absl::Duration retention) {
  const absl::Duration interval =
      std::clamp(retention / 4, absl::Seconds(1), absl::Minutes(10));
  absl::Time next = absl::Now() + interval;
  while (!stop_watching_.load()) {
    absl::SleepFor(absl::Milliseconds(250));
    if (absl::Now() < next) continue;
    next = absl::Now() + interval;
    if (replica_ != nullptr && !lease_->is_leader()) continue;
    // A read first, so that a store with nothing to expire gets no commit.
    absl::StatusOr<bool> due =
        HasRequestIdsBefore(*store_, absl::Now() - retention);
    if (!due.ok()) {
      server::Log(server::LogLevel::kWarning,
                  "could not look for expired request ids",
                  {{"error", std::string(due.status().message())}});
    } else if (*due) {
      // A full queue refuses it: the next sweep tries again.
      committer_->TrySubmit(std::make_unique<ExpireRequestIdsOp>(retention));
    }
  }
}

IngestServer::~IngestServer() { Shutdown(absl::ZeroDuration()); }

std::string IngestServer::head_commit_token() const {
  uint64_t commit = replica_ != nullptr ? replica_->status().head.last_commit()
                                        : committer_->head().last_commit();
  return storage::EncodeCommitToken(store_->store_id(), commit);
}

void IngestServer::BeginShutdown() {
  if (grpc_ != nullptr) grpc_->SetServing(false);
}

void IngestServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  stop_watching_.store(true);
  if (watcher_.joinable()) watcher_.join();
  if (sweeper_.joinable()) sweeper_.join();
  if (grpc_ != nullptr) grpc_->Shutdown(grace);
  committer_.reset();  // commits what is queued
  // Gives the lease back: another replica takes over at once.
  lease_.reset();
  if (registry_listener_ >= 0)
    replica_->RemoveCommitListener(registry_listener_);
  service_.reset();
  forwarder_.reset();
  grpc_.reset();
  metrics_.reset();  // stops scraping the store before it closes
  owned_store_.reset();
  replica_.reset();
  nats_.reset();
  store_ = nullptr;
}

}  // namespace factstore::ingest
