// ingest_server: the factstore ingest service, the store's only writer.
//
//   ingest_server --listen=127.0.0.1:50051 --data_dir=./var/factstore
//
// Every flag can also be set through the environment: FACTSTORE_INGEST_<FLAG>
// or FACTSTORE_<FLAG> (e.g. FACTSTORE_DATA_DIR). See docs/configuration.md.
#include <filesystem>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "ingest_service/ingest_server.h"
#include "replication/replication_flags.h"
#include "server/auth.h"
#include "server/env_flags.h"
#include "server/grpc_server.h"
#include "server/log.h"
#include "server/server_main.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port to serve factstore.v1.IngestService on.");
ABSL_FLAG(std::string, data_dir, "./var/factstore",
          "RocksDB directory of the store; created if missing.");
ABSL_FLAG(bool, sync, false,
          "fsync the write-ahead log at every commit, so acknowledged writes "
          "survive power loss (default: they survive a process crash).");
ABSL_FLAG(int, block_cache_mb, 128, "RocksDB block cache size, MiB.");
ABSL_FLAG(bool, index_words, true,
          "Keep the word index of facts' quotes and text values that "
          "SearchFacts reads (it costs more ingest work than the rest of a "
          "fact). A store with the other setting gets or loses the index "
          "before the server listens; in replicated mode the commit log's "
          "setting holds.");
ABSL_FLAG(int, max_group_items, 2000,
          "Largest group commit, in facts, entities or predicates.");
ABSL_FLAG(int, max_queued_items, 200000,
          "Items that may wait for the committer. Beyond, unary writes are "
          "refused with RESOURCE_EXHAUSTED and streams stop reading until "
          "there is room.");
ABSL_FLAG(absl::Duration, leader_lease, absl::Seconds(3),
          "Replicated mode: how long the leader lease lasts without renewal, "
          "the longest wait for a new leader when the leader dies.");
ABSL_FLAG(std::string, advertise_address, "",
          "Replicated mode: host:port the other ingest replicas forward "
          "writes to (e.g. the pod's IP and port); empty: --listen, with the "
          "host name for a wildcard host.");
ABSL_FLAG(absl::Duration, load_timeout, absl::Minutes(30),
          "Replicated mode: how long start-up waits for an empty store to "
          "load the commit log.");
ABSL_FLAG(absl::Duration, request_id_retention, absl::Hours(72),
          "How long a write's request_id is remembered (a retry within it is "
          "answered from the first result; later, it is a new request).");
ABSL_FLAG(bool, start_log_from_store, false,
          "Replicated mode: when the stream holds no log yet, start it from "
          "the store in --data_dir (an embedded-mode store, or a restored "
          "copy of a replica's) instead of refusing that store.");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9091",
          "host:port to serve Prometheus /metrics on; empty: not served.");

int main(int argc, char** argv) {
  using factstore::server::ExitWithError;
  std::vector<std::string> own_flags = {"listen",
                                        "data_dir",
                                        "sync",
                                        "block_cache_mb",
                                        "max_group_items",
                                        "max_queued_items",
                                        "metrics_listen",
                                        "leader_lease",
                                        "advertise_address",
                                        "load_timeout",
                                        "start_log_from_store",
                                        "request_id_retention"};
  for (const std::string& name :
       factstore::replication::ReplicationFlagNames()) {
    own_flags.push_back(name);
  }
  absl::StatusOr<std::vector<std::string>> env_flags =
      factstore::server::StartServerProcess(
          argc, argv,
          {"factstore ingest service: validates, normalizes and commits "
           "facts.",
           {"FACTSTORE_INGEST_", "FACTSTORE_"},
           own_flags});
  if (!env_flags.ok()) return ExitWithError(env_flags.status().message());

  factstore::ingest::IngestServerConfig config;
  config.grpc = factstore::server::GrpcServerOptionsFromFlags();
  config.grpc.listen_address = absl::GetFlag(FLAGS_listen);
  config.data_dir = absl::GetFlag(FLAGS_data_dir);
  config.committer.sync = absl::GetFlag(FLAGS_sync);
  config.committer.max_group_items = absl::GetFlag(FLAGS_max_group_items);
  config.committer.max_queued_items = absl::GetFlag(FLAGS_max_queued_items);
  config.block_cache_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_block_cache_mb)) << 20;
  config.index_words = absl::GetFlag(FLAGS_index_words);
  config.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config.auth = factstore::server::AuthOptionsFromFlags();
  config.replication = factstore::replication::ReplicationConfigFromFlags();
  config.leader_lease = absl::GetFlag(FLAGS_leader_lease);
  config.advertise_address = absl::GetFlag(FLAGS_advertise_address);
  config.load_timeout = absl::GetFlag(FLAGS_load_timeout);
  config.request_id_retention = absl::GetFlag(FLAGS_request_id_retention);
  config.start_log_from_store = absl::GetFlag(FLAGS_start_log_from_store);
  factstore::server::LogConfiguration("starting ingest service", *env_flags);
  if (absl::Status valid = config.Validate(); !valid.ok()) {
    return ExitWithError(valid.message());
  }

  auto server = factstore::ingest::IngestServer::Start(config);
  if (!server.ok()) return ExitWithError(server.status().message());
  factstore::server::Log(factstore::server::LogLevel::kInfo, "serving",
                         {{"address", (*server)->address()},
                          {"metrics_port", (*server)->metrics()->port()},
                          {"probe_port", (*server)->grpc()->probe_port()},
                          {"commit", (*server)->head_commit_token()}});
  return factstore::server::ServeUntilStopped(**server);
}
