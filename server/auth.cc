#include "server/auth.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/auth_context.h"
#include "server/log.h"
#include "server/status_conversion.h"

ABSL_FLAG(std::string, auth_token_file, "",
          "File of bearer tokens with their roles, one \"<roles> <token>\" "
          "per line (roles: reader, writer, admin joined by '+'); reloaded "
          "when it changes.");
ABSL_FLAG(std::string, auth_token, "",
          "A bearer token with every role; prefer the environment "
          "(FACTSTORE_AUTH_TOKEN) or --auth_token_file to the command line.");
ABSL_FLAG(std::vector<std::string>, auth_allowed_identities, {},
          "Client certificate identities allowed in, comma-separated, each "
          "\"[dns:|uri:]<name>[=<role>+<role>]\" (no roles: every role); "
          "needs mutual TLS.");
ABSL_FLAG(bool, allow_unauthenticated, false,
          "Serve without authentication on an address other machines can "
          "reach (without it such a server refuses to start).");

namespace factstore::server {

AuthOptions AuthOptionsFromFlags() {
  AuthOptions options;
  options.token_file = absl::GetFlag(FLAGS_auth_token_file);
  options.token = absl::GetFlag(FLAGS_auth_token);
  options.allowed_identities = absl::GetFlag(FLAGS_auth_allowed_identities);
  options.allow_unauthenticated = absl::GetFlag(FLAGS_allow_unauthenticated);
  return options;
}

std::vector<std::string> AuthFlagNames() {
  return {"auth_token_file", "auth_token", "auth_allowed_identities",
          "allow_unauthenticated"};
}

namespace {

constexpr Role kRoles[] = {Role::kReader, Role::kWriter, Role::kAdmin};

// Shortest token accepted: guessing must not be practical. (Generated tokens,
// `openssl rand -hex 32`, have 64.)
constexpr size_t kMinTokenBytes = 8;

int64_t ModificationTimeNs(const struct stat& info) {
  return static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 +
         info.st_mtim.tv_nsec;
}

absl::StatusOr<std::map<std::string, RoleSet>> ReadTokenFile(
    const std::string& path, int64_t* mtime_ns) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth_token_file: cannot read ", path));
  }
  *mtime_ns = ModificationTimeNs(info);
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth_token_file: cannot read ", path));
  }
  absl::StatusOr<std::map<std::string, RoleSet>> tokens =
      ParseTokenFile(contents.str());
  if (!tokens.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--auth_token_file: ", path, ": ", tokens.status().message()));
  }
  return tokens;
}

// Compares in constant time, so that the time a refusal takes does not tell
// how much of a token was right.
bool SameToken(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() &&
         CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::vector<std::string> PropertyValues(const grpc::AuthContext& auth,
                                        const char* property) {
  std::vector<std::string> values;
  for (const grpc::string_ref& value : auth.FindPropertyValues(property)) {
    values.emplace_back(value.data(), value.size());
  }
  return values;
}

// The identities a verified client certificate proves, by kind.
struct PeerIdentities {
  std::vector<std::string> dns;
  std::vector<std::string> uri;
  std::vector<std::string> any_san;      // every subject alternative name
  std::vector<std::string> common_name;  // only when there is no SAN

  bool empty() const { return any_san.empty() && common_name.empty(); }
  const std::string& first() const {
    return any_san.empty() ? common_name.front() : any_san.front();
  }
};

PeerIdentities IdentitiesOf(const grpc::AuthContext* auth) {
  PeerIdentities peer;
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return peer;
  peer.dns = PropertyValues(*auth, GRPC_PEER_DNS_PROPERTY_NAME);
  peer.uri = PropertyValues(*auth, GRPC_PEER_URI_PROPERTY_NAME);
  peer.any_san = PropertyValues(*auth, GRPC_X509_SAN_PROPERTY_NAME);
  if (peer.any_san.empty()) {
    peer.common_name = PropertyValues(*auth, GRPC_X509_CN_PROPERTY_NAME);
  }
  return peer;
}

bool Contains(const std::vector<std::string>& values, const std::string& v) {
  for (const std::string& value : values) {
    if (value == v) return true;
  }
  return false;
}

bool Matches(const IdentityGrant& grant, const PeerIdentities& peer) {
  switch (grant.kind) {
    case IdentityGrant::Kind::kDns:
      return Contains(peer.dns, grant.name);
    case IdentityGrant::Kind::kUri:
      return Contains(peer.uri, grant.name);
    case IdentityGrant::Kind::kAnySan:
      return Contains(peer.any_san, grant.name) ||
             Contains(peer.common_name, grant.name);
  }
  return false;
}

bool OverTls(const grpc::AuthContext* auth) {
  if (auth == nullptr) return false;
  for (const std::string& type :
       PropertyValues(*auth, GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME)) {
    if (type == "ssl" || type == "tls") return true;
  }
  return false;
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kReader:
      return "reader";
    case Role::kWriter:
      return "writer";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::string RoleSetName(RoleSet roles) {
  std::vector<absl::string_view> names;
  for (Role role : kRoles) {
    if (Holds(roles, role)) names.push_back(RoleName(role));
  }
  return absl::StrJoin(names, "+");
}

absl::StatusOr<RoleSet> ParseRoles(absl::string_view text) {
  RoleSet roles = 0;
  for (absl::string_view name : absl::StrSplit(text, '+')) {
    bool known = false;
    for (Role role : kRoles) {
      if (name == RoleName(role)) {
        roles |= static_cast<RoleSet>(role);
        known = true;
      }
    }
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown role \"", name,
                       "\" (roles are reader, writer, admin, joined by '+')"));
    }
  }
  return roles;
}

