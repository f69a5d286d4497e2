#include "server/grpc_server.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/stat.h>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/support/channel_arguments.h"

ABSL_FLAG(int, max_receive_message_bytes, 32 << 20,
          "Largest request message accepted, in bytes.");
ABSL_FLAG(int, max_send_message_bytes, 32 << 20,
          "Largest response message sent, in bytes.");
ABSL_FLAG(int, max_concurrent_streams, 256,
          "HTTP/2 streams one client connection may have open at once.");
ABSL_FLAG(absl::Duration, keepalive_time, absl::Seconds(60),
          "Interval of server keepalive pings on idle connections.");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(20),
          "How long to wait for a keepalive ping's answer.");
ABSL_FLAG(absl::Duration, max_connection_age, absl::Minutes(10),
          "Close connections after this age so clients rebalance over pods.");
ABSL_FLAG(absl::Duration, max_connection_age_grace, absl::Seconds(30),
          "Time calls in flight get to finish on an aged-out connection.");
ABSL_FLAG(absl::Duration, handshake_timeout, absl::Seconds(10),
          "Close new connections that have not completed the TLS handshake "
          "and sent their HTTP/2 settings within this time.");
ABSL_FLAG(absl::Duration, min_ping_interval, absl::Seconds(10),
          "Clients pinging more often than this with no calls in between "
          "get strikes; past --max_ping_strikes they get GOAWAY.");
ABSL_FLAG(int, max_ping_strikes, 2,
          "Too-frequent pings tolerated before GOAWAY (too_many_pings); 0: "
          "any number.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain of the server; enables TLS (with --tls_key).");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of the server.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle that client certificates are verified against.");
ABSL_FLAG(bool, tls_require_client_cert, false,
          "Mutual TLS: refuse clients without a valid certificate.");
ABSL_FLAG(absl::Duration, tls_refresh_interval, absl::Seconds(10),
          "How often the TLS files are checked for new certificates.");
ABSL_FLAG(std::string, probe_listen, "",
          "With TLS: a plaintext host:port that serves only health checks and "
          "reflection, for Kubernetes' gRPC probes.");

namespace factstore::server {
namespace {

int Millis(absl::Duration d) {
  return static_cast<int>(absl::ToInt64Milliseconds(d));
}

}  // namespace

GrpcServerOptions GrpcServerOptionsFromFlags() {
  GrpcServerOptions options;
  options.max_receive_message_bytes =
      absl::GetFlag(FLAGS_max_receive_message_bytes);
  options.max_send_message_bytes = absl::GetFlag(FLAGS_max_send_message_bytes);
  options.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  options.keepalive_time = absl::GetFlag(FLAGS_keepalive_time);
  options.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout);
  options.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  options.max_connection_age_grace =
      absl::GetFlag(FLAGS_max_connection_age_grace);
  options.handshake_timeout = absl::GetFlag(FLAGS_handshake_timeout);
  options.min_ping_interval = absl::GetFlag(FLAGS_min_ping_interval);
  options.max_ping_strikes = absl::GetFlag(FLAGS_max_ping_strikes);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.tls_require_client_cert =
      absl::GetFlag(FLAGS_tls_require_client_cert);
  options.tls_refresh_interval = absl::GetFlag(FLAGS_tls_refresh_interval);
  options.probe_listen_address = absl::GetFlag(FLAGS_probe_listen);
  return options;
}

namespace {

absl::Status BadTls(absl::string_view flag, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(flag, ": ", why));
}

}  // namespace

absl::Status GrpcServerOptions::Validate() const {
  if (handshake_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--handshake_timeout must be positive");
  }
  if (min_ping_interval < absl::ZeroDuration() || max_ping_strikes < 0) {
    return absl::InvalidArgumentError(
        "--min_ping_interval and --max_ping_strikes must not be negative");
  }
  if (tls_cert_file.empty() != tls_key_file.empty()) {
    return BadTls("--tls_cert/--tls_key", "give both or neither");
  }
  if (tls_cert_file.empty()) {
    if (!probe_listen_address.empty()) {
      return BadTls(
          "--probe_listen",
          "is for TLS servers (the main port serves probes otherwise)");
    }
    if (!tls_client_ca_file.empty() || tls_require_client_cert) {
      return BadTls(
          "--tls_client_ca",
          "client certificates need TLS: set --tls_cert and --tls_key");
    }
    return absl::OkStatus();
  }
  if (tls_require_client_cert && tls_client_ca_file.empty()) {
    return BadTls("--tls_require_client_cert",
                  "needs --tls_client_ca to verify client certificates");
  }
  // Parse the files now: a typo should stop the server at start, not make
  // every handshake fail later.
  BIO* cert_bio = BIO_new_file(tls_cert_file.c_str(), "r");
  X509* cert = cert_bio != nullptr
                   ? PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr)
                   : nullptr;
  BIO_free(cert_bio);
  if (cert == nullptr) {
    return BadTls(
        "--tls_cert",
        absl::StrCat(tls_cert_file, " is not a readable PEM certificate"));
  }
  BIO* key_bio = BIO_new_file(tls_key_file.c_str(), "r");
  EVP_PKEY* key = key_bio != nullptr ? PEM_read_bio_PrivateKey(key_bio, nullptr,
                                                               nullptr, nullptr)
                                     : nullptr;
  BIO_free(key_bio);
  bool matches = key != nullptr && X509_check_private_key(cert, key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  if (key == nullptr) {
    return BadTls(
        "--tls_key",
        absl::StrCat(tls_key_file, " is not a readable PEM private key"));
  }
  if (!matches) {
    return BadTls("--tls_key", "does not match the certificate of --tls_cert");
  }
  if (!tls_client_ca_file.empty()) {
    BIO* ca_bio = BIO_new_file(tls_client_ca_file.c_str(), "r");
    X509* ca = ca_bio != nullptr
                   ? PEM_read_bio_X509(ca_bio, nullptr, nullptr, nullptr)
                   : nullptr;
    BIO_free(ca_bio);
    if (ca == nullptr) {
      return BadTls("--tls_client_ca", absl::StrCat(tls_client_ca_file,
                                                    " is not a readable PEM "
                                                    "certificate bundle"));
    }
    X509_free(ca);
  }
  if (tls_refresh_interval < absl::Seconds(1)) {
    return BadTls("--tls_refresh_interval", "must be at least 1s");
  }
  return absl::OkStatus();
}

