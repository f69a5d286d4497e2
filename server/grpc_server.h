// What both factstore servers share around gRPC: listening, message limits,
// keepalive and connection ageing, the health service, server reflection,
// and shutdown on SIGINT/SIGTERM.
//
//   GrpcServerOptions options = GrpcServerOptionsFromFlags();
//   options.listen_address = absl::GetFlag(FLAGS_listen);
//   FS_ASSIGN_OR_RETURN(auto server, StartGrpcServer(options, {&service}));
//   server->health()->SetServingStatus("factstore.v1.IngestService", true);
//   WaitForShutdownSignal();
//   server->Shutdown();
#ifndef FACTSTORE_SERVER_GRPC_SERVER_H_
#define FACTSTORE_SERVER_GRPC_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/support/server_interceptor.h"

namespace factstore::server {

struct GrpcServerOptions {
  // host:port to listen on; port 0 picks a free port (tests).
  std::string listen_address = "127.0.0.1:0";
  // Largest request message accepted; larger ones fail with
  // RESOURCE_EXHAUSTED before reaching factstore's code.
  int max_receive_message_bytes = 32 << 20;
  // Largest response message sent.
  int max_send_message_bytes = 32 << 20;
  // HTTP/2 streams one client connection may have open at once.
  int max_concurrent_streams = 256;
  // Server-side keepalive pings on idle connections, and how long to wait
  // for the answer before closing the connection.
  absl::Duration keepalive_time = absl::Seconds(60);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // Connections are closed (with GOAWAY) after this age, so that clients
  // behind a Kubernetes Service reconnect and spread over new pods; calls in
  // flight get max_connection_age_grace to finish.
  absl::Duration max_connection_age = absl::Minutes(10);
  absl::Duration max_connection_age_grace = absl::Seconds(30);
  // A new connection that has not finished its TLS handshake and sent its
  // HTTP/2 settings by then is closed (gRPC's default is 2 minutes).
  absl::Duration handshake_timeout = absl::Seconds(10);
  // Pings a client may send sooner than min_ping_interval after the last
  // one, with no call data in between, before it is sent GOAWAY
  // (ENHANCE_YOUR_CALM, "too_many_pings") and disconnected.
  absl::Duration min_ping_interval = absl::Seconds(10);
  int max_ping_strikes = 2;

  // TLS: the server's certificate chain and private key (PEM files, both or
  // neither). The files are watched and reloaded when they change, as
  // mounted Kubernetes secrets do.
  std::string tls_cert_file;
  std::string tls_key_file;
  // CA bundle (PEM) that client certificates are verified against.
  std::string tls_client_ca_file;
  // Mutual TLS: refuse clients without a certificate the CA signed.
  bool tls_require_client_cert = false;
  // How often the certificate files are checked for changes.
  absl::Duration tls_refresh_interval = absl::Seconds(10);
  // A second, plaintext port for health probes when TLS is on (Kubernetes'
  // native gRPC probes cannot speak TLS). The services answer nothing but
  // UNAUTHENTICATED there (see Authorizer); health and reflection answer.
  std::string probe_listen_address;

  // Checks the transport limits and the TLS settings (files readable,
  // certificate and key matching);
  // INVALID_ARGUMENT names the flag.
  absl::Status Validate() const;
};

// Options from the shared flags (--max_receive_message_bytes, --keepalive_time,
// ...), with listen_address left at its default.
GrpcServerOptions GrpcServerOptionsFromFlags();

// Names of the shared flags, for ApplyEnvironmentToFlags.
std::vector<std::string> SharedGrpcFlagNames();

class GrpcServer {
 public:
  // Builds and starts a server with `services` (not owned; they must outlive
  // the server), the gRPC health service (every name NOT_SERVING until set)
  // and server reflection. Returns UNAVAILABLE if it cannot listen.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const GrpcServerOptions& options,
      const std::vector<grpc::Service*>& services,
      const std::vector<std::string>& health_names,
      std::vector<std::unique_ptr<
          grpc::experimental::ServerInterceptorFactoryInterface>>
          interceptors = {});

  // The port actually bound (useful with port 0).
  int port() const { return port_; }
  // The probe port bound, 0 without one.
  int probe_port() const { return probe_port_; }
  // host:port the server listens on.
  const std::string& address() const { return address_; }
  grpc::HealthCheckServiceInterface* health() {
    return server_->GetHealthCheckService();
  }
  // Sets every health name (and the overall "" status) at once.
  void SetServing(bool serving);

  // Stops accepting calls and waits up to `grace` for calls in flight, then
  // cancels what is left. Health turns NOT_SERVING first.
  void Shutdown(absl::Duration grace);
  grpc::Server* grpc_server() { return server_.get(); }

 private:
  GrpcServer() = default;

  std::unique_ptr<grpc::Server> server_;
  std::vector<std::string> health_names_;
  int port_ = 0;
  int probe_port_ = 0;
  std::string address_;
};

// Blocks SIGINT and SIGTERM so that WaitForShutdownSignal receives them.
// REQUIRES: called in main() before any other thread starts, so that every
// thread inherits the mask.
void BlockShutdownSignals();

// Makes every file and directory the process creates from now on readable
// and writable by its owner only (umask 077): the store, its write-ahead
// log, the commit-progress and registry files hold the data and must not be
// readable by other users of the machine. The query service reading the
// ingest service's store as a secondary runs as the same user (in
// Kubernetes: the pod's runAsUser).
// REQUIRES: called in main() before anything creates a file.
void CreateFilesForOwnerOnly();

// Turns off Abseil's mutex deadlock detector. Debian builds Abseil without
// NDEBUG, which leaves it on: every absl::Mutex acquisition (gRPC makes
// several per call) then updates one process-wide lock-order graph under a
// global lock, which costs CPU on every RPC and serializes the threads.
// factstore's own locks are factstore::Mutex, checked by the TSan suite.
// REQUIRES: called in main() before any other thread starts.
void DisableMutexDeadlockDetection();

// Waits for SIGINT or SIGTERM and returns its number.
int WaitForShutdownSignal();
// Like WaitForShutdownSignal, but also returns 0 once `stop()` is true
// (checked every 200 ms): a server that must restart by itself.
int WaitForShutdownSignal(const std::function<bool()>& stop);

}  // namespace factstore::server

#endif  // FACTSTORE_SERVER_GRPC_SERVER_H_
