// The flags that turn on the replicated mode, shared by both servers:
// --nats (the NATS servers; empty: embedded mode), the stream, its
// replicas, credentials and TLS. docs/configuration.md lists them.
#ifndef FACTSTORE_REPLICATION_REPLICATION_FLAGS_H_
#define FACTSTORE_REPLICATION_REPLICATION_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "replication/commit_log.h"
#include "replication/nats_client.h"

namespace factstore::replication {

struct ReplicationConfig {
  NatsOptions nats;
  CommitLogOptions log;
  // LZ4-compress the write batches appended to the log (--nats_compression).
  bool compress = true;
  // A bad --nats_compression value, reported by Validate.
  absl::Status compression_flag_error;

  // True when NATS servers are given: the replicated mode.
  bool enabled() const { return !nats.servers.empty(); }
  // Checks the values (only when enabled); INVALID_ARGUMENT names the flag.
  absl::Status Validate() const;
};

// The configuration from the --nats* flags.
ReplicationConfig ReplicationConfigFromFlags();

// Names of those flags, for ApplyEnvironmentToFlags.
std::vector<std::string> ReplicationFlagNames();

}  // namespace factstore::replication

#endif  // FACTSTORE_REPLICATION_REPLICATION_FLAGS_H_
