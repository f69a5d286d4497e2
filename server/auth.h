// Authorizer: who may call a service.
//
// Callers authenticate with a bearer token ("authorization: Bearer <token>"
// metadata; the token comes from a file, reloaded when it changes, or from a
// flag or environment variable) or with a client certificate whose identity
// (subject alternative name or common name) is on an allow-list (mutual TLS).
// With require_tls, calls that did not come over TLS (the plaintext probe
// port) are refused first, whatever they carry.
// A call with a valid token or an allowed identity passes; one with neither
// gets UNAUTHENTICATED, or PERMISSION_DENIED when it proved an identity that
// is not allowed. With nothing configured every call passes.
//
// Health checks and reflection are not subject to it: the services check
// their own calls.
//
// Thread-safe.
#ifndef FACTSTORE_SERVER_AUTH_H_
#define FACTSTORE_SERVER_AUTH_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "common/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"

namespace factstore::server {

struct AuthOptions {
  // A file holding the token (surrounding whitespace ignored).
  std::string token_file;
  // The token itself (from the environment); used when token_file is empty.
  std::string token;
  // Client certificate identities allowed without a token.
  std::vector<std::string> allowed_identities;
  // Refuse calls that did not come over TLS (the server also listens on a
  // plaintext probe port).
  bool require_tls = false;
};

// Options from the flags --auth_token_file, --auth_token (better set through
// the environment, e.g. FACTSTORE_AUTH_TOKEN) and --auth_allowed_identities.
AuthOptions AuthOptionsFromFlags();
std::vector<std::string> AuthFlagNames();

class Authorizer {
 public:
  // Returns INVALID_ARGUMENT for an unreadable or empty token file.
  static absl::StatusOr<std::unique_ptr<Authorizer>> Create(
      const AuthOptions& options);

  bool enabled() const { return enabled_; }

  // OK if the call may proceed; otherwise UNAUTHENTICATED or
  // PERMISSION_DENIED with a message saying what is missing.
  grpc::Status Check(const grpc::ServerContextBase& context);

 private:
  Authorizer() = default;
  // The current token, re-reading the file when it changed (at most once a
  // second).
  std::string CurrentToken();

  bool enabled_ = false;
  bool require_tls_ = false;
  bool has_credentials_ = false;  // a token or an identity allow-list
  std::string token_file_;
  std::vector<std::string> allowed_identities_;
  Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time file_checked_ ABSL_GUARDED_BY(mu_);
  int64_t file_mtime_ns_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace factstore::server

#endif  // FACTSTORE_SERVER_AUTH_H_