namespace {

std::shared_ptr<grpc::ServerCredentials> Credentials(
    const GrpcServerOptions& options) {
  if (options.tls_cert_file.empty()) return grpc::InsecureServerCredentials();
  auto provider =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          options.tls_key_file, options.tls_cert_file,
          options.tls_client_ca_file,
          static_cast<unsigned int>(
              absl::ToInt64Seconds(options.tls_refresh_interval)));
  grpc::experimental::TlsServerCredentialsOptions tls(provider);
  tls.watch_identity_key_cert_pairs();
  if (!options.tls_client_ca_file.empty()) {
    tls.watch_root_certs();
    tls.set_cert_request_type(
        options.tls_require_client_cert
            ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
            : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(tls);
}

}  // namespace

std::vector<std::string> SharedGrpcFlagNames() {
  return {"max_receive_message_bytes",
          "max_send_message_bytes",
          "max_concurrent_streams",
          "keepalive_time",
          "keepalive_timeout",
          "max_connection_age",
          "max_connection_age_grace",
          "handshake_timeout",
          "min_ping_interval",
          "max_ping_strikes",
          "tls_cert",
          "tls_key",
          "tls_client_ca",
          "tls_require_client_cert",
          "tls_refresh_interval",
          "probe_listen"};
}

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    const GrpcServerOptions& options,
    const std::vector<grpc::Service*>& services,
    const std::vector<std::string>& health_names,
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors) {
  if (absl::Status valid = options.Validate(); !valid.ok()) return valid;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  std::unique_ptr<GrpcServer> server(new GrpcServer());
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, Credentials(options),
                           &server->port_);
  int probe_port = 0;
  if (!options.probe_listen_address.empty()) {
    builder.AddListeningPort(options.probe_listen_address,
                             grpc::InsecureServerCredentials(), &probe_port);
  }
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder.SetMaxSendMessageSize(options.max_send_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.max_concurrent_streams);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             Millis(options.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             Millis(options.keepalive_timeout));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Clients may ping every min_ping_interval (gRPC clients with keepalive
  // do so at 10 s or more); a ping flood is answered with GOAWAY.
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      Millis(options.min_ping_interval));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES,
                             options.max_ping_strikes);
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             Millis(options.handshake_timeout));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             Millis(options.max_connection_age));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             Millis(options.max_connection_age_grace));
  for (grpc::Service* service : services) builder.RegisterService(service);
  if (!interceptors.empty()) {
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address,
                     " (address in use or not local?)"));
  }
  if (!options.probe_listen_address.empty() && probe_port == 0) {
    return absl::UnavailableError(absl::StrCat(
        "--probe_listen: cannot listen on ", options.probe_listen_address));
  }
  server->probe_port_ = probe_port;
  std::string host =
      options.listen_address.substr(0, options.listen_address.rfind(':'));
  server->address_ = absl::StrCat(host, ":", server->port_);
  server->health_names_ = health_names;
  server->SetServing(false);
  return server;
}

void GrpcServer::SetServing(bool serving) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus("", serving);
  for (const std::string& name : health_names_) {
    health->SetServingStatus(name, serving);
  }
}

void GrpcServer::Shutdown(absl::Duration grace) {
  SetServing(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
}

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void CreateFilesForOwnerOnly() { umask(S_IRWXG | S_IRWXO); }

void DisableMutexDeadlockDetection() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

int WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal_number = 0;
  while (sigwait(&set, &signal_number) != 0) {
  }
  return signal_number;
}

int WaitForShutdownSignal(const std::function<bool()>& stop) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  struct timespec poll = {0, 200 * 1000 * 1000};
  while (true) {
    int signal_number = sigtimedwait(&set, nullptr, &poll);
    if (signal_number > 0) return signal_number;
    if (stop()) return 0;
  }
}

}  // namespace factstore::server
