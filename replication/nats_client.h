// NatsClient: one connection to a NATS cluster with its JetStream context,
// owned the C++ way around the nats.c client (libnats).
//
//   NatsOptions options;
//   options.servers = {"nats://h1:4222", "nats://h2:4222"};
//   FS_ASSIGN_OR_RETURN(auto nats, NatsClient::Connect(options));
//   ... js_Publish(&ack, nats->jetstream(), ...) ...
//
// The connection is made in the background and kept up forever: Connect
// returns at once even when no server answers yet, and the client
// reconnects (to any server of the cluster) after every loss. Calls made
// while it is down fail with UNAVAILABLE.
//
// Thread-safe: libnats connections and JetStream contexts may be used from
// any thread.
#ifndef FACTSTORE_REPLICATION_NATS_CLIENT_H_
#define FACTSTORE_REPLICATION_NATS_CLIENT_H_

#include <nats/nats.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/mutex.h"

namespace factstore::replication {

struct NatsOptions {
  // Server URLs (nats://host:port or tls://host:port); any of them is
  // enough to find the rest of the cluster.
  std::vector<std::string> servers;
  // Credentials, at most one kind: a NATS credentials file (JWT and NKey
  // seed, as `nsc` writes them), a user and password, or a token.
  std::string credentials_file;
  std::string user;
  std::string password;
  std::string token;
  // TLS: the CA bundle that signs the servers' certificates, and a client
  // certificate and key for servers that verify clients (PEM files).
  // Setting any of them turns TLS on.
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  // The connection's name, shown by the servers' monitoring.
  std::string name = "factstore";
  // How long a JetStream request (publish, stream info, ...) waits for its
  // answer.
  absl::Duration request_timeout = absl::Seconds(5);

  // Checks the values; INVALID_ARGUMENT names the flag (--nats...).
  absl::Status Validate() const;
};

// Splits "nats://a:4222,nats://b:4222" into URLs (empty parts dropped).
std::vector<std::string> SplitNatsServers(absl::string_view servers);

// Converts a libnats status (and JetStream error code, 0 if none) into the
// absl::Status with the closest code, naming `context` and the client's
// last error text.
absl::Status FromNatsStatus(natsStatus status, int js_error,
                            absl::string_view context);

// JetStream's error code for a publish refused because the stream's last
// sequence was not the expected one (jsPubOptions.ExpectLastSeq).
inline constexpr jsErrCode kWrongLastSequence = JSStreamWrongLastSequenceErr;

class NatsClient {
 public:
  // Starts connecting to `options.servers` and returns at once (no server
  // answering is no error: it keeps trying in the background). Fails on
  // invalid options (INVALID_ARGUMENT), credentials a server refused
  // (PERMISSION_DENIED) or a failed TLS handshake (FAILED_PRECONDITION).
  static absl::StatusOr<std::unique_ptr<NatsClient>> Connect(
      const NatsOptions& options);
  // Closes the connection.
  ~NatsClient();
  NatsClient(const NatsClient&) = delete;
  NatsClient& operator=(const NatsClient&) = delete;

  natsConnection* connection() const { return connection_; }
  jsCtx* jetstream() const { return jetstream_; }
  const NatsOptions& options() const { return options_; }

  // True while connected to a server.
  bool connected() const;
  // The largest message the connected server accepts (bytes); 0 while
  // disconnected.
  int64_t max_payload() const;
  // The URL of the server connected to, or "" while disconnected.
  std::string connected_url() const;
  // How many times the connection was lost since Connect.
  int64_t disconnects() const { return disconnects_.load(); }

 private:
  // libnats options for `options`. `background`: keep (re)connecting
  // forever, with `client`'s callbacks; otherwise a single attempt.
  static absl::StatusOr<natsOptions*> MakeOptions(const NatsOptions& options,
                                                  NatsClient* client,
                                                  bool background);
  explicit NatsClient(NatsOptions options) : options_(std::move(options)) {}
  static void OnDisconnected(natsConnection* connection, void* closure);
  static void OnReconnected(natsConnection* connection, void* closure);
  static void OnError(natsConnection* connection, natsSubscription* sub,
                      natsStatus error, void* closure);
  static void OnClosed(natsConnection* connection, void* closure);

  const NatsOptions options_;
  natsConnection* connection_ = nullptr;
  jsCtx* jetstream_ = nullptr;
  std::atomic<int64_t> disconnects_{0};
  Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace factstore::replication

#endif  // FACTSTORE_REPLICATION_NATS_CLIENT_H_
