#include "query_service/query_server.h"

#include <atomic>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "replication/replica_metrics.h"
#include "server/log.h"
#include "server/store_metrics.h"

namespace factstore::query {
namespace {

// How far behind the ingest service the follower is, how its document cache
// serves, and how many reads moved to a read thread, for Prometheus.
class FollowerCollector : public prometheus::Collectable {
 public:
  FollowerCollector(const StoreFollower* follower,
                    std::shared_ptr<const std::atomic<int64_t>> reads_moved)
      : follower_(follower), reads_moved_(std::move(reads_moved)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    FollowerView view = follower_->view();
    using prometheus::MetricType;
    double behind = view.primary_commit > view.commit
                        ? static_cast<double>(view.primary_commit - view.commit)
                        : 0;
    double age =
        view.ready ? absl::ToDoubleSeconds(absl::Now() - view.caught_up_at) : 0;
    std::vector<prometheus::MetricFamily> families = {
        server::MakeFamily("factstore_secondary_lag_commits",
                           "Commits of the ingest service not visible yet.",
                           MetricType::Gauge, behind),
        server::MakeFamily("factstore_secondary_lag_seconds",
                           "Seconds since the last successful catch-up.",
                           MetricType::Gauge, age),
        server::MakeFamily("factstore_visible_commit",
                           "The latest commit this service reads.",
                           MetricType::Gauge, static_cast<double>(view.commit)),
        server::MakeFamily("factstore_secondary_ready",
                           "1 once the store has been caught up with.",
                           MetricType::Gauge, view.ready ? 1 : 0)};
    const DocumentCache& documents = *follower_->document_cache();
    families.push_back(server::MakeFamily(
        "factstore_document_cache_hits_total",
        "Mentions' documents found in the document cache.", MetricType::Counter,
        static_cast<double>(documents.hits())));
    families.push_back(server::MakeFamily(
        "factstore_document_cache_misses_total",
        "Mentions' documents not in the document cache (or changed since), "
        "read from the store.",
        MetricType::Counter, static_cast<double>(documents.misses())));
    families.push_back(server::MakeFamily(
        "factstore_document_cache_usage_bytes", "Bytes in the document cache.",
        MetricType::Gauge, static_cast<double>(documents.usage_bytes())));
    families.push_back(server::MakeFamily(
        "factstore_reads_moved_to_read_threads_total",
        "Reads (SearchEntities) that ran past --inline_scan_time on gRPC's "
        "thread and started again on a read thread.",
        MetricType::Counter,
        static_cast<double>(reads_moved_->load(std::memory_order_relaxed))));
    return families;
  }

 private:
  const StoreFollower* follower_;
  const std::shared_ptr<const std::atomic<int64_t>> reads_moved_;
};

}  // namespace

absl::Status QueryServerConfig::Validate() const {
  if (follower.data_dir.empty()) {
    return absl::InvalidArgumentError("--data_dir is empty");
  }
  if (grpc.listen_address.rfind(':') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen: \"", grpc.listen_address, "\" is not host:port"));
  }
  if (follower.catch_up_interval <= absl::ZeroDuration() ||
      follower.catch_up_interval > absl::Minutes(1)) {
    return absl::InvalidArgumentError(
        "--catch_up_interval must be between 0 and 1m");
  }
  if (absl::Status valid = limits.Validate(); !valid.ok()) return valid;
  if (absl::Status tls = grpc.Validate(); !tls.ok()) return tls;
  if (follower.store.block_cache_bytes < (1 << 20)) {
    return absl::InvalidArgumentError("--block_cache_mb must be at least 1");
  }
  return replication.Validate();
}

