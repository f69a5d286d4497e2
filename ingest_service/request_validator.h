// Request validation that needs no stored state: shapes, identifiers, text
// encoding and the limits of ingest_service/limits.h. Every problem is
// reported with the path of the field ("facts[3].mentions[0].quote") so that
// callers can fix their input without guessing.
//
//   Violations violations;
//   ValidateEntity(request.entities(i), absl::StrCat("entities[", i, "]"),
//                  &violations);
//   if (!violations.empty()) result->mutable_error()->Swap(
//       &violations.ToItemError());
//
// All functions are thread-safe.
#ifndef FACTSTORE_INGEST_SERVICE_REQUEST_VALIDATOR_H_
#define FACTSTORE_INGEST_SERVICE_REQUEST_VALIDATOR_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "factstore/v1/types.pb.h"

namespace factstore::ingest {

// The path of a field in a request, as a parent path and the field's own
// part ("facts[3].mentions[0]" and ".quote"), joined only when a violation
// names it. Nearly every check passes, and joining each field's path before
// checking it cost an allocation per field of every fact ingested.
//
// A FieldPath only views the strings it is made of: pass it as an argument,
// do not keep it beyond the call.
class FieldPath {
 public:
  // A path given whole. Implicit, so that a string stands for its path.
  FieldPath(absl::string_view path) : parent_(path) {}   // NOLINT
  FieldPath(const std::string& path) : parent_(path) {}  // NOLINT
  FieldPath(const char* path) : parent_(path) {}         // NOLINT
  FieldPath(absl::string_view parent, absl::string_view name)
      : parent_(parent), name_(name) {}

  std::string ToString() const { return absl::StrCat(parent_, name_); }

 private:
  absl::string_view parent_;
  absl::string_view name_;
};

// The problems found in one item of a request.
class Violations {
 public:
  void Add(const FieldPath& field, absl::string_view description);
  bool empty() const { return list_.empty(); }
  const std::vector<v1::FieldViolation>& list() const { return list_; }
  // "field: description", plus "(and N more problems)" when there are more.
  std::string Summary() const;
  // INVALID_ARGUMENT with `context` and the summary as its message, and a
  // BadRequest of every violation.
  absl::Status ToStatus(absl::string_view context = "") const;
  // An ItemError with `code` (a grpc::StatusCode value), the summary and
  // every violation.
  v1::ItemError ToItemError(
      absl::StatusCode code = absl::StatusCode::kInvalidArgument) const;

 private:
  std::vector<v1::FieldViolation> list_;
};

// An ItemError for a batch refused as a whole: the status's code, message
// and field violations.
v1::ItemError ItemErrorFromStatus(const absl::Status& status);

// True if `text` is well-formed UTF-8.
bool IsValidUtf8(absl::string_view text);

// Checks an identifier: 1 to max_bytes bytes of UTF-8 without whitespace or
// control characters. An empty value is a violation only when `required`.
void CheckId(absl::string_view value, const FieldPath& field, size_t max_bytes,
             bool required, Violations* violations);

// Checks free text: UTF-8, at most max_bytes, no control characters (tab
// and newlines are allowed when `multiline`).
void CheckText(absl::string_view value, const FieldPath& field,
               size_t max_bytes, bool required, bool multiline,
               Violations* violations);

// Checks a BCP-47-shaped language tag ("en", "vi", "ko", "en-US").
void CheckLanguage(absl::string_view value, const FieldPath& field,
                   Violations* violations);

// Checks a predicate name: dotted lower_snake_case segments
// ("investment.cumulative_total"), at most kMaxPredicateNameBytes.
void CheckPredicateName(absl::string_view value, const FieldPath& field,
                        Violations* violations);

// Checks what describes a source document, in a mention or an entity's
// DocumentMetadata: url, title and publisher as text within their limits, an
// ISO-8601 publication date, a BCP-47 language (each may be empty); fields
// are reported as `path`.url and so on.
void CheckDocumentFields(absl::string_view url, absl::string_view title,
                         absl::string_view publisher,
                         absl::string_view publication_date,
                         absl::string_view language, absl::string_view path,
                         Violations* violations);

void ValidateEntity(const v1::Entity& entity, absl::string_view path,
                    Violations* violations);
void ValidatePredicate(const v1::Predicate& predicate, absl::string_view path,
                       Violations* violations);
void ValidateMention(const v1::Mention& mention, absl::string_view path,
                     Violations* violations);
// Checks what can be checked of a fact without the registry or the store:
// subject, predicate name, that a value is present, qualifier names and
// counts, mentions and their fields.
void ValidateFactShape(const v1::Fact& fact, absl::string_view path,
                       Violations* violations);

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_REQUEST_VALIDATOR_H_
