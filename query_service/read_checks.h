// Checks of the ids and names in read requests, shared by every query RPC
// so that each field is held to one rule. Each returns OK or
// INVALID_ARGUMENT naming `field` (with a BadRequest, common/errors.h).
#ifndef FACTSTORE_QUERY_SERVICE_READ_CHECKS_H_
#define FACTSTORE_QUERY_SERVICE_READ_CHECKS_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/errors.h"

namespace factstore::query {

// Longest id (entity, fact, document) a read may name.
inline constexpr size_t kMaxReadIdBytes = 256;
// Longest predicate name or prefix a read may name.
inline constexpr size_t kMaxReadPredicateBytes = 128;

// An entity, fact or document id: at most kMaxReadIdBytes; empty is an
// error only when `required`.
inline absl::Status CheckReadId(absl::string_view id, absl::string_view field,
                                bool required) {
  if (id.empty()) {
    return required ? InvalidField(field, "is required") : absl::OkStatus();
  }
  if (id.size() > kMaxReadIdBytes) {
    return InvalidField(
        field, absl::StrCat("is longer than ", kMaxReadIdBytes, " bytes"));
  }
  return absl::OkStatus();
}

// A predicate name or prefix (optional): at most kMaxReadPredicateBytes.
inline absl::Status CheckReadPredicate(absl::string_view predicate,
                                       absl::string_view field) {
  if (predicate.size() > kMaxReadPredicateBytes) {
    return InvalidField(field, absl::StrCat("is longer than ",
                                            kMaxReadPredicateBytes, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_READ_CHECKS_H_
