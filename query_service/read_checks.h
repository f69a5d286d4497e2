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
#include "common/limits.h"

namespace factstore::query {

// An entity, fact or document id: at most kMaxIdBytes (common/limits.h); empty
// is an error only when `required`.
inline absl::Status CheckReadId(absl::string_view id, absl::string_view field,
                                bool required) {
  if (id.empty()) {
    return required ? InvalidField(field, "is required") : absl::OkStatus();
  }
  if (id.size() > kMaxIdBytes) {
    return InvalidField(field,
                        absl::StrCat("is longer than ", kMaxIdBytes, " bytes"));
  }
  return absl::OkStatus();
}

// A predicate name or prefix (optional): at most kMaxPredicateNameBytes.
inline absl::Status CheckReadPredicate(absl::string_view predicate,
                                       absl::string_view field) {
  if (predicate.size() > kMaxPredicateNameBytes) {
    return InvalidField(field, absl::StrCat("is longer than ",
                                            kMaxPredicateNameBytes, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_READ_CHECKS_H_
