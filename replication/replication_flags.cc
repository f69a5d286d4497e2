#include "replication/replication_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(std::string, nats, "",
          "Replicated mode: NATS servers holding the commit log, as "
          "nats://host:port[,nats://host:port...]. Empty: embedded mode.");
ABSL_FLAG(std::string, nats_stream, "FACTSTORE",
          "Replicated mode: the JetStream stream of the commit log.");
ABSL_FLAG(int, nats_replicas, 3,
          "Replicated mode: replicas of the stream and of the leader lease "
          "bucket when this server creates them (3 in production, 1 for "
          "development).");
ABSL_FLAG(std::string, nats_credentials_file, "",
          "NATS credentials file (JWT and NKey seed).");
ABSL_FLAG(std::string, nats_user, "", "NATS user name.");
ABSL_FLAG(std::string, nats_password, "", "NATS password (with --nats_user).");
ABSL_FLAG(std::string, nats_token, "", "NATS authentication token.");
ABSL_FLAG(std::string, nats_tls_ca_file, "",
          "CA bundle (PEM) that signs the NATS servers' certificates; "
          "turns TLS on.");
ABSL_FLAG(std::string, nats_tls_cert_file, "",
          "Client certificate (PEM) for NATS servers that verify clients.");
ABSL_FLAG(std::string, nats_tls_key_file, "",
          "Private key (PEM) of --nats_tls_cert_file.");
ABSL_FLAG(absl::Duration, nats_timeout, absl::Seconds(5),
          "How long a request to JetStream waits for its answer.");
ABSL_FLAG(std::string, nats_compression, "lz4",
          "How the write batches this server appends to the commit log are "
          "encoded: lz4 (about four times smaller) or none. Readers take "
          "both.");

namespace factstore::replication {

absl::Status ReplicationConfig::Validate() const {
  if (!enabled()) return absl::OkStatus();
  if (absl::Status nats_ok = nats.Validate(); !nats_ok.ok()) return nats_ok;
  if (log.stream.empty()) {
    return absl::InvalidArgumentError("--nats_stream is empty");
  }
  for (char c : log.stream) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        c != '-') {
      return absl::InvalidArgumentError(
          absl::StrCat("--nats_stream: \"", log.stream,
                       "\" may hold only letters, digits, '_' and '-'"));
    }
  }
  if (log.replicas < 1 || log.replicas > 5) {
    return absl::InvalidArgumentError("--nats_replicas must be 1 to 5");
  }
  return compression_flag_error;
}

ReplicationConfig ReplicationConfigFromFlags() {
  ReplicationConfig config;
  config.nats.servers = SplitNatsServers(absl::GetFlag(FLAGS_nats));
  config.nats.credentials_file = absl::GetFlag(FLAGS_nats_credentials_file);
  config.nats.user = absl::GetFlag(FLAGS_nats_user);
  config.nats.password = absl::GetFlag(FLAGS_nats_password);
  config.nats.token = absl::GetFlag(FLAGS_nats_token);
  config.nats.tls_ca_file = absl::GetFlag(FLAGS_nats_tls_ca_file);
  config.nats.tls_cert_file = absl::GetFlag(FLAGS_nats_tls_cert_file);
  config.nats.tls_key_file = absl::GetFlag(FLAGS_nats_tls_key_file);
  config.nats.request_timeout = absl::GetFlag(FLAGS_nats_timeout);
  config.log.stream = absl::GetFlag(FLAGS_nats_stream);
  config.log.replicas = absl::GetFlag(FLAGS_nats_replicas);
  std::string compression = absl::GetFlag(FLAGS_nats_compression);
  config.compress = compression != "none";
  if (compression != "lz4" && compression != "none") {
    config.compression_flag_error = absl::InvalidArgumentError(absl::StrCat(
        "--nats_compression: \"", compression, "\" is not lz4 or none"));
  }
  return config;
}

std::vector<std::string> ReplicationFlagNames() {
  return {"nats",
          "nats_stream",
          "nats_replicas",
          "nats_credentials_file",
          "nats_user",
          "nats_password",
          "nats_token",
          "nats_tls_ca_file",
          "nats_tls_cert_file",
          "nats_tls_key_file",
          "nats_timeout",
          "nats_compression"};
}

}  // namespace factstore::replication
