// NameResolver: finds entities by name or alias for facts that name their
// subject or object instead of giving its id ("subject_name": "Da Nang").
//
// Names match case- and diacritic-insensitively through the store's name
// index (normalizer/name_folding.h): "Đà Nẵng", "da nang" and "DANANG" all
// find place:da-nang. Only an entity's current names count. Thread-safe.
#ifndef FACTSTORE_INGEST_SERVICE_NAME_RESOLVER_H_
#define FACTSTORE_INGEST_SERVICE_NAME_RESOLVER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "factstore/v1/types.pb.h"
#include "storage/store.h"

namespace factstore::ingest {

struct NamedEntity {
  std::string id;
  v1::EntityType type;
};

class NameResolver {
 public:
  explicit NameResolver(const storage::Store* store) : store_(store) {}

  // Every entity whose current name or an alias folds to the same form as
  // `name`, in id order. Empty when none does.
  absl::StatusOr<std::vector<NamedEntity>> Find(absl::string_view name) const;

  // What document `document_id` says of itself (its current
  // Entity.document: language, publication date, ...), or an empty
  // description when it says nothing, does not exist or cannot be read.
  v1::DocumentMetadata StoredDocument(const std::string& document_id) const;

 private:
  const storage::Store* store_;
};

// The id MISSING_ENTITY_POLICY_CREATE gives a new entity: a prefix for its
// type and the folded words of its name joined by '-':
// (PLACE, "Đà Nẵng") -> "place:da-nang", (ORGANIZATION, "FPT") -> "org:fpt".
std::string DeriveEntityId(v1::EntityType type, absl::string_view name);

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_NAME_RESOLVER_H_
