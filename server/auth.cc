#include "server/auth.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/auth_context.h"

ABSL_FLAG(std::string, auth_token_file, "",
          "File holding the bearer token callers must present (reloaded when "
          "it changes).");
ABSL_FLAG(std::string, auth_token, "",
          "The bearer token callers must present; prefer the environment "
          "(FACTSTORE_AUTH_TOKEN) or --auth_token_file to the command line.");
ABSL_FLAG(std::vector<std::string>, auth_allowed_identities, {},
          "Client certificate identities (SAN or CN) allowed without a token, "
          "comma-separated; needs mutual TLS.");

namespace factstore::server {

AuthOptions AuthOptionsFromFlags() {
  AuthOptions options;
  options.token_file = absl::GetFlag(FLAGS_auth_token_file);
  options.token = absl::GetFlag(FLAGS_auth_token);
  options.allowed_identities = absl::GetFlag(FLAGS_auth_allowed_identities);
  return options;
}

std::vector<std::string> AuthFlagNames() {
  return {"auth_token_file", "auth_token", "auth_allowed_identities"};
}

namespace {

absl::StatusOr<std::string> ReadToken(const std::string& path,
                                      int64_t* mtime_ns) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth_token_file: cannot read ", path));
  }
  *mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 +
              info.st_mtim.tv_nsec;
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  std::string token(absl::StripAsciiWhitespace(contents.str()));
  if (!in || token.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth_token_file: ", path, " holds no token"));
  }
  return token;
}

bool SameToken(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::Create(
    const AuthOptions& options) {
  std::unique_ptr<Authorizer> authorizer(new Authorizer());
  authorizer->allowed_identities_ = options.allowed_identities;
  authorizer->token_file_ = options.token_file;
  MutexLock lock(&authorizer->mu_);
  if (!options.token_file.empty()) {
    auto token = ReadToken(options.token_file, &authorizer->file_mtime_ns_);
    if (!token.ok()) return token.status();
    authorizer->token_ = *std::move(token);
    authorizer->file_checked_ = absl::Now();
  } else {
    authorizer->token_ = std::string(absl::StripAsciiWhitespace(options.token));
  }
  authorizer->require_tls_ = options.require_tls;
  authorizer->has_credentials_ =
      !authorizer->token_.empty() || !authorizer->allowed_identities_.empty();
  authorizer->enabled_ = !authorizer->token_.empty() ||
                         !authorizer->allowed_identities_.empty() ||
                         options.require_tls;
  return authorizer;
}

std::string Authorizer::CurrentToken() {
  MutexLock lock(&mu_);
  if (!token_file_.empty() && absl::Now() - file_checked_ > absl::Seconds(1)) {
    file_checked_ = absl::Now();
    struct stat info;
    if (stat(token_file_.c_str(), &info) == 0) {
      int64_t mtime = static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 +
                      info.st_mtim.tv_nsec;
      if (mtime != file_mtime_ns_) {
        int64_t read_mtime = 0;
        auto token = ReadToken(token_file_, &read_mtime);
        // A half-written file keeps the old token until it is complete.
        if (token.ok()) {
          token_ = *std::move(token);
          file_mtime_ns_ = read_mtime;
        }
      }
    }
  }
  return token_;
}

grpc::Status Authorizer::Check(const grpc::ServerContextBase& context) {
  if (!enabled_) return grpc::Status::OK;
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (require_tls_) {
    bool over_tls = false;
    if (auth != nullptr) {
      for (const grpc::string_ref& type :
           auth->FindPropertyValues(GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME)) {
        over_tls = over_tls || type == "ssl" || type == "tls";
      }
    }
    if (!over_tls) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          "this port serves health checks only; call the TLS "
                          "port");
    }
    if (!has_credentials_) return grpc::Status::OK;
  }
  bool presented_token = false;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end()) {
    std::string value(it->second.data(), it->second.size());
    absl::string_view bearer = value;
    if (absl::ConsumePrefix(&bearer, "Bearer ") ||
        absl::ConsumePrefix(&bearer, "bearer ")) {
      presented_token = true;
      std::string expected = CurrentToken();
      if (!expected.empty() && SameToken(std::string(bearer), expected)) {
        return grpc::Status::OK;
      }
    }
  }
  std::vector<std::string> identities;
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const char* property :
         {"x509_subject_alternative_name", "x509_common_name"}) {
      for (const grpc::string_ref& value : auth->FindPropertyValues(property)) {
        identities.emplace_back(value.data(), value.size());
      }
    }
  }
  for (const std::string& identity : identities) {
    if (std::find(allowed_identities_.begin(), allowed_identities_.end(),
                  identity) != allowed_identities_.end()) {
      return grpc::Status::OK;
    }
  }
  if (presented_token) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "the bearer token is not valid");
  }
  if (!identities.empty()) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat("client certificate identity \"",
                                     identities[0], "\" is not allowed to call "
                                                    "this service"));
  }
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "this service needs credentials: an \"authorization: "
                      "Bearer <token>\" header or an allowed client "
                      "certificate");
}

}  // namespace factstore::server
