#include "ingest_service/ingest_server.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/store_metrics.h"
#include "storage/commit_progress.h"
#include "storage/commit_token.h"

namespace factstore::ingest {

absl::Status IngestServerConfig::Validate() const {
  if (data_dir.empty()) return absl::InvalidArgumentError("--data_dir is empty");
  if (grpc.listen_address.rfind(':') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen: \"", grpc.listen_address, "\" is not host:port"));
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
  return absl::OkStatus();
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
  FS_ASSIGN_OR_RETURN(server->authorizer_, server::Authorizer::Create([&config] {
                        server::AuthOptions auth = config.auth;
                        // The probe port is plaintext: only TLS calls may
                        // reach the service.
                        auth.require_tls = !config.grpc.probe_listen_address.empty();
                        return auth;
                      }()));
  FS_ASSIGN_OR_RETURN(server->metrics_, server::Metrics::Start(config.metrics_listen));
  storage::StoreOptions store_options;
  store_options.block_cache_bytes = config.block_cache_bytes;
  FS_ASSIGN_OR_RETURN(server->store_,
                      storage::Store::OpenPrimary(config.data_dir, store_options));
  FS_ASSIGN_OR_RETURN(server->registry_, PredicateRegistry::Load(*server->store_));
  FS_ASSIGN_OR_RETURN(
      std::unique_ptr<storage::CommitProgressWriter> progress,
      storage::CommitProgressWriter::Open(config.data_dir));
  FS_ASSIGN_OR_RETURN(server->committer_,
                      Committer::Start(server->store_.get(), config.committer,
                                       std::move(progress)));
  server->ingest_metrics_ =
      std::make_unique<IngestMetrics>(server->metrics_->registry());
  server->committer_->set_observer(
      [m = server->ingest_metrics_.get()](const CommitStats& stats) {
        m->Observe(stats);
      });
  server->metrics_->AddCollectable(std::make_shared<server::StoreCollector>(
      [store = server->store_.get()] { return store; }));
  server->service_ = std::make_unique<IngestServiceImpl>(
      server->store_.get(), server->committer_.get(), server->registry_.get(),
      server->authorizer_->enabled() ? server->authorizer_.get() : nullptr);
  FS_ASSIGN_OR_RETURN(
      server->grpc_,
      server::GrpcServer::Start(config.grpc, {server->service_.get()},
                                {kIngestHealthName},
                                server->metrics_->Interceptors()));
  server->grpc_->SetServing(true);
  return server;
}

IngestServer::~IngestServer() { Shutdown(absl::ZeroDuration()); }

std::string IngestServer::head_commit_token() const {
  return storage::EncodeCommitToken(store_->store_id(),
                                    committer_->head().last_commit());
}

void IngestServer::BeginShutdown() {
  if (grpc_ != nullptr) grpc_->SetServing(false);
}

void IngestServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  if (grpc_ != nullptr) grpc_->Shutdown(grace);
  committer_.reset();  // commits what is queued
  service_.reset();
  grpc_.reset();
  metrics_.reset();  // stops scraping the store before it closes
  store_.reset();
}

}  // namespace factstore::ingest
