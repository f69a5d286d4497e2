// Authorizer: who may call a service, and with which roles.
//
// Callers authenticate with a bearer token ("authorization: Bearer <token>"
// metadata) or with a client certificate whose identity is on an allow-list
// (mutual TLS). Every credential holds a set of roles:
//   reader  the query service's reads
//   writer  entities, facts, retractions, and ParseText
//   admin   RegisterPredicates, EraseEntity and MergeEntities
// Roles do not imply one another: a token that both writes and erases is
// given "writer+admin". Each call needs one role; a call holds the roles of
// its token and of its certificate identity together.
//
// Tokens come from a token file (reloaded when it changes), one per line:
//   # comments and blank lines are ignored
//   writer        3f9c...        (roles, then the token)
//   writer+admin  b71e...
//   4d2a...                      (a bare token: every role; the format from
//                                 before roles, kept for existing files)
// or from a flag / environment variable (a single token with every role, for
// development).
//
// Identities (--auth_allowed_identities, comma-separated) are
// "[dns:|uri:]<name>[=<role>+<role>...]" (a name that itself contains '='
// must be followed by its roles): "dns:" matches only a DNS subject
// alternative name, "uri:" only a URI one (SPIFFE ids), no prefix either;
// no roles means every role. The certificate's Common Name is matched only
// when the certificate has no subject alternative names at all.
//
// With require_tls, calls that did not come over TLS (the plaintext probe
// port) are refused first, whatever they carry. With nothing configured
// every call passes; servers refuse to start that way on a non-loopback
// address unless told to (CheckExposure).
//
// Health checks and reflection are not subject to it: the services check
// their own calls.
//
// Thread-safe.
#ifndef FACTSTORE_SERVER_AUTH_H_
#define FACTSTORE_SERVER_AUTH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/mutex.h"
#include "grpcpp/server_context.h"

namespace factstore::server {

enum class Role : uint8_t { kReader = 1, kWriter = 2, kAdmin = 4 };

// A set of roles, a bit per Role.
using RoleSet = uint8_t;
inline constexpr RoleSet kEveryRole = 7;
inline constexpr bool Holds(RoleSet roles, Role role) {
  return (roles & static_cast<RoleSet>(role)) != 0;
}

// "reader", "writer", "admin".
absl::string_view RoleName(Role role);
// "reader+writer" style; "" for the empty set.
std::string RoleSetName(RoleSet roles);
// Parses "reader+writer"; INVALID_ARGUMENT naming an unknown role.
absl::StatusOr<RoleSet> ParseRoles(absl::string_view text);

// A token file's contents: token -> roles. INVALID_ARGUMENT (with the line
// number) for an unknown role, a line with more than two fields, roles
// without a token, a token shorter than 8 bytes or given twice, or a file
// with no token.
absl::StatusOr<std::map<std::string, RoleSet>> ParseTokenFile(
    absl::string_view contents);

// One entry of --auth_allowed_identities.
struct IdentityGrant {
  enum class Kind { kAnySan, kDns, kUri };
  Kind kind = Kind::kAnySan;
  std::string name;
  RoleSet roles = kEveryRole;
};
absl::StatusOr<IdentityGrant> ParseIdentityGrant(absl::string_view entry);

struct AuthOptions {
  // A file of tokens with their roles (format above).
  std::string token_file;
  // A token with every role (from the environment); used when token_file is
  // empty.
  std::string token;
  // Client certificate identities, "[dns:|uri:]<name>[=<roles>]".
  std::vector<std::string> allowed_identities;
  // Serving without authentication on a non-loopback address was asked for.
  bool allow_unauthenticated = false;
  // Refuse calls that did not come over TLS (the server also listens on a
  // plaintext probe port).
  bool require_tls = false;
};

// Options from the flags --auth_token_file, --auth_token (better set through
// the environment, e.g. FACTSTORE_AUTH_TOKEN), --auth_allowed_identities and
// --allow_unauthenticated.
AuthOptions AuthOptionsFromFlags();
std::vector<std::string> AuthFlagNames();

// True for addresses only this machine can reach: 127.0.0.0/8, ::1,
// "localhost" and unix sockets.
bool IsLoopbackAddress(absl::string_view listen_address);

// FAILED_PRECONDITION when a server would accept unauthenticated calls from
// other machines: `listen_address` is not loopback, no token or identity is
// configured, client certificates are not required, and
// allow_unauthenticated is not set. The message names the flags that fix it.
absl::Status CheckExposure(const AuthOptions& options,
                           absl::string_view listen_address,
                           bool client_certificates_required);

class Authorizer {
 public:
  // INVALID_ARGUMENT for an unreadable or malformed token file or identity.
  static absl::StatusOr<std::unique_ptr<Authorizer>> Create(
      const AuthOptions& options);

  // The authorizer of a server listening on `listen_address`: first
  // CheckExposure, then Create, requiring TLS of every call when the server
  // has a plaintext probe port (`has_probe_port`), so that only TLS calls
  // reach the service.
  static absl::StatusOr<std::unique_ptr<Authorizer>> ForServer(
      const AuthOptions& options, absl::string_view listen_address,
      bool client_certificates_required, bool has_probe_port);

  bool enabled() const { return enabled_; }

  // OK if the call may proceed with `needed`; otherwise UNAUTHENTICATED (no
  // valid credential) or PERMISSION_DENIED (a credential without the role, or
  // a certificate identity not on the list), with a message saying which.
  grpc::Status Check(const grpc::ServerContextBase& context, Role needed);

 private:
  Authorizer() = default;
  // The current tokens, re-reading the file when it changed (at most once a
  // second). A file that no longer parses keeps the previous tokens.
  std::shared_ptr<const std::map<std::string, RoleSet>> CurrentTokens();

  bool enabled_ = false;
  bool require_tls_ = false;
  bool has_credentials_ = false;  // tokens or an identity allow-list
  std::string token_file_;
  std::vector<IdentityGrant> identities_;
  Mutex mu_;
  std::shared_ptr<const std::map<std::string, RoleSet>> tokens_
      ABSL_GUARDED_BY(mu_);
  absl::Time file_checked_ ABSL_GUARDED_BY(mu_);
  int64_t file_mtime_ns_ ABSL_GUARDED_BY(mu_) = 0;
  // Why the file last failed to load ("" once it loads).
  std::string reload_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace factstore::server

#endif  // FACTSTORE_SERVER_AUTH_H_