absl::StatusOr<std::map<std::string, RoleSet>> ParseTokenFile(
    absl::string_view contents) {
  std::map<std::string, RoleSet> tokens;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(contents, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    auto at_line = [line_number](absl::string_view problem) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": ", problem));
    };
    if (fields.size() > 2) {
      return at_line("expected \"<roles> <token>\" or a bare token");
    }
    RoleSet roles = kEveryRole;
    if (fields.size() == 2) {
      absl::StatusOr<RoleSet> parsed = ParseRoles(fields[0]);
      if (!parsed.ok()) return at_line(parsed.status().message());
      roles = *parsed;
    } else if (ParseRoles(fields[0]).ok()) {
      // "writer" alone is a role whose token is missing (an empty $(...)
      // in a script), not a token named "writer" with every role.
      return at_line("roles without a token");
    }
    if (fields.back().size() < kMinTokenBytes) {
      return at_line(
          absl::StrCat("a token must be at least ", kMinTokenBytes, " bytes"));
    }
    if (!tokens.emplace(std::string(fields.back()), roles).second) {
      return at_line("the token is listed twice");
    }
  }
  if (tokens.empty()) return absl::InvalidArgumentError("holds no token");
  return tokens;
}

absl::StatusOr<IdentityGrant> ParseIdentityGrant(absl::string_view entry) {
  IdentityGrant grant;
  absl::string_view name = absl::StripAsciiWhitespace(entry);
  if (size_t equals = name.rfind('='); equals != absl::string_view::npos) {
    absl::StatusOr<RoleSet> roles = ParseRoles(name.substr(equals + 1));
    if (!roles.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--auth_allowed_identities: \"", entry,
                       "\": ", roles.status().message()));
    }
    grant.roles = *roles;
    name = name.substr(0, equals);
  }
  if (absl::ConsumePrefix(&name, "dns:")) {
    grant.kind = IdentityGrant::Kind::kDns;
  } else if (absl::ConsumePrefix(&name, "uri:")) {
    grant.kind = IdentityGrant::Kind::kUri;
  }
  if (name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--auth_allowed_identities: \"", entry, "\" names no identity"));
  }
  grant.name = std::string(name);
  return grant;
}

bool IsLoopbackAddress(absl::string_view listen_address) {
  if (absl::StartsWith(listen_address, "unix:")) return true;
  absl::string_view host = listen_address;
  if (size_t colon = host.rfind(':'); colon != absl::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (absl::ConsumePrefix(&host, "[")) absl::ConsumeSuffix(&host, "]");
  if (absl::AsciiStrToLower(host) == "localhost") return true;
  std::string text(host);
  unsigned char address[16];
  if (inet_pton(AF_INET, text.c_str(), address) == 1) return address[0] == 127;
  if (inet_pton(AF_INET6, text.c_str(), address) == 1) {
    static const unsigned char kLoopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                                 0, 0, 0, 0, 0, 0, 0, 1};
    return std::equal(address, address + 16, kLoopback6);
  }
  return false;
}

absl::Status CheckExposure(const AuthOptions& options,
                           absl::string_view listen_address,
                           bool client_certificates_required) {
  bool authenticated = !options.token_file.empty() ||
                       !absl::StripAsciiWhitespace(options.token).empty() ||
                       !options.allowed_identities.empty() ||
                       client_certificates_required;
  if (authenticated || options.allow_unauthenticated ||
      IsLoopbackAddress(listen_address)) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "--listen=", listen_address,
      " is reachable from other machines and no authentication is "
      "configured: give callers tokens (--auth_token_file) or client "
      "certificates (--tls_client_ca with --tls_require_client_cert), or "
      "pass --allow_unauthenticated to serve anyone who can connect"));
}

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::ForServer(
    const AuthOptions& options, absl::string_view listen_address,
    bool client_certificates_required, bool has_probe_port) {
  absl::Status exposure =
      CheckExposure(options, listen_address, client_certificates_required);
  if (!exposure.ok()) return exposure;
  AuthOptions server_options = options;
  server_options.require_tls = has_probe_port;
  return Create(server_options);
}

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::Create(
    const AuthOptions& options) {
  std::unique_ptr<Authorizer> authorizer(new Authorizer());
  for (const std::string& entry : options.allowed_identities) {
    absl::StatusOr<IdentityGrant> grant = ParseIdentityGrant(entry);
    if (!grant.ok()) return grant.status();
    authorizer->identities_.push_back(*std::move(grant));
  }
  authorizer->token_file_ = options.token_file;
  MutexLock lock(&authorizer->mu_);
  if (!options.token_file.empty()) {
    auto tokens =
        ReadTokenFile(options.token_file, &authorizer->file_mtime_ns_);
    if (!tokens.ok()) return tokens.status();
    authorizer->tokens_ =
        std::make_shared<const std::map<std::string, RoleSet>>(
            *std::move(tokens));
    authorizer->file_checked_ = absl::Now();
  } else {
    auto tokens = std::make_shared<std::map<std::string, RoleSet>>();
    std::string token(absl::StripAsciiWhitespace(options.token));
    if (!token.empty() && token.size() < kMinTokenBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--auth_token: a token must be at least ", kMinTokenBytes, " bytes"));
    }
    if (!token.empty()) tokens->emplace(token, kEveryRole);
    authorizer->tokens_ = std::move(tokens);
  }
  authorizer->require_tls_ = options.require_tls;
  authorizer->has_credentials_ =
      !authorizer->tokens_->empty() || !authorizer->identities_.empty();
  authorizer->enabled_ = authorizer->has_credentials_ || options.require_tls;
  return authorizer;
}

