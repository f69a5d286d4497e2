#include "replication/nats_client.h"

#include <cerrno>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/log.h"

namespace factstore::replication {
namespace {

bool Readable(const std::string& path) {
  FILE* f = fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  fclose(f);
  return true;
}

}  // namespace

std::vector<std::string> SplitNatsServers(absl::string_view servers) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(servers, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

absl::Status NatsOptions::Validate() const {
  if (servers.empty()) {
    return absl::InvalidArgumentError("--nats: no server URL given");
  }
  for (const std::string& url : servers) {
    if (!absl::StartsWith(url, "nats://") && !absl::StartsWith(url, "tls://")) {
      return absl::InvalidArgumentError(
          absl::StrCat("--nats: \"", url, "\" is not a nats:// or tls:// URL"));
    }
  }
  int kinds = !credentials_file.empty() + !user.empty() + !token.empty();
  if (kinds > 1) {
    return absl::InvalidArgumentError(
        "--nats_credentials_file, --nats_user and --nats_token: set at "
        "most one");
  }
  if (!password.empty() && user.empty()) {
    return absl::InvalidArgumentError("--nats_password needs --nats_user");
  }
  for (const auto& [flag, path] :
       {std::pair<const char*, const std::string&>{"--nats_credentials_file",
                                                   credentials_file},
        {"--nats_tls_ca_file", tls_ca_file},
        {"--nats_tls_cert_file", tls_cert_file},
        {"--nats_tls_key_file", tls_key_file}}) {
    if (!path.empty() && !Readable(path)) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": cannot read ", path));
    }
  }
  if (tls_cert_file.empty() != tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--nats_tls_cert_file and --nats_tls_key_file go together");
  }
  if (request_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--nats_timeout must be positive");
  }
  return absl::OkStatus();
}

absl::Status FromNatsStatus(natsStatus status, int js_error,
                            absl::string_view context) {
  if (status == NATS_OK) return absl::OkStatus();
  const char* last = nats_GetLastError(nullptr);
  std::string message = absl::StrCat(context, ": ", natsStatus_GetText(status));
  if (last != nullptr && *last != '\0')
    absl::StrAppend(&message, " (", last, ")");
  if (js_error != 0)
    absl::StrAppend(&message, " [JetStream error ", js_error, "]");
  switch (js_error) {
    case JSStreamWrongLastSequenceErr:
      return absl::AbortedError(message);
    // Answers that will not change if asked again.
    case JSStorageResourcesExceededErr:
    case JSInsufficientResourcesErr:
      return absl::ResourceExhaustedError(message);
    case JSStreamMessageExceedsMaximumErr:
      return absl::InvalidArgumentError(message);
    case JSStreamNotMatchErr:
      return absl::FailedPreconditionError(message);
    case JSStreamStoreFailedErr:
      return absl::InternalError(message);
    case JSStreamNotFoundErr:
    case JSConsumerNotFoundErr:
    case JSNoMessageFoundErr:
      return absl::NotFoundError(message);
    default:
      break;
  }
  switch (status) {
    case NATS_NOT_FOUND:
      return absl::NotFoundError(message);
    case NATS_TIMEOUT:
      return absl::DeadlineExceededError(message);
    case NATS_INVALID_ARG:
      return absl::InvalidArgumentError(message);
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NOT_YET_CONNECTED:
    case NATS_NO_SERVER:
    case NATS_NO_RESPONDERS:
    case NATS_IO_ERROR:
    case NATS_STALE_CONNECTION:
    case NATS_MISSED_HEARTBEAT:
      return absl::UnavailableError(message);
    default:
      return absl::UnavailableError(message);
  }
}

absl::StatusOr<natsOptions*> NatsClient::MakeOptions(const NatsOptions& options,
                                                     NatsClient* client,
                                                     bool background) {
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  std::vector<const char*> urls;
  for (const std::string& url : options.servers) urls.push_back(url.c_str());
  if (s == NATS_OK) {
    s = natsOptions_SetServers(opts, urls.data(),
                               static_cast<int>(urls.size()));
  }
  if (s == NATS_OK) s = natsOptions_SetName(opts, options.name.c_str());
  // Keep trying forever, at start-up too: a replica serves what it has while
  // NATS is away, and picks up the log when it comes back.
  if (s == NATS_OK && background) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK && !background)
    s = natsOptions_SetAllowReconnect(opts, false);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 250);
  if (s == NATS_OK) s = natsOptions_SetReconnectJitter(opts, 100, 500);
  if (s == NATS_OK && background) {
    s = natsOptions_SetRetryOnFailedConnect(opts, true, nullptr, nullptr);
  }
  // A connection that stops answering pings is declared lost after about
  // three seconds, so that calls fail fast and the client moves to another
  // server.
  if (s == NATS_OK) s = natsOptions_SetPingInterval(opts, 1000);
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(opts, 3);
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, 2000);
  // Requests made while disconnected fail at once instead of waiting for
  // their timeout.
  if (s == NATS_OK) s = natsOptions_SetFailRequestsOnDisconnect(opts, true);
  // Large log entries would otherwise be held in the reconnect buffer.
  if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(opts, 8 << 20);
  if (s == NATS_OK && background) {
    s = natsOptions_SetDisconnectedCB(opts, &NatsClient::OnDisconnected,
                                      client);
  }
  if (s == NATS_OK && background) {
    s = natsOptions_SetReconnectedCB(opts, &NatsClient::OnReconnected, client);
  }
  if (s == NATS_OK && background) {
    s = natsOptions_SetErrorHandler(opts, &NatsClient::OnError, client);
  }
  if (s == NATS_OK && background) {
    s = natsOptions_SetClosedCB(opts, &NatsClient::OnClosed, client);
  }
  if (s == NATS_OK && !options.credentials_file.empty()) {
    s = natsOptions_SetUserCredentialsFromFiles(
        opts, options.credentials_file.c_str(), nullptr);
  }
  if (s == NATS_OK && !options.user.empty()) {
    s = natsOptions_SetUserInfo(opts, options.user.c_str(),
                                options.password.c_str());
  }
  if (s == NATS_OK && !options.token.empty()) {
    s = natsOptions_SetToken(opts, options.token.c_str());
  }
  bool tls = !options.tls_ca_file.empty() || !options.tls_cert_file.empty();
  for (const std::string& url : options.servers) {
    if (absl::StartsWith(url, "tls://")) tls = true;
  }
  if (s == NATS_OK && tls) s = natsOptions_SetSecure(opts, true);
  if (s == NATS_OK && !options.tls_ca_file.empty()) {
    s = natsOptions_LoadCATrustedCertificates(opts,
                                              options.tls_ca_file.c_str());
  }
  if (s == NATS_OK && !options.tls_cert_file.empty()) {
    s = natsOptions_LoadCertificatesChain(opts, options.tls_cert_file.c_str(),
                                          options.tls_key_file.c_str());
  }
  if (s != NATS_OK) {
    absl::Status error = FromNatsStatus(s, 0, "NATS options");
    natsOptions_Destroy(opts);
    return absl::InvalidArgumentError(error.message());
  }
  return opts;
}