absl::StatusOr<std::unique_ptr<QueryServer>> QueryServer::Start(
    const QueryServerConfig& config) {
  FS_RETURN_IF_ERROR(config.Validate());
  std::unique_ptr<QueryServer> server(new QueryServer());
  server->config_ = config;
  FS_ASSIGN_OR_RETURN(
      server->authorizer_,
      server::Authorizer::ForServer(config.auth, config.grpc.listen_address,
                                    config.grpc.tls_require_client_cert,
                                    !config.grpc.probe_listen_address.empty()));
  FS_ASSIGN_OR_RETURN(server->metrics_,
                      server::Metrics::Start(config.metrics_listen));
  FollowerOptions follower_options = config.follower;
  if (config.replication.enabled()) {
    replication::NatsOptions nats = config.replication.nats;
    nats.name = "factstore-query";
    FS_ASSIGN_OR_RETURN(server->nats_, replication::NatsClient::Connect(nats));
    replication::LogReplicaOptions replica;
    replica.data_dir = config.follower.data_dir;
    replica.store = config.follower.store;
    replica.log = config.replication.log;
    replica.compress = config.replication.compress;
    replica.compress = config.replication.compress;
    replica.may_start_log = false;
    replica.writer_name = replication::ProcessName("query");
    FS_ASSIGN_OR_RETURN(server->replica_, replication::LogReplica::Start(
                                              server->nats_.get(), replica));
    follower_options.replica = server->replica_.get();
    server->metrics_->AddCollectable(
        std::make_shared<replication::ReplicaCollector>(
            server->replica_.get()));
  }
  server->follower_ = StoreFollower::Start(follower_options);
  StoreFollower* follower = server->follower_.get();
  server->metrics_->AddCollectable(std::make_shared<server::StoreCollector>(
      [follower] { return follower->store(); }));
  server->service_ = std::make_unique<QueryServiceImpl>(
      follower, config.limits,
      server->authorizer_->enabled() ? server->authorizer_.get() : nullptr);
  server->reads_moved_ = server->service_->reads_moved();
  server->metrics_->AddCollectable(
      std::make_shared<FollowerCollector>(follower, server->reads_moved_));
  FS_ASSIGN_OR_RETURN(
      server->grpc_, server::GrpcServer::Start(
                         config.grpc, {server->service_.get()},
                         {kQueryHealthName}, server->metrics_->Interceptors()));
  server->health_listener_ =
      server->follower_->AddListener([s = server.get()] { s->UpdateHealth(); });
  return server;
}

bool QueryServer::restart_required() const {
  return replica_ != nullptr && replica_->status().rebuild_required;
}

void QueryServer::UpdateHealth() {
  if (shutting_down_) return;
  FollowerView view = follower_->view();
  int64_t behind = view.primary_commit > view.commit
                       ? static_cast<int64_t>(view.primary_commit - view.commit)
                       : 0;
  bool serving;
  if (view.replica.has_value()) {
    // Replicated mode: a replica that cannot reach NATS keeps serving what
    // it has (its lag is unknown, and growing in GetStats and metrics); it
    // stops only when it knows it is too far behind, or stopped following.
    serving =
        view.ready &&
        view.replica->state == replication::ReplicaStatus::State::kFollowing &&
        view.replica->entries_behind() <= config_.max_commits_behind;
  } else {
    serving = view.ready &&
              absl::Now() - view.caught_up_at <= config_.max_catch_up_age &&
              behind <= config_.max_commits_behind;
  }
  int now = serving ? 1 : 0;
  if (serving_.exchange(now) != now) {
    grpc_->SetServing(serving);
    server::Log(serving ? server::LogLevel::kInfo : server::LogLevel::kWarning,
                serving ? "serving" : "not serving",
                {{"commit", view.commit},
                 {"commits_behind", behind},
                 {"caught_up_ago_seconds",
                  absl::ToDoubleSeconds(absl::Now() - view.caught_up_at)}});
  }
}

QueryServer::~QueryServer() { Shutdown(absl::ZeroDuration()); }

void QueryServer::BeginShutdown() {
  shutting_down_ = true;
  if (grpc_ != nullptr) grpc_->SetServing(false);
}

void QueryServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  BeginShutdown();
  // Start() may have failed half way: any part may be missing.
  if (follower_ != nullptr) {
    if (health_listener_ >= 0) follower_->RemoveListener(health_listener_);
    follower_->EndFeeds();
    // Reads waiting for a commit must not hold the shutdown past its grace.
    follower_->ReleaseWaitersAt(absl::Now() + grace);
  }
  if (grpc_ != nullptr) grpc_->Shutdown(grace);
  if (follower_ != nullptr) follower_->Stop();
  grpc_.reset();
  service_.reset();
  metrics_.reset();  // stops scraping the follower before it goes
  follower_.reset();
  replica_.reset();
  nats_.reset();
}

}  // namespace factstore::query