std::shared_ptr<const std::map<std::string, RoleSet>>
Authorizer::CurrentTokens() {
  MutexLock lock(&mu_);
  if (!token_file_.empty() && absl::Now() - file_checked_ > absl::Seconds(1)) {
    file_checked_ = absl::Now();
    struct stat info;
    if (stat(token_file_.c_str(), &info) == 0 &&
        ModificationTimeNs(info) != file_mtime_ns_) {
      int64_t read_mtime = 0;
      auto tokens = ReadTokenFile(token_file_, &read_mtime);
      if (tokens.ok()) {
        tokens_ = std::make_shared<const std::map<std::string, RoleSet>>(
            *std::move(tokens));
        file_mtime_ns_ = read_mtime;
        reload_error_.clear();
      } else if (std::string error(tokens.status().message());
                 error != reload_error_) {
        // A half-written or broken file keeps the tokens that worked, and
        // is read again at the next check (once a second) until it loads;
        // the error is logged once.
        reload_error_ = error;
        Log(LogLevel::kError,
            "the token file did not load; keeping the "
            "previous tokens",
            {{"error", error}});
      }
    }
  }
  return tokens_;
}

grpc::Status Authorizer::Check(const grpc::ServerContextBase& context,
                               Role needed) {
  if (!enabled_) return grpc::Status::OK;
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (require_tls_ && !OverTls(auth.get())) {
    return ToGrpcStatus(WithReason(
        absl::UnauthenticatedError(
            "this port serves health checks only; call the TLS port"),
        reason::kTlsRequired));
  }
  // TLS without tokens or identities: the transport authenticated the
  // caller (or no one is asked to), and every caller holds every role.
  if (!has_credentials_) return grpc::Status::OK;

  RoleSet roles = 0;
  bool presented_token = false;
  bool valid_token = false;
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    absl::string_view bearer(it->second.data(), it->second.size());
    if (absl::ConsumePrefix(&bearer, "Bearer ") ||
        absl::ConsumePrefix(&bearer, "bearer ")) {
      presented_token = true;
      std::shared_ptr<const std::map<std::string, RoleSet>> tokens =
          CurrentTokens();
      for (const auto& [token, token_roles] : *tokens) {
        if (SameToken(bearer, token)) {
          roles |= token_roles;
          valid_token = true;
        }
      }
    }
  }
  PeerIdentities peer = IdentitiesOf(auth.get());
  bool allowed_identity = false;
  for (const IdentityGrant& grant : identities_) {
    if (Matches(grant, peer)) {
      roles |= grant.roles;
      allowed_identity = true;
    }
  }
  if (Holds(roles, needed)) return grpc::Status::OK;
  if (valid_token || allowed_identity) {
    return ToGrpcStatus(WithReason(
        absl::PermissionDeniedError(absl::StrCat(
            "this call needs the role \"", RoleName(needed),
            "\"; the caller's credentials hold ", RoleSetName(roles))),
        reason::kRoleMissing, {{"role", std::string(RoleName(needed))}}));
  }
  if (presented_token) {
    return ToGrpcStatus(
        WithReason(absl::UnauthenticatedError("the bearer token is not valid"),
                   reason::kCredentialsInvalid));
  }
  if (!peer.empty()) {
    return ToGrpcStatus(
        WithReason(absl::PermissionDeniedError(absl::StrCat(
                       "client certificate identity \"", peer.first(),
                       "\" is not allowed to call this service")),
                   reason::kIdentityNotAllowed));
  }
  return ToGrpcStatus(WithReason(
      absl::UnauthenticatedError(
          "this service needs credentials: an \"authorization: Bearer "
          "<token>\" header or an allowed client certificate"),
      reason::kCredentialsMissing));
}

}  // namespace factstore::server