absl::StatusOr<std::unique_ptr<NatsClient>> NatsClient::Connect(
    const NatsOptions& options) {
  if (absl::Status valid = options.Validate(); !valid.ok()) return valid;
  std::unique_ptr<NatsClient> client(new NatsClient(options));
  // One plain attempt first: refused credentials or a TLS failure are
  // configuration errors, said at once (libnats would otherwise retry them
  // inside Connect forever); no server answering is not, and the real
  // connection below keeps trying in the background.
  {
    absl::StatusOr<natsOptions*> once = MakeOptions(options, nullptr, false);
    if (!once.ok()) return once.status();
    natsConnection* probe = nullptr;
    natsStatus s = natsConnection_Connect(&probe, *once);
    natsOptions_Destroy(*once);
    if (probe != nullptr) natsConnection_Destroy(probe);
    if (s == NATS_CONNECTION_AUTH_FAILED) {
      return absl::PermissionDeniedError(absl::StrCat(
          "NATS refused this server's credentials (--nats_token, --nats_user, "
          "--nats_credentials_file): ",
          FromNatsStatus(s, 0, "connect").message()));
    }
    if (s == NATS_SSL_ERROR) {
      return absl::FailedPreconditionError(absl::StrCat(
          "TLS with NATS failed (--nats_tls_ca_file, --nats_tls_cert_file, "
          "--nats_tls_key_file): ",
          FromNatsStatus(s, 0, "connect").message()));
    }
  }
  absl::StatusOr<natsOptions*> opts = MakeOptions(options, client.get(), true);
  if (!opts.ok()) return opts.status();
  natsStatus s = natsConnection_Connect(&client->connection_, *opts);
  natsOptions_Destroy(*opts);
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
    return FromNatsStatus(s, 0, "connect to NATS");
  }
  if (s == NATS_NOT_YET_CONNECTED) {
    server::Log(server::LogLevel::kWarning,
                "NATS is not reachable yet; retrying in the background",
                {{"servers", absl::StrJoin(options.servers, ",")}});
  }
  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.Wait = absl::ToInt64Milliseconds(options.request_timeout);
  s = natsConnection_JetStream(&client->jetstream_, client->connection_,
                               &js_options);
  if (s != NATS_OK) return FromNatsStatus(s, 0, "JetStream context");
  return client;
}

NatsClient::~NatsClient() {
  if (jetstream_ != nullptr) jsCtx_Destroy(jetstream_);
  if (connection_ != nullptr) {
    natsConnection_Close(connection_);
    // The library calls its callbacks (with this object) on a thread of its
    // own; the closed callback comes last. Wait for it before going away.
    {
      MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(
          [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_; },
          absl::Seconds(5));
    }
    natsConnection_Destroy(connection_);
  }
}

void NatsClient::OnClosed(natsConnection* connection, void* closure) {
  auto* client = static_cast<NatsClient*>(closure);
  MutexLock lock(&client->mu_);
  client->closed_ = true;
}

bool NatsClient::connected() const {
  return natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED;
}

int64_t NatsClient::max_payload() const {
  return connected() ? natsConnection_GetMaxPayload(connection_) : 0;
}

std::string NatsClient::connected_url() const {
  char buffer[512];
  if (natsConnection_GetConnectedUrl(connection_, buffer, sizeof(buffer)) !=
      NATS_OK) {
    return "";
  }
  return buffer;
}

void NatsClient::OnDisconnected(natsConnection* connection, void* closure) {
  auto* client = static_cast<NatsClient*>(closure);
  client->disconnects_.fetch_add(1);
  server::Log(server::LogLevel::kWarning, "disconnected from NATS",
              {{"disconnects", client->disconnects_.load()}});
}

void NatsClient::OnReconnected(natsConnection* connection, void* closure) {
  char buffer[512] = "";
  natsConnection_GetConnectedUrl(connection, buffer, sizeof(buffer));
  server::Log(server::LogLevel::kInfo, "connected to NATS",
              {{"server", std::string(buffer)}});
}

void NatsClient::OnError(natsConnection* connection, natsSubscription* sub,
                         natsStatus error, void* closure) {
  server::Log(server::LogLevel::kWarning, "NATS client error",
              {{"error", std::string(natsStatus_GetText(error))}});
}

}  // namespace factstore::replication
