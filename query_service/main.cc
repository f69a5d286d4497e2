// query_server: the factstore query service, a read-only follower of the
// ingest service's store (embedded mode), or a replica of the commit log
// with a store of its own (replicated mode, --nats).
//
//   query_server --listen=127.0.0.1:50052 --data_dir=./var/factstore
//   query_server --nats=nats://nats:4222 --data_dir=/var/lib/factstore-query
//
// Every flag can also be set through the environment: FACTSTORE_QUERY_<FLAG>
// or FACTSTORE_<FLAG> (e.g. FACTSTORE_DATA_DIR). See docs/configuration.md.
#include <algorithm>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "query_service/query_server.h"
#include "replication/replication_flags.h"
#include "server/auth.h"
#include "server/env_flags.h"
#include "server/grpc_server.h"
#include "server/log.h"
#include "server/server_main.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50052",
          "host:port to serve factstore.v1.QueryService on.");
ABSL_FLAG(std::string, data_dir, "./var/factstore",
          "Embedded mode: the ingest service's RocksDB directory, followed "
          "read-only. Replicated mode (--nats): this replica's own store.");
ABSL_FLAG(std::string, secondary_dir, "",
          "Directory of this process's own for the RocksDB secondary's info "
          "log; empty: a fresh directory under $TMPDIR.");
ABSL_FLAG(absl::Duration, catch_up_interval, absl::Milliseconds(10),
          "How often to catch up with the ingest service's writes.");
ABSL_FLAG(absl::Duration, max_wait, absl::Seconds(30),
          "The server's deadline for a read, waiting for "
          "read_options.min_commit included; a sooner call deadline wins.");
ABSL_FLAG(int, max_pending_reads, 10000,
          "Most reads admitted and not answered yet (waiting for a commit or "
          "for a read thread); more are refused with RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, read_threads, 0,
          "Threads that run scanning reads (lists, searches past "
          "--inline_scan_time, resolutions, batch gets) and reads released "
          "by a commit; 0: one per core, at least 2.");
ABSL_FLAG(absl::Duration, inline_scan_time, absl::Microseconds(200),
          "How long a SearchEntities call may run on gRPC's own thread "
          "before it starts again on a read thread (most take well under "
          "it, and save the hand-off); 0: always on a read thread; at most "
          "10ms.");
ABSL_FLAG(int64_t, max_keys_per_read, 100000,
          "Index entries one ListFacts, ListEntities or SearchEntities page "
          "examines before it ends early with a page token; ResolveValue "
          "refuses more claims, AggregateFacts more entries, SearchFacts "
          "words with more entries, a lookup by external id more "
          "entities.");
ABSL_FLAG(int, max_watches, 1000,
          "Most WatchFacts streams open at once; more are refused with "
          "RESOURCE_EXHAUSTED.");
ABSL_FLAG(absl::Duration, max_catch_up_age, absl::Seconds(5),
          "Report NOT_SERVING when the last successful catch-up is older.");
ABSL_FLAG(int64_t, max_commits_behind, 100000,
          "Report NOT_SERVING when this many commits behind the ingest "
          "service (replicated mode: commit log entries not applied yet).");
ABSL_FLAG(int, block_cache_mb, 256, "RocksDB block cache size, MiB.");
ABSL_FLAG(int, document_cache_mb, 32,
          "Cache of the documents' records that mentions cite, MiB; 0: "
          "none.");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9092",
          "host:port to serve Prometheus /metrics on; empty: not served.");

int main(int argc, char** argv) {
  using factstore::server::ExitWithError;
  std::vector<std::string> own_flags = {"listen",
                                        "data_dir",
                                        "secondary_dir",
                                        "catch_up_interval",
                                        "max_wait",
                                        "max_watches",
                                        "max_catch_up_age",
                                        "max_pending_reads",
                                        "read_threads",
                                        "inline_scan_time",
                                        "max_keys_per_read",
                                        "max_commits_behind",
                                        "block_cache_mb",
                                        "document_cache_mb",
                                        "metrics_listen"};
  for (const std::string& name :
       factstore::replication::ReplicationFlagNames()) {
    own_flags.push_back(name);
  }
  absl::StatusOr<std::vector<std::string>> env_flags =
      factstore::server::StartServerProcess(
          argc, argv,
          {"factstore query service: typed reads over the store.",
           {"FACTSTORE_QUERY_", "FACTSTORE_"},
           own_flags});
  if (!env_flags.ok()) return ExitWithError(env_flags.status().message());

  factstore::query::QueryServerConfig config;
  config.grpc = factstore::server::GrpcServerOptionsFromFlags();
  config.grpc.listen_address = absl::GetFlag(FLAGS_listen);
  config.follower.data_dir = absl::GetFlag(FLAGS_data_dir);
  config.follower.secondary_dir = absl::GetFlag(FLAGS_secondary_dir);
  config.follower.catch_up_interval = absl::GetFlag(FLAGS_catch_up_interval);
  config.follower.store.block_cache_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_block_cache_mb)) << 20;
  if (absl::GetFlag(FLAGS_document_cache_mb) < 0) {
    return ExitWithError("--document_cache_mb must not be negative");
  }
  config.follower.document_cache_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_document_cache_mb)) << 20;
  config.limits.max_read_time = absl::GetFlag(FLAGS_max_wait);
  config.limits.max_pending_reads = absl::GetFlag(FLAGS_max_pending_reads);
  config.limits.read_threads = absl::GetFlag(FLAGS_read_threads);
  if (config.limits.read_threads == 0) {
    config.limits.read_threads = std::clamp(
        static_cast<int>(std::thread::hardware_concurrency()), 2, 256);
  }
  config.limits.inline_scan_time = absl::GetFlag(FLAGS_inline_scan_time);
  config.limits.max_keys_per_read = absl::GetFlag(FLAGS_max_keys_per_read);
  config.limits.max_watches = absl::GetFlag(FLAGS_max_watches);
  config.max_catch_up_age = absl::GetFlag(FLAGS_max_catch_up_age);
  config.max_commits_behind = absl::GetFlag(FLAGS_max_commits_behind);
  config.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config.auth = factstore::server::AuthOptionsFromFlags();
  config.replication = factstore::replication::ReplicationConfigFromFlags();
  factstore::server::LogConfiguration("starting query service", *env_flags);
  if (absl::Status valid = config.Validate(); !valid.ok()) {
    return ExitWithError(valid.message());
  }

  auto server = factstore::query::QueryServer::Start(config);
  if (!server.ok()) return ExitWithError(server.status().message());
  factstore::server::Log(factstore::server::LogLevel::kInfo, "listening",
                         {{"address", (*server)->address()},
                          {"metrics_port", (*server)->metrics()->port()},
                          {"probe_port", (*server)->grpc()->probe_port()}});
  return factstore::server::ServeUntilStopped(**server);
}
