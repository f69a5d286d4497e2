// Errors in the standard shape of Google's API design guide (AIP-193).
//
// Inside factstore an error is an absl::Status. The details a client needs
// travel with it as payloads, from where the error arises to the service
// edge, where ToRpcStatus turns the whole into a google.rpc.Status (sent in
// the grpc-status-details-bin trailer, see server/status_conversion.h):
//   - google.rpc.BadRequest: every field at fault, by the same paths the
//     message names (InvalidField, InvalidFields);
//   - google.rpc.ErrorInfo: a stable reason (the constants below) in the
//     domain "factstore.v1", with metadata (WithReason). An error without
//     one gets the reason of its code (ReasonForCode);
//   - google.rpc.RetryInfo: on RESOURCE_EXHAUSTED and UNAVAILABLE, how long
//     to wait before retrying (WithRetryDelay, else one second).
// docs/errors.md lists every reason; a test holds the list and this header
// to each other.
#ifndef FACTSTORE_COMMON_ERRORS_H_
#define FACTSTORE_COMMON_ERRORS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "google/rpc/status.pb.h"

namespace factstore {

// ErrorInfo.domain of every factstore error.
inline constexpr absl::string_view kErrorDomain = "factstore.v1";

// ErrorInfo reasons. Stable: clients switch on them.
namespace reason {
// INVALID_ARGUMENT: fields of the request are malformed (BadRequest lists
// them).
inline constexpr absl::string_view kInvalidField = "INVALID_FIELD";
// INVALID_ARGUMENT: the page_token is altered, expired, or of another query.
inline constexpr absl::string_view kInvalidPageToken = "INVALID_PAGE_TOKEN";
// INVALID_ARGUMENT: more items in one request than allowed.
inline constexpr absl::string_view kRequestTooLarge = "REQUEST_TOO_LARGE";
// NOT_FOUND: no such entity / it was erased / no such fact.
inline constexpr absl::string_view kEntityNotFound = "ENTITY_NOT_FOUND";
inline constexpr absl::string_view kEntityErased = "ENTITY_ERASED";
inline constexpr absl::string_view kFactNotFound = "FACT_NOT_FOUND";
// ALREADY_EXISTS: the request_id was used for a different request.
inline constexpr absl::string_view kRequestIdReused = "REQUEST_ID_REUSED";
// FAILED_PRECONDITION: an erasure would touch more facts than one commit may.
inline constexpr absl::string_view kErasureTooLarge = "ERASURE_TOO_LARGE";
// FAILED_PRECONDITION: a merge would touch more facts than one commit may.
inline constexpr absl::string_view kMergeTooLarge = "MERGE_TOO_LARGE";
// FAILED_PRECONDITION: the entity was merged into another (MergeEntities) and
// is a redirect now; the message names the surviving entity.
inline constexpr absl::string_view kEntityMerged = "ENTITY_MERGED";
// FAILED_PRECONDITION: the store keeps no word index (SearchFacts on a store
// created with --index_words=false).
inline constexpr absl::string_view kWordIndexOff = "WORD_INDEX_OFF";
// RESOURCE_EXHAUSTED: the ingest queue is full, or the query service has
// --max_pending_reads reads pending.
inline constexpr absl::string_view kOverloaded = "OVERLOADED";
// RESOURCE_EXHAUSTED: the query service has --max_watches watches open.
inline constexpr absl::string_view kTooManyWatches = "TOO_MANY_WATCHES";
// RESOURCE_EXHAUSTED: one read would examine more than --max_keys_per_read
// index entries and cannot be cut into pages (ResolveValue).
inline constexpr absl::string_view kReadTooLarge = "READ_TOO_LARGE";
// UNAVAILABLE: the server is starting or shutting down.
inline constexpr absl::string_view kNotServing = "NOT_SERVING";
// UNAVAILABLE: this ingest replica does not lead; metadata "leader" names
// the one that does, when known.
inline constexpr absl::string_view kNotLeader = "NOT_LEADER";
// UNAVAILABLE: a commit could not be made durable (the store or the commit
// log failed); it may or may not have been written.
inline constexpr absl::string_view kCommitFailed = "COMMIT_FAILED";
// UNAVAILABLE: the query replica has not caught up with the store or log.
inline constexpr absl::string_view kReplicaBehind = "REPLICA_BEHIND";
// DEADLINE_EXCEEDED: read_options.min_commit did not become visible in time.
inline constexpr absl::string_view kCommitNotVisible = "COMMIT_NOT_VISIBLE";
// UNAUTHENTICATED: no credential / one that is not valid / a call to the
// plaintext probe port.
inline constexpr absl::string_view kCredentialsMissing = "CREDENTIALS_MISSING";
inline constexpr absl::string_view kCredentialsInvalid = "CREDENTIALS_INVALID";
inline constexpr absl::string_view kTlsRequired = "TLS_REQUIRED";
// PERMISSION_DENIED: the credential lacks the role the call needs (metadata
// "role") / the certificate identity is not on the list.
inline constexpr absl::string_view kRoleMissing = "ROLE_MISSING";
inline constexpr absl::string_view kIdentityNotAllowed = "IDENTITY_NOT_ALLOWED";
}  // namespace reason

// The reason of an error that was given none: the code's own name
// ("INVALID_ARGUMENT", "INTERNAL", ...).
absl::string_view ReasonForCode(absl::StatusCode code);

// A field at fault, by its path in the request ("facts[2].value.amount").
struct FieldViolation {
  std::string field;
  std::string description;
};

// INVALID_ARGUMENT "<field>: <description>", reason INVALID_FIELD, with a
// BadRequest naming the field.
absl::Status InvalidField(absl::string_view field,
                          absl::string_view description);
// INVALID_ARGUMENT with `message` (which names the fields), reason
// INVALID_FIELD, and a BadRequest with every violation.
absl::Status InvalidFields(absl::string_view message,
                           absl::Span<const FieldViolation> violations);

// `status` with the ErrorInfo reason and metadata set (replacing any).
// `status` must not be OK.
absl::Status WithReason(
    absl::Status status, absl::string_view reason,
    std::vector<std::pair<std::string, std::string>> metadata = {});
// `status` with the RetryInfo delay set.
absl::Status WithRetryDelay(absl::Status status, absl::Duration delay);

// The fields `status` names in its BadRequest (none without one).
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);
// The reason WithReason gave `status` ("" if none).
std::string ReasonOf(const absl::Status& status);

// The google.rpc.Status a client receives for `status` (not OK): its code,
// its message, and the details above.
google::rpc::Status ToRpcStatus(const absl::Status& status);

}  // namespace factstore

#endif  // FACTSTORE_COMMON_ERRORS_H_
